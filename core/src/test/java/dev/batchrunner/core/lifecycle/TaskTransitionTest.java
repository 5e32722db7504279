package dev.batchrunner.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ContainerTemplate;
import dev.batchrunner.core.catalog.ExitRule;
import dev.batchrunner.core.catalog.Lifecycle;
import dev.batchrunner.core.catalog.Network;
import dev.batchrunner.core.catalog.Placement;
import dev.batchrunner.core.catalog.RetryAction;
import dev.batchrunner.core.catalog.RetryPolicy;
import dev.batchrunner.core.lifecycle.TaskStateChange.Container;
import dev.batchrunner.core.lifecycle.TaskStateChange.EnvironmentOverride;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskTransitionTest {
  private static final String KEY = "daily-report#" + "ab".repeat(32);
  private static final String CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/batch";
  private static final String TASK_1 = "arn:aws:ecs:eu-west-1:123456789012:task/batch/1111";
  private static final String TASK_2 = "arn:aws:ecs:eu-west-1:123456789012:task/batch/2222";
  private static final Instant STARTED = Instant.parse("2026-11-23T02:00:05Z");
  private static final Instant STOPPED_AT = Instant.parse("2026-11-23T02:10:00Z");

  private static final BatchDefinition NO_RETRY = batch(Lifecycle.DEFAULT);
  private static final BatchDefinition SPOT_RETRY =
      batch(
          new Lifecycle(
              new RetryPolicy(
                  2,
                  List.of(
                      new ExitRule(RetryAction.RETRY, null, "SpotInterruption", null, null),
                      new ExitRule(RetryAction.EXIT, null, null, "*", null))),
              true));

  // --- the decision table -------------------------------------------------------------------

  @Test
  void apply_whenRunningAfterDispatched_updatesToRunning() {
    Decision decision = TaskTransition.apply(dispatched(TASK_1), running(TASK_1, 2), NO_RETRY);

    Decision.Update update = assertInstanceOf(Decision.Update.class, decision);
    assertEquals(RequestStatus.RUNNING, update.state().status());
    assertEquals("RUNNING", update.state().current().lastStatus());
    assertEquals(2, update.state().current().version());
    assertEquals(STARTED, update.state().current().startedAt());
  }

  @Test
  void apply_whenStoppedWithExit0_finishesSucceeded() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(TASK_1, 4, "EssentialContainerExited", null, app(0, null)),
            NO_RETRY);

    Decision.Finish finish = assertInstanceOf(Decision.Finish.class, decision);
    assertEquals(RequestStatus.SUCCEEDED, finish.outcome());
    assertEquals(RequestStatus.SUCCEEDED, finish.state().status());
    assertEquals(0, finish.state().current().exitCode());
    assertEquals(STOPPED_AT, finish.state().current().stoppedAt());
    assertEquals(STARTED, finish.state().current().startedAt());
  }

  @Test
  void apply_whenStoppedWithExit1AndNoRetryPolicy_finishesFailedKeepingTheReason() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(
                TASK_1,
                4,
                "EssentialContainerExited",
                "Essential container in task exited",
                app(1, "Error")),
            NO_RETRY);

    Decision.Finish finish = assertInstanceOf(Decision.Finish.class, decision);
    assertEquals(RequestStatus.FAILED, finish.outcome());
    Attempt attempt = finish.state().current();
    assertEquals(1, attempt.exitCode());
    assertEquals("EssentialContainerExited", attempt.stopCode());
    assertEquals("Essential container in task exited", attempt.stoppedReason());
    assertEquals("Error", attempt.containerReason());
    assertEquals(1, finish.state().attempt());
  }

  @Test
  void apply_whenSidecarExited1ButAppExited0_finishesSucceeded() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(
                TASK_1,
                4,
                "EssentialContainerExited",
                null,
                new Container("log-router", "STOPPED", 1, null),
                app(0, null)),
            NO_RETRY);

    assertEquals(
        RequestStatus.SUCCEEDED, assertInstanceOf(Decision.Finish.class, decision).outcome());
  }

  @Test
  void apply_whenAppExited1ButSidecarExited0_finishesFailed() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(
                TASK_1,
                4,
                "EssentialContainerExited",
                null,
                new Container("log-router", "STOPPED", 0, null),
                app(1, null)),
            NO_RETRY);

    assertEquals(RequestStatus.FAILED, assertInstanceOf(Decision.Finish.class, decision).outcome());
  }

  @Test
  void apply_whenTaskFailedToStartWithNoExitCode_finishesFailed() {
    Decision decision =
        TaskTransition.apply(
            dispatched(TASK_1),
            stopped(
                TASK_1,
                3,
                "TaskFailedToStart",
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
                app(null, "CannotPullContainerError")),
            NO_RETRY);

    Decision.Finish finish = assertInstanceOf(Decision.Finish.class, decision);
    assertEquals(RequestStatus.FAILED, finish.outcome());
    assertNull(finish.state().current().exitCode());
    assertEquals("TaskFailedToStart", finish.state().current().stopCode());
    assertEquals("CannotPullContainerError", finish.state().current().containerReason());
  }

  @Test
  void apply_whenStoppedWithoutTheAppContainerInTheEvent_finishesFailed() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(
                TASK_1,
                4,
                "EssentialContainerExited",
                null,
                new Container("sidecar", "STOPPED", 0, null)),
            NO_RETRY);

    assertEquals(RequestStatus.FAILED, assertInstanceOf(Decision.Finish.class, decision).outcome());
  }

  @Test
  void apply_whenSpotInterruptedWithARetryRuleAndAttemptsLeft_retriesWithAttempt2() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(
                TASK_1, 5, "SpotInterruption", "Your Spot Task was interrupted.", app(null, null)),
            SPOT_RETRY);

    Decision.Retry retry = assertInstanceOf(Decision.Retry.class, decision);
    assertEquals(2, retry.nextAttempt());
    LifecycleState next = retry.state();
    assertEquals(RequestStatus.IN_PROGRESS, next.status());
    assertEquals(2, next.attempt());
    assertEquals(2, next.attempts().size());
    Attempt failed = next.attempts().get(0);
    assertEquals(TASK_1, failed.taskArn());
    assertEquals("STOPPED", failed.lastStatus());
    assertEquals("SpotInterruption", failed.stopCode());
    assertEquals(
        Attempt.pending(2, "retry policy: attempt 1 failed (SpotInterruption)"), next.current());
  }

  @Test
  void apply_whenRetriedStoppedEventIsDeliveredAgain_isIgnoredSoTheNextAttemptStartsOnce() {
    TaskStateChange spot = stopped(TASK_1, 5, "SpotInterruption", null, app(null, null));
    LifecycleState retried =
        TaskTransition.apply(runningState(TASK_1, 2), spot, SPOT_RETRY).state();

    assertInstanceOf(Decision.Ignore.class, TaskTransition.apply(retried, spot, SPOT_RETRY));
  }

  @Test
  void apply_whenLastAttemptIsSpotInterrupted_finishesFailed() {
    LifecycleState second = runningSecondAttempt();

    Decision decision =
        TaskTransition.apply(
            second, stopped(TASK_2, 5, "SpotInterruption", null, app(null, null)), SPOT_RETRY);

    Decision.Finish finish = assertInstanceOf(Decision.Finish.class, decision);
    assertEquals(RequestStatus.FAILED, finish.outcome());
    assertEquals(2, finish.state().attempt());
    assertEquals("SpotInterruption", finish.state().current().stopCode());
  }

  @Test
  void apply_whenFailureMatchesAnExitRule_finishesFailedWithAttemptsLeft() {
    Decision decision =
        TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(TASK_1, 4, "EssentialContainerExited", "exited", app(1, null)),
            SPOT_RETRY);

    assertEquals(RequestStatus.FAILED, assertInstanceOf(Decision.Finish.class, decision).outcome());
  }

  @Test
  void apply_whenTheSameVersionIsRepeated_isIgnored() {
    LifecycleState state = runningState(TASK_1, 2);

    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(state, running(TASK_1, 2), NO_RETRY));
  }

  @Test
  void apply_whenAnOlderVersionArrivesAfterStopped_isIgnored() {
    LifecycleState finished =
        TaskTransition.apply(
                runningState(TASK_1, 2),
                stopped(TASK_1, 4, "EssentialContainerExited", null, app(0, null)),
                NO_RETRY)
            .state();

    Decision decision = TaskTransition.apply(finished, running(TASK_1, 3), NO_RETRY);

    assertInstanceOf(Decision.Ignore.class, decision);
  }

  @Test
  void apply_whenStoppedArrivesBeforeRunning_finishesAndTheLateRunningIsIgnored() {
    LifecycleState finished =
        TaskTransition.apply(
                dispatched(TASK_1),
                stopped(TASK_1, 4, "EssentialContainerExited", null, app(0, null)),
                NO_RETRY)
            .state();
    assertEquals(RequestStatus.SUCCEEDED, finished.status());

    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(finished, running(TASK_1, 2), NO_RETRY));
  }

  @Test
  void apply_whenAttempt1sLateRunningArrivesAfterAttempt2Started_isIgnored() {
    LifecycleState second = runningSecondAttempt();

    Decision decision = TaskTransition.apply(second, running(TASK_1, 3), SPOT_RETRY);

    assertInstanceOf(Decision.Ignore.class, decision);
  }

  @Test
  void apply_whenAStoppedTasksRunningHasAHigherVersion_isIgnoredAndNothingMovesBack() {
    LifecycleState second = runningSecondAttempt();

    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(second, running(TASK_1, 9), SPOT_RETRY));
    LifecycleState failed = failedState();
    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(failed, running(TASK_1, 9), NO_RETRY));
  }

  @Test
  void apply_whenAttempt1sNewerStoppedArrivesAfterAttempt2Started_updatesItsEntryOnly() {
    LifecycleState second = runningSecondAttempt();

    Decision decision =
        TaskTransition.apply(
            second,
            stopped(
                TASK_1, 6, "SpotInterruption", "Your Spot Task was interrupted.", app(137, null)),
            SPOT_RETRY);

    Decision.Update update = assertInstanceOf(Decision.Update.class, decision);
    assertEquals(RequestStatus.RUNNING, update.state().status());
    assertEquals(2, update.state().attempt());
    assertEquals(137, update.state().attempts().get(0).exitCode());
    assertEquals(6, update.state().attempts().get(0).version());
    assertEquals(second.current(), update.state().current());
  }

  @Test
  void apply_whenRecordIsInProgressAndTheTaskIsOurs_adoptsIt() {
    Decision decision =
        TaskTransition.apply(LifecycleState.claimed(), running(TASK_1, 2), NO_RETRY);

    Decision.Adopt adopt = assertInstanceOf(Decision.Adopt.class, decision);
    assertEquals(RequestStatus.RUNNING, adopt.state().status());
    assertEquals(TASK_1, adopt.state().current().taskArn());
    assertEquals(2, adopt.state().current().version());
  }

  @Test
  void apply_whenRecordIsInProgressAndOurTaskIsPending_adoptsItAsDispatched() {
    Decision decision =
        TaskTransition.apply(
            LifecycleState.claimed(),
            change(TASK_1, 1, "PENDING", null, null, List.of()),
            NO_RETRY);

    Decision.Adopt adopt = assertInstanceOf(Decision.Adopt.class, decision);
    assertEquals(RequestStatus.DISPATCHED, adopt.state().status());
  }

  @Test
  void apply_whenRecordIsInProgressAndOurTaskAlreadyStopped_finishesWithTheAdoptedTask() {
    Decision decision =
        TaskTransition.apply(
            LifecycleState.claimed(),
            stopped(TASK_1, 4, "EssentialContainerExited", null, app(0, null)),
            NO_RETRY);

    Decision.Finish finish = assertInstanceOf(Decision.Finish.class, decision);
    assertEquals(RequestStatus.SUCCEEDED, finish.outcome());
    assertEquals(TASK_1, finish.state().current().taskArn());
  }

  @Test
  void apply_whenRetriedAttemptIsInProgressAndItsTaskRuns_adoptsItForAttempt2() {
    LifecycleState retried =
        TaskTransition.apply(
                runningState(TASK_1, 2),
                stopped(TASK_1, 5, "SpotInterruption", null, app(null, null)),
                SPOT_RETRY)
            .state();

    Decision decision = TaskTransition.apply(retried, running(TASK_2, 2), SPOT_RETRY);

    Decision.Adopt adopt = assertInstanceOf(Decision.Adopt.class, decision);
    assertEquals(2, adopt.state().current().number());
    assertEquals(TASK_2, adopt.state().current().taskArn());
    assertEquals(TASK_1, adopt.state().attempts().get(0).taskArn());
  }

  @Test
  void apply_whenTheTaskIsNotStartedByBatchRunner_isIgnored() {
    TaskStateChange foreign =
        new TaskStateChange(
            new TaskStateChange.Task(TASK_1, CLUSTER, null, 2, "ecs-svc/123", null),
            new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
            new TaskStateChange.Times(null, STARTED, null, null),
            List.of(app(null, null)),
            ours());

    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(LifecycleState.claimed(), foreign, NO_RETRY));
  }

  @Test
  void apply_whenTheTaskHasNoKeyOverride_isIgnored() {
    TaskStateChange keyless =
        new TaskStateChange(
            new TaskStateChange.Task(TASK_1, CLUSTER, null, 2, "batch-runner", null),
            new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
            new TaskStateChange.Times(null, STARTED, null, null),
            List.of(app(null, null)),
            List.of(new EnvironmentOverride("app", Map.of("TRACE_ID", "t"))));

    assertInstanceOf(
        Decision.Ignore.class, TaskTransition.apply(LifecycleState.claimed(), keyless, NO_RETRY));
  }

  @Test
  void apply_whenAnUnknownTaskArrivesWhileTheRecordIsDispatched_isIgnored() {
    Decision decision = TaskTransition.apply(dispatched(TASK_1), running(TASK_2, 2), NO_RETRY);

    assertInstanceOf(Decision.Ignore.class, decision);
  }

  // --- re-runs ----------------------------------------------------------------------------

  @Test
  void mayRerun_whenFailedAndRerunFailedIsOn_isTrue() {
    assertTrue(TaskTransition.mayRerun(failedState(), NO_RETRY));
  }

  @Test
  void mayRerun_whenFailedAndRerunFailedIsOff_isFalse() {
    assertFalse(
        TaskTransition.mayRerun(failedState(), batch(new Lifecycle(RetryPolicy.NONE, false))));
  }

  @Test
  void mayRerun_whenNotFailed_isFalse() {
    for (RequestStatus status :
        List.of(
            RequestStatus.IN_PROGRESS,
            RequestStatus.DISPATCHED,
            RequestStatus.RUNNING,
            RequestStatus.SUCCEEDED)) {
      LifecycleState state = new LifecycleState(status, 1, List.of(Attempt.pending(1)));
      assertFalse(TaskTransition.mayRerun(state, NO_RETRY), status.name());
    }
  }

  @Test
  void nextAttempt_whenRerunAfterFailure_claimsAttempt2KeepingAttempt1() {
    LifecycleState failed = failedState();

    LifecycleState next = failed.nextAttempt();

    assertEquals(RequestStatus.IN_PROGRESS, next.status());
    assertEquals(2, next.attempt());
    assertEquals(failed.current(), next.attempts().get(0));
    assertEquals(Attempt.pending(2), next.current());
  }

  // --- helpers ----------------------------------------------------------------------------

  private static BatchDefinition batch(Lifecycle lifecycle) {
    return new BatchDefinition(
        "daily-report",
        "daily-report:3",
        new Placement(
            CLUSTER,
            "FARGATE",
            List.of(),
            new Network(List.of("subnet-1"), List.of(), "DISABLED"),
            null),
        new ContainerTemplate("app", "TRACE_ID", Map.of(), null),
        Map.of(),
        Duration.ofHours(24),
        true,
        lifecycle);
  }

  private static LifecycleState dispatched(String taskArn) {
    return LifecycleState.claimed().dispatched(taskArn);
  }

  private static LifecycleState runningState(String taskArn, long version) {
    return TaskTransition.apply(dispatched(taskArn), running(taskArn, version), NO_RETRY).state();
  }

  /**
   * Attempt 1 (TASK_1) spot-interrupted at version 5, attempt 2 (TASK_2) dispatched and running.
   */
  private static LifecycleState runningSecondAttempt() {
    LifecycleState retried =
        TaskTransition.apply(
                runningState(TASK_1, 2),
                stopped(TASK_1, 5, "SpotInterruption", null, app(null, null)),
                SPOT_RETRY)
            .state();
    LifecycleState second =
        TaskTransition.apply(retried.dispatched(TASK_2), running(TASK_2, 2), SPOT_RETRY).state();
    assertEquals(RequestStatus.RUNNING, second.status());
    assertEquals(2, second.attempt());
    return second;
  }

  private static LifecycleState failedState() {
    return TaskTransition.apply(
            runningState(TASK_1, 2),
            stopped(TASK_1, 4, "EssentialContainerExited", null, app(1, null)),
            NO_RETRY)
        .state();
  }

  private static Container app(Integer exitCode, String reason) {
    return new Container(
        "app", exitCode == null && reason == null ? "RUNNING" : "STOPPED", exitCode, reason);
  }

  private static TaskStateChange running(String taskArn, long version) {
    return change(taskArn, version, "RUNNING", null, null, List.of(app(null, null)));
  }

  private static TaskStateChange stopped(
      String taskArn, long version, String stopCode, String reason, Container... containers) {
    return change(taskArn, version, "STOPPED", stopCode, reason, List.of(containers));
  }

  private static TaskStateChange change(
      String taskArn,
      long version,
      String lastStatus,
      String stopCode,
      String reason,
      List<Container> containers) {
    boolean stopped = "STOPPED".equals(lastStatus);
    boolean started =
        "RUNNING".equals(lastStatus) || (stopped && !"TaskFailedToStart".equals(stopCode));
    return new TaskStateChange(
        new TaskStateChange.Task(
            taskArn,
            CLUSTER,
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:3",
            version,
            "batch-runner",
            "family:daily-report"),
        new TaskStateChange.Status(lastStatus, stopped ? "STOPPED" : "RUNNING", stopCode, reason),
        new TaskStateChange.Times(
            STARTED.minusSeconds(5), started ? STARTED : null, null, stopped ? STOPPED_AT : null),
        containers,
        ours());
  }

  private static List<EnvironmentOverride> ours() {
    return List.of(
        new EnvironmentOverride("app", Map.of("IDEMPOTENCY_KEY", KEY, "TRACE_ID", "trace-1")));
  }
}
