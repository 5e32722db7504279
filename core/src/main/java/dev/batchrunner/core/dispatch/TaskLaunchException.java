package dev.batchrunner.core.dispatch;

/**
 * ECS did not start the task. {@link #retryable()} tells whether a later delivery may succeed
 * (throttling, capacity, 5xx) or not (bad task definition, access denied, unknown cluster).
 */
public final class TaskLaunchException extends RuntimeException {
  private final boolean retryable;

  public TaskLaunchException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
