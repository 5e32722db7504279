package dev.batchrunner.core.catalog;

import java.util.Objects;

/**
 * One {@code evaluateOnExit} entry of a retry policy: an action and the conditions under which it
 * applies, as in AWS Batch's {@code EvaluateOnExit}.
 *
 * <p>Each condition is a glob in which only a trailing {@code *} is special: {@code "137"} matches
 * exactly 137, {@code "13*"} anything that starts with 13, {@code "*"} anything. A rule matches
 * when every condition it gives matches; a condition it does not give (null) is not checked. An
 * absent exit code matches no {@code onExitCode}, not even {@code "*"}; an absent stop code or
 * reason is the empty text, so only {@code "*"} matches it.
 *
 * @param action what to do when the rule matches
 * @param onExitCode glob over the decimal exit code of the catalog's container, or null
 * @param onStopCode glob over the task's ECS {@code stopCode}, or null
 * @param onStatusReason glob over the task's ECS {@code stoppedReason}, or null
 * @param onReason glob over the container's {@code reason}, or null
 */
public record ExitRule(
    RetryAction action,
    String onExitCode,
    String onStopCode,
    String onStatusReason,
    String onReason) {

  public ExitRule {
    Objects.requireNonNull(action, "action");
    if (onExitCode == null && onStopCode == null && onStatusReason == null && onReason == null) {
      throw new IllegalArgumentException(
          "a rule needs at least one of onExitCode, onStopCode, onStatusReason, onReason");
    }
  }

  /** Whether every condition of this rule holds for {@code failure}. */
  public boolean matches(TaskFailure failure) {
    if (onExitCode != null
        && (failure.exitCode() == null
            || !globMatches(onExitCode, Integer.toString(failure.exitCode())))) {
      return false;
    }
    return textMatches(onStopCode, failure.stopCode())
        && textMatches(onStatusReason, failure.stoppedReason())
        && textMatches(onReason, failure.containerReason());
  }

  private static boolean textMatches(String glob, String value) {
    return glob == null || globMatches(glob, value == null ? "" : value);
  }

  /** Exact match, or a prefix match when {@code glob} ends in {@code *}; case-sensitive. */
  static boolean globMatches(String glob, String value) {
    if (glob.endsWith("*")) {
      return value.startsWith(glob.substring(0, glob.length() - 1));
    }
    return value.equals(glob);
  }
}
