package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.dispatch.TaskEventOutcome.Kind;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.Decision;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.lifecycle.TaskTransition;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Follows batch-runner's tasks to their end: one ECS task state change is matched to its record by
 * the {@code IDEMPOTENCY_KEY} override batch-runner set (or, for a task an {@code EcsDirect} rule
 * started, by the key of the request its environment carries, computed as the guard computed it),
 * {@link TaskTransition} decides what it does, and the decision is written with a write conditioned
 * on the revision read (a loser reads again and decides anew). An automatic retry starts the next
 * attempt only from the instance whose write claimed it, so exactly once however often its STOPPED
 * event is delivered; a final record announces itself on the completion bus.
 */
public final class TaskFollower {
  static final String NOT_OURS = "not started by batch-runner";
  static final String NO_KEY = "started by batch-runner but without an IDEMPOTENCY_KEY override";

  /**
   * The trace id an {@code EcsDirect} task's request gets when it carries none: the key does not
   * depend on it, and outcomes take the task's own trace id, else the record's.
   */
  private static final Supplier<String> NO_TRACE_ID = () -> "none";

  private final BatchCatalog catalog;
  private final RequestResolver resolver;
  private final AttemptRunner runner;
  private final IdempotencyStore store;
  private final CompletionPublisher publisher;
  private final Clock clock;

  /**
   * @param publisher where final records are announced, or null for no completion events
   * @param ids where random claim ids and revisions come from
   */
  public TaskFollower(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      CompletionPublisher publisher,
      Clock clock,
      Supplier<String> ids) {
    this.catalog = catalog;
    this.resolver = new RequestResolver(catalog);
    this.store = store;
    this.publisher = publisher;
    this.clock = clock;
    this.runner = new AttemptRunner(store, launcher, clock, ids);
  }

  /**
   * Handles one task state change. Returning is the acknowledgement; a throw has the event
   * delivered again.
   *
   * @param remaining how long the invocation may still run, or {@link Duration#ZERO} if unknown
   * @throws DispatchFailedException when the record cannot be read or written, the next attempt's
   *     RunTask failed transiently, or another invocation is starting the next attempt now
   * @throws CompletionPublishException when the completion event could not be put
   */
  public TaskEventOutcome follow(TaskStateChange change, Duration remaining) {
    String taskArn = change.task().taskArn();
    String key;
    if (change.startedByEcsDirectRule()) {
      Resolution request =
          EnvironmentRequest.resolve(resolver, change.overrideEnvironment(), NO_TRACE_ID);
      if (request instanceof Resolution.Invalid invalid) {
        return TaskEventOutcome.ignored(
            taskArn,
            null,
            "started by an EcsDirect rule, but the request in its environment is refused ("
                + invalid.rejection().message()
                + "): its guard exited 2 and no record is its");
      }
      key = ((Resolution.Valid) request).key().id();
    } else if (!change.startedByBatchRunner()) {
      return TaskEventOutcome.ignored(taskArn, null, NOT_OURS);
    } else {
      key = change.idempotencyKey();
      if (key == null) {
        return TaskEventOutcome.ignored(taskArn, null, NO_KEY);
      }
    }
    for (int round = 0; round < AttemptRunner.MAX_ROUNDS; round++) {
      Optional<IdempotencyRecord> read = store.find(key);
      if (read.isEmpty()) {
        return TaskEventOutcome.ignored(
            taskArn, key, "no record " + key + " (expired, deleted, or not this deployment's)");
      }
      IdempotencyRecord found = read.get();
      Optional<BatchDefinition> batch = catalog.find(found.batchTypeId());
      if (batch.isEmpty()) {
        return TaskEventOutcome.ignored(
            taskArn, key, "batch type '" + found.batchTypeId() + "' is not in the catalog");
      }
      TaskEventOutcome outcome = decide(change, found, batch.get(), remaining);
      if (outcome != null) {
        return outcome;
      }
    }
    throw new DispatchFailedException(
        "record " + key + " kept changing while task " + taskArn + "'s event was applied",
        FailureReason.IN_PROGRESS,
        null);
  }

  /** The event's effect on {@code found}; null when a write lost to another writer. */
  private TaskEventOutcome decide(
      TaskStateChange change, IdempotencyRecord found, BatchDefinition batch, Duration remaining) {
    String traceId = traceId(change, batch, found);
    Decision decision = TaskTransition.apply(found.lifecycle(), change, batch);
    if (decision instanceof Decision.Ignore ignore) {
      return ignored(change, found, batch, traceId, ignore.reason(), remaining);
    }
    if (decision instanceof Decision.Retry retry) {
      return runner
          .claim(found, retry.state(), batch.idempotencyWindow(), remaining)
          .map(claimed -> startNext(change, claimed, found, batch, traceId, remaining))
          .orElse(null);
    }
    LifecycleState state = decision.state();
    boolean finished = decision instanceof Decision.Finish;
    Instant now = clock.instant();
    IdempotencyRecord next =
        settled(found.with(state))
            .revision(runner.newId())
            .completionDue(
                finished && publisher != null
                    ? runner.holdUntil(now, remaining)
                    : found.completionDue())
            .build();
    if (!store.replace(next, found.revision())) {
      return null;
    }
    Kind kind =
        decision instanceof Decision.Adopt
            ? Kind.ADOPTED
            : finished
                ? (state.status() == RequestStatus.SUCCEEDED ? Kind.SUCCEEDED : Kind.FAILED)
                : Kind.UPDATED;
    if (finished && publisher != null) {
      announce(next, batch, traceId);
    }
    return outcome(kind, change, next, traceId, null, null);
  }

  /**
   * An event that changes nothing by itself may still finish what an earlier delivery left undone:
   * a completion event not put, or a next attempt not started (its RunTask failed or its invocation
   * died).
   */
  private TaskEventOutcome ignored(
      TaskStateChange change,
      IdempotencyRecord found,
      BatchDefinition batch,
      String traceId,
      String reason,
      Duration remaining) {
    String taskArn = change.task().taskArn();
    Instant now = clock.instant();
    if (found.completionDue() != null
        && found.status().isFinal()
        && publisher != null
        && taskArn.equals(finishingTask(found))) {
      if (now.isAfter(found.completionDue())) {
        // Take the putting over with a conditional write: of two redeliveries, one puts it.
        IdempotencyRecord taken =
            found.toBuilder()
                .revision(runner.newId())
                .completionDue(runner.holdUntil(now, remaining))
                .build();
        if (!store.replace(taken, found.revision())) {
          return null;
        }
        announce(taken, batch, traceId);
        return outcome(Kind.ANNOUNCED, change, taken, traceId, null, null);
      }
      // The invocation that finished the record is putting the event now; if it dies, this
      // redelivery must come back after its hold rather than be acknowledged and the event lost.
      throw new DispatchFailedException(
          "the completion event of "
              + found.id()
              + " is being put by another invocation; retry later",
          FailureReason.IN_PROGRESS,
          null);
    }
    Attempt previous = found.attempt() > 1 ? found.attempts().get(found.attempt() - 2) : null;
    if (found.status() == RequestStatus.IN_PROGRESS
        && previous != null
        && taskArn.equals(previous.taskArn())
        && found.current().taskArn() == null
        && change.isStopped()) {
      if (AttemptRunner.isHeld(found, now)) {
        // Another invocation is starting the next attempt now; if it dies, this redelivery must
        // find the claim abandoned rather than be acknowledged and lost.
        throw new DispatchFailedException(
            "attempt "
                + found.attempt()
                + " of "
                + found.id()
                + " is being started by another invocation; retry later",
            FailureReason.IN_PROGRESS,
            null);
      }
      return runner
          .claim(found, found.lifecycle(), batch.idempotencyWindow(), remaining)
          .map(claimed -> startNext(change, claimed, found, batch, traceId, remaining))
          .orElse(null);
    }
    return outcome(Kind.IGNORED, change, found, traceId, null, reason);
  }

  /**
   * Starts the claimed next attempt: the request resolved again from the record, RunTask with the
   * attempt's clientToken, the task recorded. A transient ECS failure restores {@code before} and
   * throws, so that the STOPPED event is delivered again; a permanent one (or a request the catalog
   * no longer accepts) ends the request {@code FAILED} with the reason.
   */
  private TaskEventOutcome startNext(
      TaskStateChange change,
      IdempotencyRecord claimed,
      IdempotencyRecord before,
      BatchDefinition batch,
      String traceId,
      Duration remaining) {
    Resolution resolution = resolver.resolve(RequestRecords.request(claimed));
    if (!(resolution instanceof Resolution.Valid valid)) {
      return notStarted(
          change,
          claimed,
          batch,
          traceId,
          "the request no longer resolves: "
              + ((Resolution.Invalid) resolution).rejection().field()
              + ": "
              + ((Resolution.Invalid) resolution).rejection().reason(),
          remaining);
    }
    if (!valid.key().id().equals(claimed.id())) {
      return notStarted(
          change,
          claimed,
          batch,
          traceId,
          "the catalog changed the request's key (now " + valid.key().id() + ")",
          remaining);
    }
    LaunchResult result;
    try {
      result = runner.launch(claimed, valid.launch());
    } catch (TaskLaunchException e) {
      if (!e.retryable()) {
        return notStarted(
            change, claimed, batch, traceId, "ECS refused RunTask: " + e.getMessage(), remaining);
      }
      DispatchFailedException failure =
          new DispatchFailedException(
              "attempt "
                  + claimed.attempt()
                  + " of "
                  + claimed.id()
                  + ": ECS did not start the task: "
                  + e.getMessage(),
              FailureReason.ECS_TRANSIENT,
              e);
      runner.undo(claimed, before, failure);
      throw failure;
    }
    IdempotencyRecord dispatched = runner.recordDispatched(claimed, result);
    String next = result.taskArns().isEmpty() ? null : result.taskArns().get(0);
    return outcome(Kind.RETRIED, change, dispatched, traceId, next, null);
  }

  /** Ends the claimed attempt, whose task could not be started, {@code FAILED} for good. */
  private TaskEventOutcome notStarted(
      TaskStateChange change,
      IdempotencyRecord claimed,
      BatchDefinition batch,
      String traceId,
      String reason,
      Duration remaining) {
    IdempotencyRecord failed =
        settled(claimed.with(claimed.lifecycle().notStarted(reason)))
            .revision(runner.newId())
            .completionDue(publisher == null ? null : runner.holdUntil(clock.instant(), remaining))
            .build();
    if (!store.replace(failed, claimed.revision())) {
      return null;
    }
    if (publisher != null) {
      announce(failed, batch, traceId);
    }
    return outcome(Kind.FAILED, change, failed, traceId, null, reason);
  }

  /**
   * Puts the final record's completion event, then clears its {@code completionDue}. A failed put
   * makes the event due at once, so that the redelivery this invocation's throw causes puts it.
   */
  private void announce(IdempotencyRecord record, BatchDefinition batch, String traceId) {
    Attempt current = record.current();
    Completion completion =
        new Completion(
            record.status(),
            record.batchTypeId(),
            traceId,
            record.id(),
            record.attempt(),
            current.taskArn(),
            current.exitCode(),
            current.stopCode(),
            current.stoppedReason(),
            current.runTimeMillis(),
            RequestResolver.mask(batch, record.parameters()));
    try {
      publisher.publish(completion);
    } catch (RuntimeException e) {
      try {
        store.replace(
            record.toBuilder()
                .revision(runner.newId())
                .completionDue(clock.instant().minusMillis(1))
                .build(),
            record.revision());
      } catch (RuntimeException r) {
        e.addSuppressed(r);
      }
      throw e;
    }
    IdempotencyRecord read = record;
    for (int round = 0; round < AttemptRunner.MAX_ROUNDS && read.completionDue() != null; round++) {
      if (store.replace(
          read.toBuilder().revision(runner.newId()).completionDue(null).build(), read.revision())) {
        return;
      }
      Optional<IdempotencyRecord> again = store.find(record.id());
      if (again.isEmpty()) {
        return;
      }
      read = again.get();
    }
  }

  /**
   * The task whose state change finished {@code record}: the current attempt's, or, when that
   * attempt never started one (its RunTask was refused), the previous attempt's, whose STOPPED
   * event claimed it. Only that task's events are delivered again to put a pending completion.
   */
  private static String finishingTask(IdempotencyRecord record) {
    Attempt current = record.current();
    if (current.taskArn() != null || record.attempt() == 1) {
      return current.taskArn();
    }
    return record.attempts().get(record.attempt() - 2).taskArn();
  }

  private static IdempotencyRecord.Builder settled(IdempotencyRecord record) {
    IdempotencyRecord.Builder builder = record.toBuilder();
    if (record.status() != RequestStatus.IN_PROGRESS) {
      builder.claimId(null).inProgressUntil(null);
    }
    return builder;
  }

  private static TaskEventOutcome outcome(
      Kind kind,
      TaskStateChange change,
      IdempotencyRecord record,
      String traceId,
      String nextTaskArn,
      String reason) {
    String taskArn = change.task().taskArn();
    return new TaskEventOutcome(
        kind,
        taskArn,
        record.batchTypeId(),
        record.id(),
        traceId,
        record.status(),
        record.lifecycle().attemptOf(taskArn),
        nextTaskArn,
        reason);
  }

  private static String traceId(
      TaskStateChange change, BatchDefinition batch, IdempotencyRecord record) {
    String fromTask = change.environment(batch.container().traceIdEnv());
    // An EcsDirect rule writes a request without a trace id as an empty value.
    return fromTask != null && !fromTask.isEmpty() ? fromTask : record.traceId();
  }
}
