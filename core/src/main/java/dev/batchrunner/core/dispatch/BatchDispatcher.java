package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.text.SafeText;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The dispatch path of one request, resolved once by the {@link RequestResolver}: idempotency
 * claim, RunTask, record update. Every expected result is a {@link DispatchOutcome}; a failure to
 * dispatch a valid request is a {@link DispatchFailedException}.
 */
public final class BatchDispatcher {
  /** Added to the invocation's remaining time before an IN_PROGRESS claim counts as abandoned. */
  static final Duration IN_PROGRESS_MARGIN = Duration.ofSeconds(10);

  /** Used when the runtime does not say how long the invocation may run (Lambda's maximum). */
  static final Duration DEFAULT_REMAINING = Duration.ofMinutes(15);

  private final RequestResolver resolver;
  private final IdempotencyStore store;
  private final TaskLauncher launcher;
  private final Clock clock;
  private final java.util.function.Supplier<String> claimIds;

  /**
   * @param claimIds where the random ids that mark a claim's owner come from
   */
  public BatchDispatcher(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      Clock clock,
      java.util.function.Supplier<String> claimIds) {
    this.claimIds = claimIds;
    this.resolver = new RequestResolver(catalog);
    this.store = store;
    this.launcher = launcher;
    this.clock = clock;
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
    Duration hold = (remaining.isZero() || remaining.isNegative() ? DEFAULT_REMAINING : remaining);
    IdempotencyRecord record =
        IdempotencyRecord.builder()
            .id(key.id())
            .batchTypeId(batch.id())
            .status(IdempotencyRecord.Status.IN_PROGRESS)
            .traceId(request.traceId())
            .requestHash(key.requestHash())
            .taskArns(java.util.List.of())
            .createdAt(now)
            .expiresAt(now.plus(batch.idempotencyWindow()))
            .inProgressUntil(now.plus(hold).plus(IN_PROGRESS_MARGIN))
            .claimId(claimIds.get())
            .build();
    Claim claim = store.claim(record, now);
    if (claim instanceof Claim.Existing existing) {
      return existing(request, key, existing.record());
    }

    LaunchResult result;
    try {
      result = launcher.launch(valid.launch());
    } catch (TaskLaunchException e) {
      // Nothing started: free the key so the redelivery (or a fixed catalog) can run it.
      RuntimeException releaseFailure = null;
      try {
        store.release(key.id(), record.claimId());
      } catch (RuntimeException r) {
        releaseFailure = r;
      }
      DispatchFailedException failure =
          new DispatchFailedException(
              "batch '"
                  + batch.id()
                  + "' (task definition "
                  + batch.taskDefinition()
                  + "): ECS did not start the task: "
                  + e.getMessage(),
              e.retryable() ? FailureReason.ECS_TRANSIENT : FailureReason.ECS_PERMANENT,
              e);
      if (releaseFailure != null) {
        failure.addSuppressed(releaseFailure);
      }
      throw failure;
    }
    store.markDispatched(key.id(), result.taskArns(), clock.instant());
    return new Dispatched(
        batch.id(), request.traceId(), key.id(), result.taskArns(), result.dryRun());
  }

  private DispatchOutcome existing(
      BatchRequest request, IdempotencyKey key, IdempotencyRecord found) {
    if (request.idempotencyKey() != null && !key.requestHash().equals(found.requestHash())) {
      return reject(
          request,
          "idempotencyKey",
          SafeText.quote(request.idempotencyKey())
              + " was already used for a different request (first trace id "
              + found.traceId()
              + "); send a new key or the same parameters");
    }
    if (found.status() == IdempotencyRecord.Status.IN_PROGRESS) {
      throw new DispatchFailedException(
          "batch '"
              + found.batchTypeId()
              + "': the same request is being dispatched by another invocation (trace id "
              + found.traceId()
              + "); retry later",
          FailureReason.IN_PROGRESS,
          null);
    }
    return new Duplicate(
        request.batchTypeId(), request.traceId(), key.id(), found.taskArns(), found.traceId());
  }

  private static Rejected reject(BatchRequest request, String field, String reason) {
    return new Rejected(request.batchTypeId(), request.traceId(), new Rejection(field, reason));
  }
}
