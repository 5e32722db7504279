package dev.batchrunner.core.dispatch;

/**
 * A valid request could not be dispatched now (ECS or DynamoDB failed, or a duplicate is still in
 * progress). The invocation fails so that EventBridge, Lambda or SQS delivers it again; {@link
 * #retryable()} is false when a redelivery cannot help and the message says what to fix.
 */
public final class DispatchFailedException extends RuntimeException {
  private final FailureReason reason;

  public DispatchFailedException(String message, FailureReason reason, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public boolean retryable() {
    return reason.retryable();
  }

  /** Why, for logs and metrics. */
  public FailureReason reason() {
    return reason;
  }
}
