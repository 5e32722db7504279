package dev.batchrunner.function.event;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request came to, for its log line and metrics. Its list and map are unmodifiable copies
 * (in the given order): an observer cannot change a summary, nor see later changes to what it was
 * built from.
 *
 * @param batchTypeId as sent (may be unknown, may be null)
 * @param knownBatchType true when the catalog has it (metrics use it as a dimension only then)
 * @param traceId the trace id, or null when the request was refused before one was chosen
 * @param idempotencyKey the record id, or null before it was computed
 * @param outcome DISPATCHED, DUPLICATE, REJECTED or FAILED
 * @param taskArns the tasks started now or by the first dispatch
 * @param eventId the EventBridge event id or SQS message id
 * @param messageId the SQS message id, or null outside SQS
 * @param durationMillis wall time spent on the request
 * @param reason the rejection or failure message, or null
 * @param retryable for FAILED: whether a redelivery may succeed
 * @param parameters parameter values with sensitive and undeclared ones masked
 * @param dryRun true when no RunTask was sent
 */
public record RequestSummary(
    String batchTypeId,
    boolean knownBatchType,
    String traceId,
    String idempotencyKey,
    String outcome,
    List<String> taskArns,
    String eventId,
    String messageId,
    long durationMillis,
    String reason,
    boolean retryable,
    Map<String, String> parameters,
    boolean dryRun) {
  public RequestSummary {
    taskArns = taskArns == null ? List.of() : List.copyOf(taskArns);
    parameters =
        parameters == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }
}
