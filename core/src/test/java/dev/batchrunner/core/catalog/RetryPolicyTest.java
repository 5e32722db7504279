package dev.batchrunner.core.catalog;

import static dev.batchrunner.core.catalog.RetryAction.EXIT;
import static dev.batchrunner.core.catalog.RetryAction.RETRY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The decision table of {@link RetryPolicy#decide}: AWS Batch's retryStrategy semantics. */
class RetryPolicyTest {
  private static final String STOPPED_BY_EXIT = "Essential container in task exited";

  /** A container that ran and exited with {@code code}. */
  private static TaskFailure exited(int code) {
    return new TaskFailure(code, "EssentialContainerExited", STOPPED_BY_EXIT, null);
  }

  private static ExitRule onExitCode(RetryAction action, String glob) {
    return new ExitRule(action, glob, null, null, null);
  }

  private static RetryPolicy policy(int attempts, ExitRule... rules) {
    return new RetryPolicy(attempts, List.of(rules));
  }

  @Test
  void decide_whenExit1AndARetryRuleOnExitCode1_retries() {
    RetryPolicy policy = policy(3, onExitCode(RETRY, "1"), onExitCode(EXIT, "*"));

    assertEquals(RETRY, policy.decide(1, exited(1)));
  }

  @Test
  void decide_whenAnExitRuleOn137ComesFirst_itWinsOverALaterRetryRule() {
    RetryPolicy policy = policy(3, onExitCode(EXIT, "137"), onExitCode(RETRY, "1*"));

    assertEquals(EXIT, policy.decide(1, exited(137)));
  }

  @Test
  void decide_whenTheRetryRuleComesFirst_itWins() {
    RetryPolicy policy = policy(3, onExitCode(RETRY, "1*"), onExitCode(EXIT, "137"));

    assertEquals(RETRY, policy.decide(1, exited(137)));
  }

  @Test
  void decide_whenStatusReasonMatchesATrailingStarGlob_takesThatRule() {
    RetryPolicy policy =
        policy(
            3,
            new ExitRule(RETRY, null, null, "Host EC2*", null),
            new ExitRule(EXIT, null, null, "*", null));
    TaskFailure hostGone =
        new TaskFailure(
            null, "TaskFailedToStart", "Host EC2 (instance i-0abc1234) terminated.", null);

    assertEquals(RETRY, policy.decide(1, hostGone));
    assertEquals(EXIT, policy.decide(1, exited(1)));
  }

  @Test
  void decide_whenNoRuleMatches_retries() {
    RetryPolicy policy = policy(3, onExitCode(EXIT, "2"), onExitCode(EXIT, "13*"));

    assertEquals(RETRY, policy.decide(1, exited(1)));
  }

  @Test
  void decide_whenNoRulesAtAll_retriesUntilTheLastAttempt() {
    RetryPolicy policy = policy(3);

    assertEquals(RETRY, policy.decide(1, exited(1)));
    assertEquals(RETRY, policy.decide(2, exited(1)));
    assertEquals(EXIT, policy.decide(3, exited(1)));
  }

  @Test
  void decide_whenTheLastAttemptFailed_exitsEvenIfARetryRuleMatches() {
    RetryPolicy policy = policy(2, onExitCode(RETRY, "1"));

    assertEquals(RETRY, policy.decide(1, exited(1)));
    assertEquals(EXIT, policy.decide(2, exited(1)));
  }

  @Test
  void decide_whenAnAttemptBeyondThePolicyFailed_exits() {
    // A re-run of a FAILED request (rerunFailed) may number attempts past the policy's.
    assertEquals(EXIT, policy(2, onExitCode(RETRY, "1")).decide(5, exited(1)));
  }

  @Test
  void decide_withTheDefaultPolicy_neverRetries() {
    assertEquals(EXIT, RetryPolicy.NONE.decide(1, exited(1)));
    assertEquals(EXIT, Lifecycle.DEFAULT.retry().decide(1, exited(137)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "1", "1*"})
  void decide_whenNoExitCode_noOnExitCodeGlobMatches(String glob) {
    // The container never ran, so "any exit code" does not cover it: the next rule decides.
    RetryPolicy policy = policy(3, onExitCode(EXIT, glob));
    TaskFailure neverRan =
        new TaskFailure(
            null,
            "TaskFailedToStart",
            "ResourceInitializationError: unable to pull secrets or registry auth",
            null);

    assertEquals(RETRY, policy.decide(1, neverRan));
  }

  @Test
  void decide_whenStopCodeTaskFailedToStart_takesTheStopCodeRule() {
    RetryPolicy policy =
        policy(
            3,
            new ExitRule(RETRY, null, "TaskFailedToStart", null, null),
            new ExitRule(EXIT, null, null, "*", null));
    TaskFailure failedToStart =
        new TaskFailure(
            null, "TaskFailedToStart", "CannotPullContainerError: pull image manifest", null);

    assertEquals(RETRY, policy.decide(1, failedToStart));
    assertEquals(EXIT, policy.decide(1, exited(1)));
  }

  @Test
  void decide_whenSpotInterruptionOrExit137_retriesAndExitsOnAnythingElse() {
    // The shipped example's nightly-cleanup: three attempts, retried on Spot or SIGKILL only.
    RetryPolicy policy =
        policy(
            3,
            new ExitRule(RETRY, null, "SpotInterruption", null, null),
            onExitCode(RETRY, "137"),
            new ExitRule(EXIT, null, null, "*", null));
    TaskFailure spot =
        new TaskFailure(
            137, "SpotInterruption", "Your Spot Task was interrupted.", "Task was interrupted");

    assertEquals(RETRY, policy.decide(1, spot));
    assertEquals(RETRY, policy.decide(2, exited(137)));
    assertEquals(EXIT, policy.decide(3, spot));
    assertEquals(EXIT, policy.decide(1, exited(1)));
    assertEquals(
        EXIT,
        policy.decide(1, new TaskFailure(null, "UserInitiated", "Task stopped by user", null)));
  }

  @Test
  void decide_whenARuleGivesSeveralConditions_needsAllOfThem() {
    RetryPolicy policy = policy(3, new ExitRule(EXIT, "137", null, null, "OutOfMemoryError*"));

    assertEquals(
        EXIT,
        policy.decide(
            1,
            new TaskFailure(
                137,
                "EssentialContainerExited",
                STOPPED_BY_EXIT,
                "OutOfMemoryError: Container killed due to memory usage")));
    assertEquals(RETRY, policy.decide(1, exited(137)));
  }

  @Test
  void decide_whenAttemptBelow1_throws() {
    assertThrows(IllegalArgumentException.class, () -> policy(3).decide(0, exited(1)));
  }

  // --- one glob ----------------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({
    "137,  137,  true",
    "137,  1370, false",
    "13*,  1370, true",
    "13*,  13,   true",
    "13*,  1,    false",
    "*,    0,    true",
    "Host EC2*, Host EC2 (instance i-1) terminated., true",
    "Host EC2*, host ec2 (instance i-1) terminated., false",
    "Task stopped by user, Task stopped by user., false",
  })
  void globMatches_isExactOrAPrefixWithATrailingStar(String glob, String value, boolean matches) {
    assertEquals(matches, ExitRule.globMatches(glob, value));
  }

  @Test
  void matches_whenAReasonIsAbsent_onlyABareStarMatchesIt() {
    TaskFailure noReason = new TaskFailure(1, null, null, null);

    assertTrue(new ExitRule(EXIT, null, null, null, "*").matches(noReason));
    assertTrue(new ExitRule(EXIT, null, "*", null, null).matches(noReason));
    assertFalse(new ExitRule(EXIT, null, null, "Essential*", null).matches(noReason));
  }

  // --- invariants --------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, 11, -1})
  void constructor_whenAttemptsNotFrom1To10_throws(int attempts) {
    assertThrows(IllegalArgumentException.class, () -> policy(attempts));
  }

  @Test
  void exitRule_whenNoCondition_throws() {
    assertThrows(IllegalArgumentException.class, () -> new ExitRule(RETRY, null, null, null, null));
  }
}
