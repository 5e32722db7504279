package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.lifecycle.TaskStateChange;

/** Told of every task state change handled: the log line and the Task* metrics. */
public interface TaskObserver {

  /**
   * A task state change was handled.
   *
   * @param change the event's detail
   * @param outcome what came of it
   * @param delivery the event id and, from SQS, the message id
   */
  void handled(TaskStateChange change, TaskEventOutcome outcome, RequestSummary.Delivery delivery);

  /**
   * Handling a task state change failed; it will be delivered again.
   *
   * @param failure what was thrown
   */
  void failed(TaskStateChange change, RuntimeException failure, RequestSummary.Delivery delivery);
}
