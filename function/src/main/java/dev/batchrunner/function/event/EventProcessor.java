package dev.batchrunner.function.event;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one invocation's bytes into its answer: parses the shape, dispatches each request, tells
 * the observer, hands each ECS task state change to the {@link TaskEventHandler}, and writes the
 * result (or, for a direct invocation, throws the failure).
 */
public final class EventProcessor {
  private static final Duration MIN_LEFT = Duration.ofMillis(1);

  private final EventParser parser;
  private final BatchDispatcher dispatcher;
  private final RequestObserver observer;
  private final TaskEventHandler taskEvents;

  /**
   * @param observer told of every request (task state changes are not requests: it is not told)
   * @param taskEvents where task state changes go
   */
  public EventProcessor(
      EventParser parser,
      BatchDispatcher dispatcher,
      RequestObserver observer,
      TaskEventHandler taskEvents) {
    this.parser = parser;
    this.dispatcher = dispatcher;
    this.observer = observer;
    this.taskEvents = taskEvents;
  }

  /**
   * Processes one invocation.
   *
   * @param remaining how long the invocation may still run ({@link Duration#ZERO} if unknown)
   * @return the JSON answer: the outcome, the task event's result, or {@code batchItemFailures} for
   *     SQS
   * @throws RequestRejectedException for a rejected direct request or malformed task event
   * @throws DispatchFailedException when a direct request could not be dispatched
   */
  public byte[] process(byte[] payload, Duration remaining) {
    long start = System.nanoTime();
    Invocation invocation = parser.parse(payload);
    if (invocation instanceof Invocation.SqsBatch batch) {
      return write(Map.of("batchItemFailures", sqs(batch, remaining, start)));
    }
    ParsedRequest parsed = ((Invocation.Direct) invocation).request();
    if (parsed instanceof ParsedRequest.TaskEvent task) {
      return write(
          taskEvents
              .handle(task.change(), new RequestSummary.Delivery(task.eventId(), null), remaining)
              .answer());
    }
    DispatchOutcome outcome = handle(parsed, null, remaining);
    if (outcome instanceof Rejected rejected) {
      throw new RequestRejectedException(rejected.rejection());
    }
    return write(result(outcome));
  }

  /**
   * The failed records of an SQS batch.
   *
   * <p>A standard queue's records are independent: each failure is reported alone, the others are
   * processed. A FIFO queue's are not: Lambda requires the function to stop at the first failure
   * and report it and every record after it, processed or not, so that no later message of its
   * group is deleted before it (the ones after it come back, in order, with it). A rejected request
   * is a failure in a standard queue, so that it reaches the queue's DLQ instead of vanishing; in a
   * FIFO queue it is answered (logged, counted, alarmed on) and not retried, since a retry cannot
   * fix it and would hold back every later request of the group, and take the ones received with it
   * to the DLQ after maxReceiveCount receives.
   */
  private List<Map<String, String>> sqs(Invocation.SqsBatch batch, Duration remaining, long start) {
    List<Map<String, String>> failures = new ArrayList<>();
    for (Invocation.SqsMessage message : batch.messages()) {
      if (batch.fifo() && !failures.isEmpty()) {
        failures.add(Map.of("itemIdentifier", message.messageId()));
        continue;
      }
      Duration left = left(remaining, start);
      try {
        if (message.request() instanceof ParsedRequest.TaskEvent task) {
          // Answered: not a failure, whatever it came to. A throw reports it for redelivery.
          taskEvents.handle(
              task.change(),
              new RequestSummary.Delivery(task.eventId(), message.messageId()),
              left);
          continue;
        }
        DispatchOutcome outcome = handle(message.request(), message.messageId(), left);
        if (outcome instanceof Rejected && !batch.fifo()) {
          failures.add(Map.of("itemIdentifier", message.messageId()));
        }
      } catch (RuntimeException e) {
        failures.add(Map.of("itemIdentifier", message.messageId()));
      }
    }
    return failures;
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

  private static Map<String, Object> result(DispatchOutcome outcome) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("outcome", outcome.outcome().name());
    answer.put("batchTypeId", outcome.batchTypeId());
    answer.put("traceId", outcome.traceId());
    if (outcome instanceof Dispatched d) {
      answer.put("idempotencyKey", d.idempotencyKey());
      answer.put("taskArns", d.taskArns());
      answer.put("attempt", d.attempt());
      if (d.dryRun()) {
        answer.put("dryRun", true);
      }
    } else if (outcome instanceof Duplicate d) {
      answer.put("idempotencyKey", d.idempotencyKey());
      answer.put("taskArns", d.taskArns());
      answer.put("firstTraceId", d.firstTraceId());
      answer.put("status", d.status().name());
      answer.put("attempt", d.attempt());
      if (d.exitCode() != null) {
        answer.put("exitCode", d.exitCode());
      }
    } else {
      answer.put("taskArns", List.of());
    }
    return answer;
  }

  private static byte[] write(Map<String, ?> answer) {
    return Json.write(json -> Json.writeValue(json, answer));
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
