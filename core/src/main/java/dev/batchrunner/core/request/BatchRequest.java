package dev.batchrunner.core.request;

import java.util.Map;
import java.util.TreeMap;

/**
 * One "run batch X with these parameters" request, as the publisher sent it, already parsed.
 *
 * @param batchTypeId the catalog key of the batch to run
 * @param traceId the trace id handed to the task; never null (defaulted by the event layer)
 * @param parameters business parameters as strings, before catalog defaults
 * @param idempotencyKey the publisher's explicit key, or null to hash the request
 * @param eventId the EventBridge event id or SQS message id it came in, or null
 */
public record BatchRequest(
    String batchTypeId,
    String traceId,
    Map<String, String> parameters,
    String idempotencyKey,
    String eventId) {

  public BatchRequest {
    parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
  }
}
