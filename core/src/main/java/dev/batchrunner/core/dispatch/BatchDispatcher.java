package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.ParameterResolver;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.SafeText;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The dispatch path of one parsed request: catalog lookup, parameter contract, idempotency claim,
 * RunTask, record update. Every expected result is a {@link DispatchOutcome}; a failure to dispatch
 * a valid request is a {@link DispatchFailedException}.
 */
public final class BatchDispatcher {
  /** Added to the invocation's remaining time before an IN_PROGRESS claim counts as abandoned. */
  static final Duration IN_PROGRESS_MARGIN = Duration.ofSeconds(10);

  /** Used when the runtime does not say how long the invocation may run (Lambda's maximum). */
  static final Duration DEFAULT_REMAINING = Duration.ofMinutes(15);

  /** What logs show instead of a sensitive or undeclared parameter's value. */
  public static final String MASK = "****";

  private final BatchCatalog catalog;
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
    this.catalog = catalog;
    this.store = store;
    this.launcher = launcher;
    this.clock = clock;
  }

  /**
   * Dispatches one request.
   *
   * @param remaining how long the invocation may still run, or {@link Duration#ZERO} if unknown
   */
  public DispatchOutcome dispatch(BatchRequest request, Duration remaining) {
    BatchDefinition batch = catalog.find(request.batchTypeId()).orElse(null);
    if (batch == null) {
      return reject(
          request,
          "batchTypeId",
          "unknown batch type "
              + SafeText.quote(request.batchTypeId())
              + " (known: "
              + String.join(", ", new java.util.TreeSet<>(catalog.batchTypeIds()))
              + ")");
    }
    if (!batch.enabled()) {
      return reject(request, "batchTypeId", "batch type '" + batch.id() + "' is disabled");
    }
    ParameterResolver.Resolution resolution =
        ParameterResolver.resolve(batch, request.parameters());
    if (resolution.rejection() != null) {
      return new Rejected(request.batchTypeId(), request.traceId(), resolution.rejection());
    }
    IdempotencyKey key =
        IdempotencyKey.of(batch.id(), resolution.parameters(), request.idempotencyKey());
    TaskLaunch launch =
        TaskLaunchFactory.build(batch, resolution.parameters(), key, request.traceId());
    int overrides = TaskLaunchFactory.overridesLength(launch);
    if (overrides > TaskLaunchFactory.ECS_OVERRIDES_LIMIT) {
      return reject(
          request,
          "parameters",
          "container overrides would be "
              + overrides
              + " characters, over ECS's limit of "
              + TaskLaunchFactory.ECS_OVERRIDES_LIMIT);
    }

    Instant now = clock.instant();
    Duration hold = (remaining.isZero() || remaining.isNegative() ? DEFAULT_REMAINING : remaining);
    IdempotencyRecord record =
        new IdempotencyRecord(
            key.id(),
            batch.id(),
            IdempotencyRecord.Status.IN_PROGRESS,
            request.traceId(),
            key.requestHash(),
            java.util.List.of(),
            now,
            now.plus(batch.idempotencyWindow()),
            now.plus(hold).plus(IN_PROGRESS_MARGIN),
            claimIds.get());
    Claim claim = store.claim(record, now);
    if (claim instanceof Claim.Existing existing) {
      return existing(request, key, existing.record());
    }

    LaunchResult result;
    try {
      result = launcher.launch(launch);
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
              e.retryable() ? "ECS_TRANSIENT" : "ECS_PERMANENT",
              e.retryable(),
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

  /** Whether the catalog has this batch type (metrics use only known ones as a dimension). */
  public boolean knows(String batchTypeId) {
    return catalog.find(batchTypeId).isPresent();
  }

  /**
   * The request's parameters as they may be logged: values of declared, non-sensitive parameters;
   * sensitive and undeclared ones masked.
   */
  public java.util.Map<String, String> maskedParameters(BatchRequest request) {
    BatchDefinition batch = catalog.find(request.batchTypeId()).orElse(null);
    java.util.Map<String, String> masked = new java.util.TreeMap<>();
    request
        .parameters()
        .forEach(
            (name, value) -> {
              ParameterSpec spec = batch == null ? null : batch.parameters().get(name);
              masked.put(name, spec == null || spec.sensitive() ? MASK : value);
            });
    return masked;
  }

  /** The idempotency record id of a request, or null when it cannot be resolved. */
  public String idempotencyId(BatchRequest request) {
    BatchDefinition batch = catalog.find(request.batchTypeId()).orElse(null);
    if (batch == null) {
      return null;
    }
    ParameterResolver.Resolution resolution =
        ParameterResolver.resolve(batch, request.parameters());
    return resolution.rejection() != null
        ? null
        : IdempotencyKey.of(batch.id(), resolution.parameters(), request.idempotencyKey()).id();
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
          "IN_PROGRESS",
          true,
          null);
    }
    return new Duplicate(
        request.batchTypeId(), request.traceId(), key.id(), found.taskArns(), found.traceId());
  }

  private static Rejected reject(BatchRequest request, String field, String reason) {
    return new Rejected(request.batchTypeId(), request.traceId(), new Rejection(field, reason));
  }
}
