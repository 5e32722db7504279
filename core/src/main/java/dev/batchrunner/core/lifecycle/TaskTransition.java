package dev.batchrunner.core.lifecycle;

import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.RetryAction;
import java.util.Objects;

/**
 * The task lifecycle's decision, pure and storage-free: what one ECS task state change does to the
 * record it was matched to (by its {@code IDEMPOTENCY_KEY} override), and whether a re-sent request
 * may run a request again. The caller reads the record, asks here, and writes the {@link
 * Decision}'s state with a conditional write on what it read.
 */
public final class TaskTransition {
  /** ECS's {@code lastStatus} of a running task. */
  static final String RUNNING = "RUNNING";

  private TaskTransition() {}

  /**
   * Decides what {@code change} does to {@code state}, the record of batch {@code batch}.
   *
   * <ul>
   *   <li>{@link Decision.Ignore}: the task was not started by batch-runner or has no key; it is an
   *       {@code EcsDirect} rule's task ({@link TaskStateChange#startedByEcsDirectRule()}) that no
   *       attempt lists (never adopted: its guard did not claim the record); it is an older or
   *       repeated {@code detail.version} of a recorded task; it is an earlier attempt's task whose
   *       event would move that attempt back from STOPPED; or it is a task no attempt recorded
   *       while the record is past {@code IN_PROGRESS}.
   *   <li>{@link Decision.Adopt}: the record is {@code IN_PROGRESS} with no task for the current
   *       attempt, and batch-runner started the task: it becomes the current attempt's and the
   *       event is applied.
   *   <li>{@link Decision.Update}: the event is applied to its attempt's entry; the status moves
   *       forward only for the current attempt ({@code DISPATCHED} → {@code RUNNING}).
   *   <li>{@link Decision.Finish}: the current attempt's task stopped, with {@code SUCCEEDED} iff
   *       {@code batch.container().name()} exited 0, or {@code FAILED} when the retry policy says
   *       EXIT.
   *   <li>{@link Decision.Retry}: the current attempt failed and the policy says RETRY.
   * </ul>
   */
  public static Decision apply(
      LifecycleState state, TaskStateChange change, BatchDefinition batch) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(batch, "batch");
    boolean direct = change.startedByEcsDirectRule();
    if (!change.startedByBatchRunner() && !direct) {
      return new Decision.Ignore("task not started by batch-runner");
    }
    if (!direct && change.idempotencyKey() == null) {
      return new Decision.Ignore("task has no IDEMPOTENCY_KEY override");
    }
    String taskArn = change.task().taskArn();
    Attempt entry = state.attemptOf(taskArn);
    boolean adopted = false;
    if (entry == null && direct) {
      return new Decision.Ignore(notClaimed(taskArn));
    }
    if (entry == null) {
      Attempt current = state.current();
      if (state.status() != RequestStatus.IN_PROGRESS || current.taskArn() != null) {
        return new Decision.Ignore(
            "task " + taskArn + " is none of the record's while it is " + state.status());
      }
      entry = current.withTask(taskArn);
      adopted = true;
    }
    if (change.task().version() <= entry.version()) {
      return new Decision.Ignore(
          "version "
              + change.task().version()
              + " of "
              + taskArn
              + " is not after the applied "
              + entry.version());
    }
    if (entry.isStopped() && !change.isStopped()) {
      return new Decision.Ignore("task " + taskArn + " already stopped");
    }
    String containerName = batch.container().name();
    Attempt applied = entry.apply(change, containerName);
    boolean isCurrent = applied.number() == state.attempt();
    if (!isCurrent || state.status().isFinal() || entry.isStopped()) {
      // an earlier attempt's entry, or a record already final: the entry only, never the status
      return new Decision.Update(state.with(state.status(), applied));
    }
    if (!applied.isStopped()) {
      RequestStatus status =
          RUNNING.equals(applied.lastStatus()) ? RequestStatus.RUNNING : forward(state.status());
      LifecycleState next = state.with(status, applied);
      return adopted ? new Decision.Adopt(next) : new Decision.Update(next);
    }
    if (applied.succeeded()) {
      return new Decision.Finish(
          state.with(RequestStatus.SUCCEEDED, applied), RequestStatus.SUCCEEDED);
    }
    LifecycleState failed = state.with(RequestStatus.FAILED, applied);
    if (batch.lifecycle().retry().decide(applied.number(), applied.failure())
        == RetryAction.RETRY) {
      LifecycleState retried = failed.nextAttempt(retryReason(applied));
      return new Decision.Retry(retried, retried.attempt());
    }
    return new Decision.Finish(failed, RequestStatus.FAILED);
  }

  /**
   * Why an {@code EcsDirect} rule's task that no attempt of its record lists is ignored: only the
   * task whose guard claimed the record is ever followed.
   */
  public static String notClaimed(String taskArn) {
    return "task "
        + taskArn
        + " of an EcsDirect rule is none of the record's tasks: its guard did not claim the record"
        + " (a duplicate whose guard exited 10, or a claim not yet recorded), and such a task is"
        + " never adopted";
  }

  /**
   * Whether a re-sent request may start a new attempt of a request in {@code state}: the record is
   * {@code FAILED} (final, so no automatic retry is left: a retried attempt's record is {@code
   * IN_PROGRESS} for the next one) and the batch's {@code rerunFailed} is on. The caller claims it
   * with {@link LifecycleState#nextAttempt()} in a conditional write, so that two concurrent
   * re-sends start one attempt.
   */
  public static boolean mayRerun(LifecycleState state, BatchDefinition batch) {
    return state.status() == RequestStatus.FAILED && batch.lifecycle().rerunFailed();
  }

  /** Why the retry policy started the next attempt, in words for the record and the log. */
  static String retryReason(Attempt failed) {
    String what =
        failed.exitCode() != null
            ? "exit code " + failed.exitCode()
            : failed.stopCode() != null ? failed.stopCode() : "no exit code";
    return "retry policy: attempt " + failed.number() + " failed (" + what + ")";
  }

  /** A task known to RunTask but not yet running is at least {@code DISPATCHED}. */
  private static RequestStatus forward(RequestStatus status) {
    return status == RequestStatus.IN_PROGRESS ? RequestStatus.DISPATCHED : status;
  }
}
