package dev.batchrunner.core.lifecycle;

/**
 * Where a request's idempotency record stands: {@code IN_PROGRESS} (claimed, RunTask in flight) →
 * {@code DISPATCHED} (RunTask returned the task) → {@code RUNNING} → {@code SUCCEEDED} | {@code
 * FAILED}. An automatic retry takes a failed attempt back to {@code IN_PROGRESS} for the next one.
 */
public enum RequestStatus {
  /** Claimed; the current attempt's RunTask is in flight and its task ARN not yet recorded. */
  IN_PROGRESS,
  /** RunTask returned the current attempt's task; it has not been seen running yet. */
  DISPATCHED,
  /** The current attempt's task is running. */
  RUNNING,
  /** The current attempt's task stopped and the catalog's container exited 0. */
  SUCCEEDED,
  /** The current attempt's task stopped otherwise, with no automatic retry left. */
  FAILED;

  /** Whether no task event changes this status any more: {@link #SUCCEEDED} or {@link #FAILED}. */
  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED;
  }
}
