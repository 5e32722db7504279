package dev.batchrunner.core.request;

/**
 * Why a request was refused before any AWS call: the field at fault and the reason.
 *
 * @param field the request field, e.g. {@code batchTypeId} or {@code parameters.reportDate}
 * @param reason what is wrong with it, safe to log (no sensitive value, no raw control chars)
 */
public record Rejection(String field, String reason) {

  /** The message users see: {@code field: reason}. */
  public String message() {
    return field + ": " + reason;
  }
}
