package dev.batchrunner.core.dispatch;

/**
 * A valid request could not be dispatched now (ECS or DynamoDB failed, or a duplicate is still in
 * progress). The invocation fails so that EventBridge, Lambda or SQS delivers it again; {@link
 * #retryable()} is false when a redelivery cannot help and the message says what to fix.
 */
public final class DispatchFailedException extends RuntimeException {
  private final boolean retryable;
  private final String reason;

  public DispatchFailedException(
      String message, String reason, boolean retryable, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** A short machine-friendly reason for logs and metrics, e.g. {@code ECS_PERMANENT}. */
  public String reason() {
    return reason;
  }
}
