package dev.batchrunner.core.request;

/**
 * Thrown to the Lambda runtime for a rejected request, so the invocation fails with a message that
 * names the field and the reason (and the runtime reports {@code RequestRejectedException}).
 */
public final class RequestRejectedException extends RuntimeException {
  private final transient Rejection rejection;

  public RequestRejectedException(Rejection rejection) {
    super(rejection.message(), null, false, false);
    this.rejection = rejection;
  }

  public Rejection rejection() {
    return rejection;
  }
}
