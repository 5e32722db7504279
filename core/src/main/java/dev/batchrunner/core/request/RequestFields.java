package dev.batchrunner.core.request;

import java.util.regex.Pattern;

/**
 * The rules a request's own fields follow, however the request arrives (an event the function
 * parses, or the environment of a task an {@code EcsDirect} rule started): one place for the limits
 * and the words of their rejections, so both paths refuse the same request the same way.
 */
public final class RequestFields {
  /** The longest explicit {@code idempotencyKey}. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;

  /** Why a trace id is refused. */
  public static final String TRACE_ID_RULE =
      "must be 1-128 characters of letters, digits and + - = . _ : / @";

  /** Why an explicit idempotency key is refused. */
  public static final String IDEMPOTENCY_KEY_RULE =
      "must be a string of 1-"
          + MAX_IDEMPOTENCY_KEY_LENGTH
          + " characters without control characters";

  /** Characters ECS allows in a tag value, which is where the trace id goes. */
  private static final Pattern TRACE_ID = Pattern.compile("[A-Za-z0-9+\\-=._:/@]{1,128}");

  private RequestFields() {}

  /** Whether {@code value} may be a trace id (it becomes a tag value of the task). */
  public static boolean isTraceId(String value) {
    return value != null && TRACE_ID.matcher(value).matches();
  }

  /** Whether {@code value} may be an explicit idempotency key. */
  public static boolean isIdempotencyKey(String value) {
    return value != null
        && !value.isEmpty()
        && value.length() <= MAX_IDEMPOTENCY_KEY_LENGTH
        && value.chars().noneMatch(Character::isISOControl);
  }
}
