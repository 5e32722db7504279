package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request's idempotency record, as stored: what makes a re-sent request a duplicate, and the
 * request's lifecycle (status, attempts) with what a new attempt needs (the resolved parameters and
 * the explicit key). Build one with {@link #builder()}.
 *
 * @param id {@code <batchTypeId>#<sha256hex>}
 * @param batchTypeId the batch type
 * @param status where the request stands: {@code IN_PROGRESS} → {@code DISPATCHED} → {@code
 *     RUNNING} → {@code SUCCEEDED} | {@code FAILED}
 * @param traceId the trace id of the first dispatch
 * @param requestHash SHA-256 of the canonical request (what an explicit key must keep matching)
 * @param explicitKey the publisher's explicit {@code idempotencyKey}, or null when the key is the
 *     request's hash: with {@code parameters} it resolves the request again for a new attempt
 * @param parameters the request's parameters after catalog defaults, sensitive values included (the
 *     table is encrypted; they are never logged or put in an event)
 * @param attempt the current attempt's number, 1-based
 * @param attempts one entry per attempt, numbered 1 to {@code attempt}
 * @param createdAt when the record was first written
 * @param expiresAt when it stops counting (DynamoDB TTL, epoch seconds)
 * @param inProgressUntil when an IN_PROGRESS claim is considered abandoned
 * @param claimId a random id of the invocation that holds the claim, so that only it releases it
 * @param revision a random id of the write that stored this version, or null for a record written
 *     before records had one: every later write is conditioned on it (optimistic locking)
 * @param completionDue null, or (the record is final and its completion event not yet put on the
 *     bus) until when the invocation that finished the record holds the putting: after it, the next
 *     delivery of the task's state change puts the event
 */
public record IdempotencyRecord(
    String id,
    String batchTypeId,
    RequestStatus status,
    String traceId,
    String requestHash,
    String explicitKey,
    Map<String, String> parameters,
    int attempt,
    List<Attempt> attempts,
    Instant createdAt,
    Instant expiresAt,
    Instant inProgressUntil,
    String claimId,
    String revision,
    Instant completionDue) {

  public IdempotencyRecord {
    parameters =
        parameters == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(parameters));
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
  }

  /** A builder with every component unset (null; attempt 1 pending, no parameters). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this record's components. */
  public Builder toBuilder() {
    return new Builder()
        .id(id)
        .batchTypeId(batchTypeId)
        .status(status)
        .traceId(traceId)
        .requestHash(requestHash)
        .explicitKey(explicitKey)
        .parameters(parameters)
        .attempts(attempt, attempts)
        .createdAt(createdAt)
        .expiresAt(expiresAt)
        .inProgressUntil(inProgressUntil)
        .claimId(claimId)
        .revision(revision)
        .completionDue(completionDue);
  }

  /** The task ARNs of every attempt that has one, in attempt order. */
  public List<String> taskArns() {
    List<String> arns = new ArrayList<>();
    for (Attempt a : attempts) {
      if (a.taskArn() != null) {
        arns.add(a.taskArn());
      }
    }
    return List.copyOf(arns);
  }

  /** The lifecycle part: status, attempt and entries. */
  public LifecycleState lifecycle() {
    return new LifecycleState(status, attempt, attempts);
  }

  /** The current attempt's entry. */
  public Attempt current() {
    return attempts.get(attempt - 1);
  }

  /** This record with {@code state} as its lifecycle; everything else kept. */
  public IdempotencyRecord with(LifecycleState state) {
    return toBuilder().status(state.status()).attempts(state.attempt(), state.attempts()).build();
  }

  /** Builds an {@link IdempotencyRecord} by component name; not thread-safe. */
  public static final class Builder {
    private String id;
    private String batchTypeId;
    private RequestStatus status;
    private String traceId;
    private String requestHash;
    private String explicitKey;
    private Map<String, String> parameters;
    private int attempt = 1;
    private List<Attempt> attempts;
    private Instant createdAt;
    private Instant expiresAt;
    private Instant inProgressUntil;
    private String claimId;
    private String revision;
    private Instant completionDue;

    private Builder() {}

    /** See {@link IdempotencyRecord#id()}. */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** See {@link IdempotencyRecord#batchTypeId()}. */
    public Builder batchTypeId(String batchTypeId) {
      this.batchTypeId = batchTypeId;
      return this;
    }

    /** See {@link IdempotencyRecord#status()}. */
    public Builder status(RequestStatus status) {
      this.status = status;
      return this;
    }

    /** See {@link IdempotencyRecord#traceId()}. */
    public Builder traceId(String traceId) {
      this.traceId = traceId;
      return this;
    }

    /** See {@link IdempotencyRecord#requestHash()}. */
    public Builder requestHash(String requestHash) {
      this.requestHash = requestHash;
      return this;
    }

    /** See {@link IdempotencyRecord#explicitKey()}. */
    public Builder explicitKey(String explicitKey) {
      this.explicitKey = explicitKey;
      return this;
    }

    /** See {@link IdempotencyRecord#parameters()}; null means none. */
    public Builder parameters(Map<String, String> parameters) {
      this.parameters = parameters;
      return this;
    }

    /**
     * See {@link IdempotencyRecord#attempt()} and {@link IdempotencyRecord#attempts()}; unset, the
     * record is at attempt 1 with a pending entry.
     */
    public Builder attempts(int attempt, List<Attempt> attempts) {
      this.attempt = attempt;
      this.attempts = attempts;
      return this;
    }

    /**
     * Attempt 1 with its task {@code taskArn} recorded (null: none yet), as a record with one
     * attempt has it.
     */
    public Builder taskArn(String taskArn) {
      return attempts(1, List.of(Attempt.pending(1).withTask(taskArn)));
    }

    /** See {@link IdempotencyRecord#createdAt()}. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    /** See {@link IdempotencyRecord#expiresAt()}. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** See {@link IdempotencyRecord#inProgressUntil()}. */
    public Builder inProgressUntil(Instant inProgressUntil) {
      this.inProgressUntil = inProgressUntil;
      return this;
    }

    /** See {@link IdempotencyRecord#claimId()}. */
    public Builder claimId(String claimId) {
      this.claimId = claimId;
      return this;
    }

    /** See {@link IdempotencyRecord#revision()}. */
    public Builder revision(String revision) {
      this.revision = revision;
      return this;
    }

    /** See {@link IdempotencyRecord#completionDue()}. */
    public Builder completionDue(Instant completionDue) {
      this.completionDue = completionDue;
      return this;
    }

    /** The record; the builder can go on to build others. */
    public IdempotencyRecord build() {
      List<Attempt> entries = attempts == null ? List.of(Attempt.pending(1)) : attempts;
      int current = attempts == null ? 1 : attempt;
      return new IdempotencyRecord(
          id,
          batchTypeId,
          status,
          traceId,
          requestHash,
          explicitKey,
          parameters,
          current,
          entries,
          createdAt,
          expiresAt,
          inProgressUntil,
          claimId,
          revision,
          completionDue);
    }
  }
}
