package dev.batchrunner.core.dispatch;

/** The completion bus did not take an event: the record keeps its announcement pending. */
public final class CompletionPublishException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CompletionPublishException(String message, Throwable cause) {
    super(message, cause);
  }
}
