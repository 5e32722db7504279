package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.request.BatchRequest;

/** One request as read from an event: a valid {@link BatchRequest}, or why it cannot be one. */
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

  /** A malformed request, refused before the catalog is consulted. */
  record Invalid(Rejected outcome, String eventId) implements ParsedRequest {}
}
