package dev.batchrunner.core.catalog;

import java.util.List;

/**
 * A batch's automatic retry policy, with AWS Batch's {@code retryStrategy} semantics: how many
 * attempts a request gets in all, and which failures are worth another one.
 *
 * <p>For example, the catalog's
 *
 * <pre>{@code
 * "retry": {
 *   "attempts": 3,
 *   "evaluateOnExit": [
 *     {"action": "RETRY", "onStopCode": "SpotInterruption"},
 *     {"action": "RETRY", "onExitCode": "137"},
 *     {"action": "EXIT", "onStatusReason": "*"}
 *   ]
 * }
 * }</pre>
 *
 * gives a request up to three attempts: a Spot interruption or an exit code of 137 starts the next
 * one, any other failure fails the request at once. Without the last rule, every failure would be
 * retried, since a failure that no rule matches is retried.
 *
 * @param attempts all attempts a request gets, the first included: 1 to 10; 1 never retries
 * @param evaluateOnExit the rules, in order: the first that matches decides
 */
public record RetryPolicy(int attempts, List<ExitRule> evaluateOnExit) {
  /** The most attempts a policy may give, as in AWS Batch. */
  public static final int MAX_ATTEMPTS = 10;

  /** The default: one attempt, no automatic retry. */
  public static final RetryPolicy NONE = new RetryPolicy(1, List.of());

  public RetryPolicy {
    if (attempts < 1 || attempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException(
          "attempts must be from 1 to " + MAX_ATTEMPTS + ", not " + attempts);
    }
    evaluateOnExit = List.copyOf(evaluateOnExit);
  }

  /**
   * Decides what follows the failure of attempt {@code attempt}: {@link RetryAction#EXIT} when it
   * was the last attempt the policy gives; otherwise the action of the first rule that matches
   * {@code failure}; {@link RetryAction#RETRY} when none does.
   *
   * <p>With the example above: attempt 1 stopped by {@code SpotInterruption} gives {@code RETRY}
   * (attempt 2 starts); attempt 2 exiting 1 gives {@code EXIT} (the third rule); attempt 3 exiting
   * 137 gives {@code EXIT} (no attempt left).
   *
   * @param attempt the 1-based number of the attempt that just failed
   * @param failure what ECS reported about it
   * @throws IllegalArgumentException when {@code attempt} is below 1
   */
  public RetryAction decide(int attempt, TaskFailure failure) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1, not " + attempt);
    }
    if (attempt >= attempts) {
      return RetryAction.EXIT;
    }
    for (ExitRule rule : evaluateOnExit) {
      if (rule.matches(failure)) {
        return rule.action();
      }
    }
    return RetryAction.RETRY;
  }
}
