package dev.batchrunner.core.catalog;

/** What a retry policy does with a failed attempt: start the next one, or let the request fail. */
public enum RetryAction {
  /** Start the next attempt. */
  RETRY,
  /** Stop trying: the request is {@code FAILED}. */
  EXIT
}
