package dev.batchrunner.core.dispatch;

import java.time.Instant;
import java.util.List;

/**
 * One request's idempotency record, as stored. Build one with {@link #builder()}.
 *
 * @param id {@code <batchTypeId>#<sha256hex>}
 * @param batchTypeId the batch type
 * @param status IN_PROGRESS until the task ARNs are known, then DISPATCHED
 * @param traceId the trace id of the first dispatch
 * @param requestHash SHA-256 of the canonical request (what an explicit key must keep matching)
 * @param taskArns task ARNs once dispatched
 * @param createdAt when the record was first written
 * @param expiresAt when it stops counting (DynamoDB TTL, epoch seconds)
 * @param inProgressUntil when an IN_PROGRESS claim is considered abandoned
 * @param claimId a random id of the invocation that holds the claim, so that only it releases it
 */
public record IdempotencyRecord(
    String id,
    String batchTypeId,
    Status status,
    String traceId,
    String requestHash,
    List<String> taskArns,
    Instant createdAt,
    Instant expiresAt,
    Instant inProgressUntil,
    String claimId) {

  public IdempotencyRecord {
    taskArns = taskArns == null ? List.of() : List.copyOf(taskArns);
  }

  /** A builder with every component unset (null; no task ARNs). */
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
        .taskArns(taskArns)
        .createdAt(createdAt)
        .expiresAt(expiresAt)
        .inProgressUntil(inProgressUntil)
        .claimId(claimId);
  }

  /** Builds an {@link IdempotencyRecord} by component name; not thread-safe. */
  public static final class Builder {
    private String id;
    private String batchTypeId;
    private Status status;
    private String traceId;
    private String requestHash;
    private List<String> taskArns;
    private Instant createdAt;
    private Instant expiresAt;
    private Instant inProgressUntil;
    private String claimId;

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
    public Builder status(Status status) {
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

    /** See {@link IdempotencyRecord#taskArns()}; null means none. */
    public Builder taskArns(List<String> taskArns) {
      this.taskArns = taskArns;
      return this;
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

    /** The record; the builder can go on to build others. */
    public IdempotencyRecord build() {
      return new IdempotencyRecord(
          id,
          batchTypeId,
          status,
          traceId,
          requestHash,
          taskArns,
          createdAt,
          expiresAt,
          inProgressUntil,
          claimId);
    }
  }

  /** Record states. */
  public enum Status {
    IN_PROGRESS,
    DISPATCHED
  }
}
