package dev.batchrunner.core.dispatch;

/** Why a valid request could not be dispatched, and whether a redelivery may succeed. */
public enum FailureReason {
  /** ECS throttled, ran out of capacity, answered 5xx or could not be reached. */
  ECS_TRANSIENT(true),
  /** ECS refused the request (task definition, cluster, role, network): fix the catalog. */
  ECS_PERMANENT(false),
  /** The idempotency table could not be read or written: nothing was launched. */
  IDEMPOTENCY_STORE(true),
  /** Another invocation holds the claim of the same request and is dispatching it now. */
  IN_PROGRESS(true),
  /** The task started but its record could not be marked DISPATCHED. */
  RECORD_UPDATE(true),
  /** An unexpected error (a bug): redelivered in case it was transient. */
  INTERNAL(true);

  private final boolean retryable;

  FailureReason(boolean retryable) {
    this.retryable = retryable;
  }

  /** Whether a redelivery of the same request may succeed. */
  public boolean retryable() {
    return retryable;
  }
}
