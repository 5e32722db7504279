package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.util.Objects;

/**
 * What one ECS task state change came to, for the answer, the log line and the metrics.
 *
 * @param kind what was done
 * @param taskArn the task the event is about
 * @param batchTypeId the record's batch type, or null when no record was found
 * @param idempotencyKey the record id the task's {@code IDEMPOTENCY_KEY} names (for an {@code
 *     EcsDirect} rule's task: its request's key), or null
 * @param traceId the trace id the task carries (the catalog's {@code traceIdEnv} override), else
 *     the record's; null when neither is known
 * @param status the record's status after the event, or null when no record was found
 * @param attempt the entry of the event's attempt after the event, or null when no attempt has the
 *     task
 * @param nextTaskArn for {@link Kind#RETRIED}: the next attempt's task (null in a dry run)
 * @param reason why, for {@link Kind#IGNORED} and a {@code FAILED} that never started a task
 */
public record TaskEventOutcome(
    Kind kind,
    String taskArn,
    String batchTypeId,
    String idempotencyKey,
    String traceId,
    RequestStatus status,
    Attempt attempt,
    String nextTaskArn,
    String reason) {

  /** What a task state change can come to. */
  public enum Kind {
    /** Nothing changed: not batch-runner's task, a repeated or older event, no record. */
    IGNORED,
    /** The record was IN_PROGRESS (a crash between RunTask and the update): the task is adopted. */
    ADOPTED,
    /** The event was applied to its attempt: RUNNING, or an earlier attempt's or final record's. */
    UPDATED,
    /** The current attempt's container exited 0: the request is SUCCEEDED. */
    SUCCEEDED,
    /** The current attempt failed with no retry left: the request is FAILED. */
    FAILED,
    /** The current attempt failed and the retry policy started the next one. */
    RETRIED,
    /** A final record's pending completion event was put on the bus now. */
    ANNOUNCED
  }

  public TaskEventOutcome {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(taskArn, "taskArn");
  }

  /** An event that changed nothing, with why. */
  public static TaskEventOutcome ignored(String taskArn, String idempotencyKey, String reason) {
    return new TaskEventOutcome(
        Kind.IGNORED, taskArn, null, idempotencyKey, null, null, null, null, reason);
  }
}
