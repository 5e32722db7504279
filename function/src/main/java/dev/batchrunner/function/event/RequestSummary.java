package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.request.Resolution;
import java.util.List;
import java.util.Map;

/**
 * What one request came to, for its log line and metrics: derived from the request's one {@link
 * Resolution} and its {@link DispatchOutcome} (or the failure), never recomputed.
 *
 * @param resolution the request resolved against the catalog, or null when it could not be parsed
 * @param result the outcome, or null when dispatching failed
 * @param failure why dispatching failed, or null
 * @param delivery the event or SQS message it came in
 * @param durationMillis wall time spent on the request
 */
public record RequestSummary(
    Resolution resolution,
    DispatchOutcome result,
    Failure failure,
    Delivery delivery,
    long durationMillis) {

  public RequestSummary {
    if ((result == null) == (failure == null)) {
      throw new IllegalArgumentException("a summary has either a result or a failure");
    }
  }

  /** A request that came to an outcome. */
  public static RequestSummary completed(
      Resolution resolution, DispatchOutcome result, Delivery delivery, long durationMillis) {
    return new RequestSummary(resolution, result, null, delivery, durationMillis);
  }

  /** A valid request whose dispatch failed with {@code error}. */
  public static RequestSummary failed(
      Resolution resolution, RuntimeException error, Delivery delivery, long durationMillis) {
    return new RequestSummary(resolution, null, Failure.of(error), delivery, durationMillis);
  }

  /** The outcome: the result's, or FAILED. */
  public Outcome outcome() {
    return result == null ? Outcome.FAILED : result.outcome();
  }

  /** The batch type as sent (may be unknown, may be null). */
  public String batchTypeId() {
    return result != null ? result.batchTypeId() : resolution.request().batchTypeId();
  }

  /** The trace id, or null when the request was refused before one was chosen. */
  public String traceId() {
    return result != null ? result.traceId() : resolution.request().traceId();
  }

  /** True when the catalog has the batch type (metrics use it as a dimension only then). */
  public boolean knownBatchType() {
    return resolution != null && resolution.knownBatchType();
  }

  /** The record id, or null when the request did not resolve to one. */
  public String idempotencyKey() {
    return resolution instanceof Resolution.Valid valid ? valid.key().id() : null;
  }

  /** The tasks started now or by the first dispatch. */
  public List<String> taskArns() {
    if (result instanceof Dispatched d) {
      return d.taskArns();
    }
    return result instanceof Duplicate d ? d.taskArns() : List.of();
  }

  /** The rejection or failure message, or null. */
  public String reason() {
    if (failure != null) {
      return failure.message();
    }
    return result instanceof Rejected r ? r.rejection().message() : null;
  }

  /** Parameter values with sensitive and undeclared ones masked. */
  public Map<String, String> parameters() {
    return resolution == null ? Map.of() : resolution.maskedParameters();
  }

  /** True when no RunTask was sent (DRY_RUN). */
  public boolean dryRun() {
    return result instanceof Dispatched d && d.dryRun();
  }

  /**
   * Where a request came from.
   *
   * @param eventId the EventBridge event id or SQS message id, or null
   * @param messageId the SQS message id, or null outside SQS
   */
  public record Delivery(String eventId, String messageId) {}

  /**
   * Why a valid request was not dispatched.
   *
   * @param reason the failure class
   * @param message what happened, safe to log
   */
  public record Failure(FailureReason reason, String message) {
    /** Whether a redelivery may succeed. */
    public boolean retryable() {
      return reason.retryable();
    }

    static Failure of(RuntimeException error) {
      String message =
          error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
      return error instanceof DispatchFailedException f
          ? new Failure(f.reason(), message)
          : new Failure(FailureReason.INTERNAL, message);
    }
  }
}
