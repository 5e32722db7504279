package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.BatchRequest;

/**
 * One item as read from an event: a valid {@link BatchRequest}, an ECS task state change, or why it
 * can be neither.
 */
public sealed interface ParsedRequest {

  /** The EventBridge event id or SQS message id, or null. */
  String eventId();

  /** A well-formed request, still to be checked against the catalog. */
  record Valid(BatchRequest request) implements ParsedRequest {
    @Override
    public String eventId() {
      return request.eventId();
    }
  }

  /**
   * A well-formed ECS "Task State Change" event: not a request, it goes to the {@link
   * TaskEventHandler}.
   *
   * @param change the event's detail
   * @param eventId the EventBridge event id, else the SQS message id
   */
  record TaskEvent(TaskStateChange change, String eventId) implements ParsedRequest {}

  /** A malformed request or task event, refused before anything is looked up. */
  record Invalid(Rejected outcome, String eventId) implements ParsedRequest {}
}
