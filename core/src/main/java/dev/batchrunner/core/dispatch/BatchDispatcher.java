package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskTransition;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.text.SafeText;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The dispatch path of one request, resolved once by the {@link RequestResolver}: idempotency
 * claim, RunTask, record update; and, for a re-sent request, what its record allows: a duplicate, a
 * re-run of a failed request, or the takeover of an abandoned claim. Every expected result is a
 * {@link DispatchOutcome}; a failure to dispatch a valid request is a {@link
 * DispatchFailedException}.
 */
public final class BatchDispatcher {
  private final RequestResolver resolver;
  private final AttemptRunner runner;
  private final IdempotencyStore store;
  private final Clock clock;
  private final Supplier<String> claimIds;

  /**
   * @param claimIds where the random ids that mark a claim's owner (and each write's revision) come
   *     from
   */
  public BatchDispatcher(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      Clock clock,
      Supplier<String> claimIds) {
    this.claimIds = claimIds;
    this.resolver = new RequestResolver(catalog);
    this.store = store;
    this.clock = clock;
    this.runner = new AttemptRunner(store, launcher, clock, claimIds);
  }

  /** Resolves a request against the catalog: see {@link RequestResolver}. */
  public Resolution resolve(BatchRequest request) {
    return resolver.resolve(request);
  }

  /**
   * Resolves and dispatches one request.
   *
   * @param remaining how long the invocation may still run, or {@link Duration#ZERO} if unknown
   */
  public DispatchOutcome dispatch(BatchRequest request, Duration remaining) {
    return dispatch(resolve(request), remaining);
  }

  /**
   * Dispatches one resolved request: a refused one is {@link Rejected}, a valid one is claimed,
   * launched and recorded.
   *
   * @param remaining how long the invocation may still run, or {@link Duration#ZERO} if unknown
   */
  public DispatchOutcome dispatch(Resolution resolution, Duration remaining) {
    BatchRequest request = resolution.request();
    if (resolution instanceof Resolution.Invalid invalid) {
      return new Rejected(request.batchTypeId(), request.traceId(), invalid.rejection());
    }
    Resolution.Valid valid = (Resolution.Valid) resolution;
    BatchDefinition batch = valid.batch();
    IdempotencyKey key = valid.key();

    Instant now = clock.instant();
    IdempotencyRecord record =
        IdempotencyRecord.builder()
            .id(key.id())
            .batchTypeId(batch.id())
            .status(RequestStatus.IN_PROGRESS)
            .traceId(request.traceId())
            .requestHash(key.requestHash())
            .explicitKey(request.idempotencyKey())
            .parameters(valid.parameters())
            .createdAt(now)
            .expiresAt(now.plus(batch.idempotencyWindow()))
            .inProgressUntil(runner.holdUntil(now, remaining))
            .claimId(claimIds.get())
            .revision(claimIds.get())
            .build();
    Claim claim = store.claim(record, now);
    if (claim instanceof Claim.Acquired) {
      return launch(valid, record, null);
    }
    IdempotencyRecord found = ((Claim.Existing) claim).record();
    if (request.idempotencyKey() != null && !key.requestHash().equals(found.requestHash())) {
      return reject(
          request,
          "idempotencyKey",
          SafeText.quote(request.idempotencyKey())
              + " was already used for a different request (first trace id "
              + found.traceId()
              + "); send a new key or the same parameters");
    }
    for (int round = 0; round < AttemptRunner.MAX_ROUNDS; round++) {
      DispatchOutcome outcome = existing(valid, found, remaining);
      if (outcome != null) {
        return outcome;
      }
      Optional<IdempotencyRecord> again = store.find(key.id());
      if (again.isEmpty()) {
        break;
      }
      found = again.get();
    }
    throw new DispatchFailedException(
        "batch '"
            + batch.id()
            + "': record "
            + key.id()
            + " kept changing under this invocation; retry later",
        FailureReason.IN_PROGRESS,
        null);
  }

  /**
   * What a re-sent request does with the live record {@code found}: null when it lost a write to
   * another writer and must read the record again.
   */
  private DispatchOutcome existing(
      Resolution.Valid valid, IdempotencyRecord found, Duration remaining) {
    BatchRequest request = valid.request();
    Instant now = clock.instant();
    if (found.status() == RequestStatus.IN_PROGRESS) {
      if (AttemptRunner.isHeld(found, now)) {
        throw new DispatchFailedException(
            "batch '"
                + found.batchTypeId()
                + "': the same request is being dispatched by another invocation (trace id "
                + found.traceId()
                + ", attempt "
                + found.attempt()
                + "); retry later",
            FailureReason.IN_PROGRESS,
            null);
      }
      // Its holder died between claim and record update: take the attempt over, same number and
      // clientToken, so that ECS returns the task it may have started.
      return runner
          .claim(found, found.lifecycle(), valid.batch().idempotencyWindow(), remaining)
          .map(claimed -> launch(valid, claimed, found.attempt() == 1 ? null : found))
          .orElse(null);
    }
    LifecycleState state = found.lifecycle();
    if (TaskTransition.mayRerun(state, valid.batch())) {
      return runner
          .claim(
              found,
              state.nextAttempt("re-sent request (trace id " + request.traceId() + ")"),
              valid.batch().idempotencyWindow(),
              remaining)
          .map(claimed -> launch(valid, claimed, found))
          .orElse(null);
    }
    return new Duplicate(
        request.batchTypeId(),
        request.traceId(),
        found.id(),
        found.taskArns(),
        found.traceId(),
        found.status(),
        found.attempt(),
        found.current().exitCode());
  }

  /**
   * Launches the claimed record's attempt and records its task.
   *
   * @param before the record as it was before the claim (a re-run's FAILED one, a later attempt's
   *     abandoned claim), or null for attempt 1, claimed fresh or taken over: a failed launch
   *     restores it, or deletes the record
   */
  private Dispatched launch(
      Resolution.Valid valid, IdempotencyRecord claimed, IdempotencyRecord before) {
    BatchDefinition batch = valid.batch();
    LaunchResult result;
    try {
      result = runner.launch(claimed, valid.launch());
    } catch (TaskLaunchException e) {
      // Nothing started: free the key (or restore the failed record) so a redelivery can run it.
      DispatchFailedException failure =
          new DispatchFailedException(
              "batch '"
                  + batch.id()
                  + "' (task definition "
                  + batch.taskDefinition()
                  + ", attempt "
                  + claimed.attempt()
                  + "): ECS did not start the task: "
                  + e.getMessage(),
              e.retryable() ? FailureReason.ECS_TRANSIENT : FailureReason.ECS_PERMANENT,
              e);
      runner.undo(claimed, before, failure);
      throw failure;
    }
    runner.recordDispatched(claimed, result);
    return new Dispatched(
        batch.id(),
        valid.request().traceId(),
        claimed.id(),
        result.taskArns(),
        result.dryRun(),
        claimed.attempt());
  }

  /**
   * An operator's re-run of record {@code id}: the lifecycle's new-attempt path, with {@code
   * reason} kept as the attempt's start reason. A {@code FAILED} record starts its next attempt; a
   * {@code SUCCEEDED} one only with {@code force}; one in flight ({@code IN_PROGRESS}, {@code
   * DISPATCHED}, {@code RUNNING}) never. The request is resolved again from the record (its
   * parameters after defaults and explicit key) against today's catalog, and must keep its key.
   *
   * @param remaining how long the caller may run, or {@link Duration#ZERO} if unknown
   * @throws DispatchFailedException when the record cannot be read or written, or ECS did not start
   *     the task (the record is then as it was)
   */
  public RerunOutcome rerun(String id, String reason, boolean force, Duration remaining) {
    for (int round = 0; round < AttemptRunner.MAX_ROUNDS; round++) {
      Optional<IdempotencyRecord> read = store.find(id);
      if (read.isEmpty()) {
        return new RerunOutcome.NotFound(id);
      }
      IdempotencyRecord found = read.get();
      RequestStatus status = found.status();
      if (!status.isFinal()) {
        return new RerunOutcome.Refused(
            status,
            "attempt "
                + found.attempt()
                + " is "
                + status
                + ": a request in flight is never re-run; wait for it to end");
      }
      if (status == RequestStatus.SUCCEEDED && !force) {
        return new RerunOutcome.Refused(
            status, "the request SUCCEEDED: give --force to run it once more");
      }
      Resolution resolution = resolve(RequestRecords.request(found));
      if (!(resolution instanceof Resolution.Valid valid)) {
        Rejection rejection = ((Resolution.Invalid) resolution).rejection();
        return new RerunOutcome.Refused(
            status,
            "the record's request no longer resolves against the catalog: "
                + rejection.field()
                + ": "
                + rejection.reason());
      }
      if (!valid.key().id().equals(found.id())) {
        return new RerunOutcome.Refused(
            status,
            "the catalog now gives the record's request another key ("
                + valid.key().id()
                + "); send the request instead");
      }
      Optional<IdempotencyRecord> claimed =
          runner.claim(
              found,
              found.lifecycle().nextAttempt("rerun: " + reason),
              valid.batch().idempotencyWindow(),
              remaining);
      if (claimed.isPresent()) {
        return new RerunOutcome.Started(launch(valid, claimed.get(), found));
      }
    }
    throw new DispatchFailedException(
        "record " + id + " kept changing under this re-run; try again",
        FailureReason.IN_PROGRESS,
        null);
  }

  private static Rejected reject(BatchRequest request, String field, String reason) {
    return new Rejected(request.batchTypeId(), request.traceId(), new Rejection(field, reason));
  }
}
