package dev.batchrunner.function.event;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.request.Resolution;
import java.time.Duration;

/**
 * Turns one invocation's bytes into its answer: parses the shape, dispatches each request, tells
 * the observer, and writes the result (or, for a direct invocation, throws the failure).
 */
public final class EventProcessor {
  private static final Duration MIN_LEFT = Duration.ofMillis(1);

  private final EventParser parser;
  private final BatchDispatcher dispatcher;
  private final RequestObserver observer;

  public EventProcessor(EventParser parser, BatchDispatcher dispatcher, RequestObserver observer) {
    this.parser = parser;
    this.dispatcher = dispatcher;
    this.observer = observer;
  }

  /**
   * Processes one invocation.
   *
   * @param remaining how long the invocation may still run ({@link Duration#ZERO} if unknown)
   * @return the JSON answer: the outcome, or {@code batchItemFailures} for SQS
   * @throws RequestRejectedException for a rejected direct request
   * @throws DispatchFailedException when a direct request could not be dispatched
   */
  public byte[] process(byte[] payload, Duration remaining) {
    long start = System.nanoTime();
    Invocation invocation = parser.parse(payload);
    if (invocation instanceof Invocation.SqsBatch batch) {
      ObjectNode answer = Json.NODES.objectNode();
      ArrayNode failures = answer.putArray("batchItemFailures");
      for (Invocation.SqsMessage message : batch.messages()) {
        Duration left = left(remaining, start);
        try {
          DispatchOutcome outcome = handle(message.request(), message.messageId(), left);
          if (outcome instanceof Rejected) {
            // Kept as a failure so the record reaches the queue's DLQ instead of vanishing.
            failures.addObject().put("itemIdentifier", message.messageId());
          }
        } catch (RuntimeException e) {
          failures.addObject().put("itemIdentifier", message.messageId());
        }
      }
      return write(answer);
    }
    DispatchOutcome outcome = handle(((Invocation.Direct) invocation).request(), null, remaining);
    if (outcome instanceof Rejected rejected) {
      throw new RequestRejectedException(rejected.rejection());
    }
    return write(result(outcome));
  }

  private DispatchOutcome handle(ParsedRequest parsed, String messageId, Duration remaining) {
    long start = System.nanoTime();
    RequestSummary.Delivery delivery = new RequestSummary.Delivery(parsed.eventId(), messageId);
    if (parsed instanceof ParsedRequest.Invalid invalid) {
      observer.completed(
          RequestSummary.completed(null, invalid.outcome(), delivery, millisSince(start)));
      return invalid.outcome();
    }
    // Resolved once: the dispatcher, the log line and the metrics all read this one value.
    Resolution resolution = dispatcher.resolve(((ParsedRequest.Valid) parsed).request());
    try {
      DispatchOutcome outcome = dispatcher.dispatch(resolution, remaining);
      observer.completed(
          RequestSummary.completed(resolution, outcome, delivery, millisSince(start)));
      return outcome;
    } catch (RuntimeException e) {
      observer.completed(RequestSummary.failed(resolution, e, delivery, millisSince(start)));
      throw e;
    }
  }

  private ObjectNode result(DispatchOutcome outcome) {
    ObjectNode node = Json.NODES.objectNode();
    node.put("outcome", outcome.outcome().name());
    node.put("batchTypeId", outcome.batchTypeId());
    node.put("traceId", outcome.traceId());
    if (outcome instanceof Dispatched d) {
      node.put("idempotencyKey", d.idempotencyKey());
      d.taskArns().forEach(node.putArray("taskArns")::add);
      if (d.dryRun()) {
        node.put("dryRun", true);
      }
    } else if (outcome instanceof Duplicate d) {
      node.put("idempotencyKey", d.idempotencyKey());
      d.taskArns().forEach(node.putArray("taskArns")::add);
      node.put("firstTraceId", d.firstTraceId());
    }
    if (!node.has("taskArns")) {
      node.putArray("taskArns");
    }
    return node;
  }

  private static byte[] write(ObjectNode node) {
    return Json.write(json -> Json.writeValue(json, node));
  }

  /**
   * What is left of the invocation for the next record: never zero or negative once a deadline is
   * known, since the dispatcher reads those as "unknown" and would hold a claim for 15 minutes.
   */
  static Duration left(Duration remaining, long startNanos) {
    if (remaining.isZero()) {
      return remaining;
    }
    Duration left = remaining.minusNanos(System.nanoTime() - startNanos);
    return left.compareTo(MIN_LEFT) < 0 ? MIN_LEFT : left;
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
