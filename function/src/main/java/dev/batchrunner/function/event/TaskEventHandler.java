package dev.batchrunner.function.event;

import dev.batchrunner.core.lifecycle.TaskStateChange;
import java.time.Duration;

/** Port: what becomes of one ECS task state change once it is parsed. */
public interface TaskEventHandler {

  /**
   * Handles one task state change. Returning is the acknowledgement: EventBridge does not retry a
   * direct invoke that returned, and the SQS record is not listed in {@code batchItemFailures}.
   * Throw to have the event delivered again (a direct invoke fails, an SQS record is reported).
   *
   * @param change the event's detail
   * @param delivery the event id and, from SQS, the message id
   * @param remaining how long the invocation may still run, or {@link Duration#ZERO} if unknown
   * @return what a direct invoke answers
   */
  TaskEventResult handle(
      TaskStateChange change, RequestSummary.Delivery delivery, Duration remaining);
}
