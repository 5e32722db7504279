package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The end of one request, as batch-runner announces it on the completion bus: one {@code Batch
 * Succeeded} or {@code Batch Failed} event per request that reached {@code SUCCEEDED}, or {@code
 * FAILED} with no automatic retry left.
 *
 * @param status {@link RequestStatus#SUCCEEDED} or {@link RequestStatus#FAILED}
 * @param batchTypeId the batch type
 * @param traceId the trace id the finishing attempt's task carried
 * @param idempotencyKey the record id, {@code <batchTypeId>#<sha256hex>}
 * @param attempt the finishing attempt's number
 * @param taskArn its task, or null when it never started one
 * @param exitCode the catalog container's exit code, or null
 * @param stopCode the task's stop code, or null
 * @param stoppedReason ECS's stopped reason (or why no task was started), or null
 * @param durationMs how long the task ran (started to stopped), or null when it never ran
 * @param parameters the request's parameters with sensitive values already masked
 */
public record Completion(
    RequestStatus status,
    String batchTypeId,
    String traceId,
    String idempotencyKey,
    int attempt,
    String taskArn,
    Integer exitCode,
    String stopCode,
    String stoppedReason,
    Long durationMs,
    Map<String, String> parameters) {

  /** The events' {@code source}. */
  public static final String SOURCE = "batch-runner";

  /** The {@code detail-type} of a request that succeeded. */
  public static final String SUCCEEDED = "Batch Succeeded";

  /** The {@code detail-type} of a request that failed for good. */
  public static final String FAILED = "Batch Failed";

  public Completion {
    Objects.requireNonNull(status, "status");
    if (!status.isFinal()) {
      throw new IllegalArgumentException("a completion is SUCCEEDED or FAILED, not " + status);
    }
    parameters = Collections.unmodifiableMap(new TreeMap<>(parameters));
  }

  /** {@value #SUCCEEDED} or {@value #FAILED}. */
  public String detailType() {
    return status == RequestStatus.SUCCEEDED ? SUCCEEDED : FAILED;
  }

  /**
   * The event's {@code detail}, every field present (null when unknown) so that subscribers' input
   * paths and rules see one shape: {@code status}, {@code batchTypeId}, {@code traceId}, {@code
   * idempotencyKey}, {@code attempt}, {@code taskArn}, {@code exitCode}, {@code stopCode}, {@code
   * stoppedReason}, {@code durationMs}, {@code parameters}.
   */
  public Map<String, Object> detail() {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("status", status.name());
    detail.put("batchTypeId", batchTypeId);
    detail.put("traceId", traceId);
    detail.put("idempotencyKey", idempotencyKey);
    detail.put("attempt", attempt);
    detail.put("taskArn", taskArn);
    detail.put("exitCode", exitCode);
    detail.put("stopCode", stopCode);
    detail.put("stoppedReason", stoppedReason);
    detail.put("durationMs", durationMs);
    detail.put("parameters", parameters);
    return detail;
  }

  /** {@link #detail()} as JSON text, PutEvents' {@code Detail}. */
  public String detailJson() {
    Map<String, Object> detail = detail();
    return Json.writeText(json -> Json.writeValue(json, detail));
  }
}
