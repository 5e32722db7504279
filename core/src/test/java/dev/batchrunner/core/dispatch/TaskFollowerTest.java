package dev.batchrunner.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.TaskEventOutcome.Kind;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.lifecycle.TaskStateChange.Container;
import dev.batchrunner.core.lifecycle.TaskStateChange.EnvironmentOverride;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.ForwardingIdempotencyStore;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import dev.batchrunner.core.text.SafeText;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The task lifecycle over the in-memory store: one task state change applied to its record with
 * conditional writes, the automatic retry started exactly once, and the completion announced once.
 * Records are made by the real {@link BatchDispatcher}, events are built from the launch it sent,
 * so that the {@code IDEMPOTENCY_KEY} and trace id overrides are the ones batch-runner set.
 */
class TaskFollowerTest {
  private static final BatchCatalog CATALOG =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");
  private static final String CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/batch";

  /** The invocation's remaining time: the in-progress hold is this plus the 10 s margin. */
  private static final Duration REMAINING = Duration.ofMinutes(1);

  private static final Duration PAST_THE_HOLD =
      REMAINING.plus(AttemptRunner.IN_PROGRESS_MARGIN).plusSeconds(1);
  private static final String ACCOUNT_NUMBER = "NL91ABNA0417164300";

  private final MutableClock clock = new MutableClock(START);
  private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
  private final RecordingTaskLauncher launcher = new RecordingTaskLauncher();
  private final RecordingPublisher publisher = new RecordingPublisher();
  private final AtomicInteger idCounter = new AtomicInteger();
  private final Supplier<String> ids = () -> "id-" + idCounter.incrementAndGet();
  private final BatchDispatcher dispatcher =
      new BatchDispatcher(CATALOG, store, launcher, clock, ids);
  private final TaskFollower follower = follower(store, launcher, publisher);

  // --- events that are not matched to a record -----------------------------------------------

  @Test
  void follow_whenTheTaskIsNotStartedByBatchRunner_isIgnoredAndChangesNothing() {
    Task task = dispatchReport();
    Snapshot before = snapshot();
    TaskStateChange foreign =
        new TaskStateChange(
            new TaskStateChange.Task(task.arn(), CLUSTER, null, 2, "ecs-svc/1234", null),
            new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
            times(false),
            List.of(new Container("app", "RUNNING", null, null)),
            task.overrides());

    TaskEventOutcome outcome = follower.follow(foreign, REMAINING);

    assertIgnored(outcome, TaskFollower.NOT_OURS);
    assertNull(outcome.idempotencyKey());
    assertUnchanged(before);
  }

  @Test
  void follow_whenTheTaskHasNoKeyOverride_isIgnoredAndChangesNothing() {
    Task task = dispatchReport();
    Snapshot before = snapshot();
    TaskStateChange keyless =
        new TaskStateChange(
            new TaskStateChange.Task(task.arn(), CLUSTER, null, 2, "batch-runner", null),
            new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
            times(false),
            List.of(new Container("app", "RUNNING", null, null)),
            List.of(new EnvironmentOverride("app", Map.of("TRACE_ID", "trace-1"))));

    TaskEventOutcome outcome = follower.follow(keyless, REMAINING);

    assertIgnored(outcome, TaskFollower.NO_KEY);
    assertUnchanged(before);
  }

  @Test
  void follow_whenNoRecordHasTheKey_isIgnoredNamingTheKey() {
    Task task = dispatchReport();
    String missing = "daily-report#" + "0f".repeat(32);
    Snapshot before = snapshot();
    TaskStateChange change =
        new TaskStateChange(
            new TaskStateChange.Task(task.arn(), CLUSTER, null, 2, "batch-runner", null),
            new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
            times(false),
            List.of(new Container("app", "RUNNING", null, null)),
            List.of(new EnvironmentOverride("app", Map.of("IDEMPOTENCY_KEY", missing))));

    TaskEventOutcome outcome = follower.follow(change, REMAINING);

    assertIgnored(outcome, "no record " + missing);
    assertEquals(missing, outcome.idempotencyKey());
    assertUnchanged(before);
  }

  @Test
  void follow_whenTheRecordsBatchTypeIsNotInTheCatalog_isIgnoredAndChangesNothing() {
    String id = "retired-batch#" + "1a".repeat(32);
    IdempotencyRecord retired =
        IdempotencyRecord.builder()
            .id(id)
            .batchTypeId("retired-batch")
            .status(RequestStatus.DISPATCHED)
            .traceId("trace-old")
            .requestHash("1a".repeat(32))
            .attempts(1, List.of(Attempt.pending(1).withTask(taskArn("retired"))))
            .createdAt(START)
            .expiresAt(START.plus(Duration.ofHours(24)))
            .revision("rev-retired")
            .build();
    store.claim(retired, START);
    Snapshot before = snapshot();
    TaskStateChange change =
        new TaskStateChange(
            new TaskStateChange.Task(taskArn("retired"), CLUSTER, null, 4, "batch-runner", null),
            new TaskStateChange.Status("STOPPED", "STOPPED", "EssentialContainerExited", null),
            times(true),
            List.of(new Container("app", "STOPPED", 0, null)),
            List.of(new EnvironmentOverride("app", Map.of("IDEMPOTENCY_KEY", id))));

    TaskEventOutcome outcome = follower.follow(change, REMAINING);

    assertIgnored(outcome, "batch type 'retired-batch' is not in the catalog");
    assertUnchanged(before);
    assertEquals(List.of(), publisher.completions());
  }

  // --- following a task ----------------------------------------------------------------------

  @Test
  void follow_whenRunningAfterDispatch_updatesTheRecordToRunning() {
    Task task = dispatchReport();

    TaskEventOutcome outcome = follower.follow(task.running(2), REMAINING);

    assertEquals(Kind.UPDATED, outcome.kind(), outcome.toString());
    assertEquals(RequestStatus.RUNNING, outcome.status());
    assertEquals("trace-1", outcome.traceId());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.RUNNING, record.status());
    assertEquals("RUNNING", record.current().lastStatus());
    assertEquals(2, record.current().version());
    assertEquals(task.arn(), record.current().taskArn());
    assertEquals(record.current(), outcome.attempt());
    assertNull(record.completionDue());
    assertEquals(1, launcher.count());
    assertEquals(List.of(), publisher.completions());
  }

  @Test
  void follow_whenTheRecordIsStillInProgress_adoptsTheTaskAndClearsTheClaim() {
    // RunTask started the task, then the invocation died before marking the record DISPATCHED.
    TaskLauncher crashAfterRunTask =
        launch -> {
          launcher.launch(launch);
          throw new IllegalStateException("the invocation died after RunTask");
        };
    BatchDispatcher crashing = new BatchDispatcher(CATALOG, store, crashAfterRunTask, clock, ids);
    assertThrows(
        IllegalStateException.class, () -> crashing.dispatch(reportRequest("trace-1"), REMAINING));
    IdempotencyRecord claimed = store.all().get(0);
    assertEquals(RequestStatus.IN_PROGRESS, claimed.status());
    assertNotNull(claimed.claimId());
    assertNotNull(claimed.inProgressUntil());
    Task task = new Task(launcher.launches().get(0), taskArn(1));

    TaskEventOutcome outcome = follower.follow(task.running(2), REMAINING);

    assertEquals(Kind.ADOPTED, outcome.kind(), outcome.toString());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.RUNNING, record.status());
    assertEquals(List.of(task.arn()), record.taskArns());
    assertNull(record.claimId(), "the claim is cleared: no late release can delete the record");
    assertNull(record.inProgressUntil(), "no hold: the record is no longer IN_PROGRESS");
    assertEquals(1, launcher.count());
  }

  @Test
  void follow_whenStoppedWithExit0_succeedsAndPublishesOneCompletionWithMaskedParameters() {
    Task task = dispatchInvoiceExport();
    follower.follow(task.running(2), REMAINING);
    clock.advance(Duration.ofMinutes(2));

    TaskEventOutcome outcome = follower.follow(task.stopped(4, 0), REMAINING);

    assertEquals(Kind.SUCCEEDED, outcome.kind(), outcome.toString());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.SUCCEEDED, record.status());
    assertEquals(0, record.current().exitCode());
    assertNull(record.completionDue(), "announced: nothing left to put");
    assertEquals(
        List.of(
            new Completion(
                RequestStatus.SUCCEEDED,
                "invoice-export",
                "trace-1",
                record.id(),
                1,
                task.arn(),
                0,
                "EssentialContainerExited",
                "Essential container in task exited",
                60_000L,
                Map.of("accountNumber", SafeText.MASK, "customerId", "C1234567", "format", "csv"))),
        publisher.completions());
    assertFalse(
        publisher.completions().get(0).detailJson().contains(ACCOUNT_NUMBER),
        "the sensitive value never leaves the table");
  }

  @Test
  void follow_withoutAPublisher_succeedsWithoutACompletionDue() {
    Task task = dispatchReport();
    TaskFollower silent = follower(store, launcher, null);

    TaskEventOutcome outcome = silent.follow(task.stopped(4, 0), REMAINING);

    assertEquals(Kind.SUCCEEDED, outcome.kind(), outcome.toString());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.SUCCEEDED, record.status());
    assertNull(record.completionDue(), "no bus: no announcement is ever due");
  }

  @Test
  void follow_whenThePublisherThrows_propagatesAndTheRedeliveryAnnouncesOnce() {
    Task task = dispatchReport();
    follower.follow(task.running(2), REMAINING);
    publisher.failNext(1);

    CompletionPublishException thrown =
        assertThrows(
            CompletionPublishException.class, () -> follower.follow(task.stopped(4, 0), REMAINING));

    assertEquals("bus down", thrown.getMessage());
    IdempotencyRecord failedPut = record(task);
    assertEquals(RequestStatus.SUCCEEDED, failedPut.status(), "the final state is kept");
    assertNotNull(failedPut.completionDue(), "the announcement is still due");
    assertTrue(
        failedPut.completionDue().isBefore(clock.instant()),
        "due at once, not after the hold: the redelivery the throw causes must put it");
    assertEquals(List.of(), publisher.completions());

    TaskEventOutcome redelivered = follower.follow(task.stopped(4, 0), REMAINING);

    assertEquals(Kind.ANNOUNCED, redelivered.kind(), redelivered.toString());
    assertEquals(RequestStatus.SUCCEEDED, redelivered.status());
    assertEquals(1, publisher.completions().size());
    assertEquals(RequestStatus.SUCCEEDED, publisher.completions().get(0).status());
    assertNull(record(task).completionDue(), "announced: cleared");

    TaskEventOutcome again = follower.follow(task.stopped(4, 0), REMAINING);

    assertEquals(Kind.IGNORED, again.kind(), again.toString());
    assertEquals(1, publisher.completions().size(), "announced once");
    assertEquals(2, publisher.calls(), "one failed put, one put; no third");
  }

  @Test
  void follow_whenTheFinishingInvocationDiedBeforeItsPut_redeliveriesComeBackUntilItsHoldPasses() {
    Task task = dispatchReport();
    follower.follow(task.running(2), REMAINING);
    // The invocation that finishes the record "dies" in the put: nothing reaches the bus, and its
    // hold on the announcement stands.
    IdempotencyStore keepsTheHold =
        new ForwardingIdempotencyStore(store) {
          @Override
          public boolean replace(IdempotencyRecord next, String expectedRevision) {
            if (next.status() == RequestStatus.SUCCEEDED && next.completionDue() != null) {
              super.replace(next, expectedRevision);
              throw new IllegalStateException("died after the final write");
            }
            return super.replace(next, expectedRevision);
          }
        };
    TaskFollower dying = follower(keepsTheHold, launcher, publisher);
    assertThrows(IllegalStateException.class, () -> dying.follow(task.stopped(4, 0), REMAINING));
    assertTrue(record(task).completionDue().isAfter(clock.instant()), "held");

    DispatchFailedException held =
        assertThrows(
            DispatchFailedException.class, () -> follower.follow(task.stopped(4, 0), REMAINING));

    assertEquals(FailureReason.IN_PROGRESS, held.reason(), "delivered again, not acknowledged");
    assertEquals(List.of(), publisher.completions());

    clock.advance(REMAINING.plusMinutes(1));
    TaskEventOutcome late = follower.follow(task.stopped(4, 0), REMAINING);

    assertEquals(Kind.ANNOUNCED, late.kind(), late.toString());
    assertEquals(1, publisher.completions().size());
  }

  @Test
  void follow_whenTwoDeliveriesOfTheStoppedEventRace_oneSucceedsAndTheLoserReadsAgain() {
    Task task = dispatchReport();
    follower.follow(task.running(2), REMAINING);
    TaskStateChange stopped = task.stopped(4, 0);
    AtomicBoolean raced = new AtomicBoolean();
    AtomicReference<TaskEventOutcome> winner = new AtomicReference<>();
    IdempotencyStore racing =
        new ForwardingIdempotencyStore(store) {
          @Override
          public boolean replace(IdempotencyRecord next, String expectedRevision) {
            if (raced.compareAndSet(false, true)) {
              // The other delivery read the same RUNNING record and writes first.
              winner.set(follower.follow(stopped, REMAINING));
            }
            return super.replace(next, expectedRevision);
          }
        };
    TaskFollower loser = follower(racing, launcher, publisher);

    TaskEventOutcome outcome = loser.follow(stopped, REMAINING);

    assertEquals(Kind.SUCCEEDED, winner.get().kind(), winner.get().toString());
    assertEquals(Kind.IGNORED, outcome.kind(), outcome.toString());
    assertEquals(
        RequestStatus.SUCCEEDED, outcome.status(), "the loser answers from the record read again");
    assertEquals(RequestStatus.SUCCEEDED, record(task).status());
    assertEquals(1, publisher.completions().size(), "one completion for the two deliveries");
  }

  @Test
  void follow_whenAnOlderEventArrivesAfterStopped_changesNothing() {
    Task task = dispatchReport();
    follower.follow(task.stopped(4, 0), REMAINING);
    Snapshot before = snapshot();

    TaskEventOutcome late = follower.follow(task.running(2), REMAINING);

    assertEquals(Kind.IGNORED, late.kind(), late.toString());
    assertEquals(RequestStatus.SUCCEEDED, late.status());
    assertUnchanged(before);
    assertEquals(1, publisher.completions().size());
  }

  @Test
  void follow_whenAReRunSucceeds_itsCompletionCarriesTheTraceIdOfTheReRunsTask() {
    Task first = dispatchReport();
    TaskFollower silent = follower(store, launcher, null);
    assertEquals(Kind.FAILED, silent.follow(first.stopped(4, 1), REMAINING).kind());
    Task second = dispatch(reportRequest("trace-rerun"));
    assertEquals("trace-1", record(second).traceId(), "the record keeps the first trace id");

    TaskEventOutcome outcome = follower.follow(second.stopped(3, 0), REMAINING);

    assertEquals(Kind.SUCCEEDED, outcome.kind(), outcome.toString());
    assertEquals("trace-rerun", outcome.traceId());
    Completion completion = assertOneCompletion();
    assertEquals("trace-rerun", completion.traceId());
    assertEquals(2, completion.attempt());
    assertEquals(second.arn(), completion.taskArn());
  }

  // --- automatic retry -----------------------------------------------------------------------

  @Test
  void follow_whenNightlyCleanupExits137_retriesOnceWithAttempt2sTokenAndTheSameEnvironment() {
    Task task = dispatchCleanup();
    follower.follow(task.running(2), REMAINING);

    TaskEventOutcome outcome = follower.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.RETRIED, outcome.kind(), outcome.toString());
    assertEquals(2, launcher.count(), "attempt 2 started once");
    TaskLaunch first = launcher.launches().get(0);
    TaskLaunch second = launcher.launches().get(1);
    assertEquals(IdempotencyKey.clientToken(cleanupKey().hash(), 2), second.clientToken());
    assertNotEquals(first.clientToken(), second.clientToken());
    assertEquals(first.container().environment(), second.container().environment());
    assertEquals(first.container().command(), second.container().command());
    assertEquals(taskArn(2), outcome.nextTaskArn());
    assertEquals(1, outcome.attempt().number(), "the outcome is about the failed attempt");
    assertEquals(137, outcome.attempt().exitCode());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(2, record.attempt());
    assertEquals(List.of(task.arn(), taskArn(2)), record.taskArns());
    assertEquals(137, record.attempts().get(0).exitCode());
    assertNull(record.claimId());
    assertNull(record.inProgressUntil());
    assertEquals(List.of(), publisher.completions(), "not final: nothing announced");
  }

  @Test
  void follow_whenTheRetriedStoppedEventIsDeliveredAgain_isIgnoredAndStartsNothing() {
    Task task = dispatchCleanup();
    follower.follow(task.stopped(4, 137), REMAINING);
    Snapshot before = snapshot();

    TaskEventOutcome redelivered = follower.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.IGNORED, redelivered.kind(), redelivered.toString());
    assertEquals(2, launcher.count(), "no attempt 3, no second attempt 2");
    assertUnchanged(before);
  }

  @Test
  void follow_whenTwoDeliveriesOfARetryableStopRace_startTheNextAttemptOnce() {
    Task task = dispatchCleanup();
    follower.follow(task.running(2), REMAINING);
    TaskStateChange stopped = task.stopped(4, 137);
    AtomicBoolean raced = new AtomicBoolean();
    AtomicReference<TaskEventOutcome> winner = new AtomicReference<>();
    IdempotencyStore racing =
        new ForwardingIdempotencyStore(store) {
          @Override
          public boolean replace(IdempotencyRecord next, String expectedRevision) {
            if (raced.compareAndSet(false, true)) {
              winner.set(follower.follow(stopped, REMAINING));
            }
            return super.replace(next, expectedRevision);
          }
        };

    TaskEventOutcome outcome = follower(racing, launcher, publisher).follow(stopped, REMAINING);

    assertEquals(Kind.RETRIED, winner.get().kind(), winner.get().toString());
    assertEquals(Kind.IGNORED, outcome.kind(), outcome.toString());
    assertEquals(2, launcher.count(), "one attempt 2 for the two deliveries");
    assertEquals(2, record(task).attempt());
  }

  @Test
  void follow_whenTheLastAttemptAlsoExits137_failsForGoodAndAnnouncesIt() {
    Task task1 = dispatchCleanup();
    String task2 = follower.follow(task1.stopped(4, 137), REMAINING).nextTaskArn();
    String task3 = follower.follow(task1.next(task2).stopped(4, 137), REMAINING).nextTaskArn();
    assertEquals(3, launcher.count());

    TaskEventOutcome outcome = follower.follow(task1.next(task3).stopped(4, 137), REMAINING);

    assertEquals(Kind.FAILED, outcome.kind(), outcome.toString());
    assertEquals(3, launcher.count(), "attempts: 3 is all the policy gives");
    IdempotencyRecord record = record(task1);
    assertEquals(RequestStatus.FAILED, record.status());
    assertEquals(3, record.attempt());
    assertEquals(List.of(task1.arn(), task2, task3), record.taskArns());
    assertEquals(
        IdempotencyKey.clientToken(cleanupKey().hash(), 3),
        launcher.launches().get(2).clientToken());
    Completion completion = assertOneCompletion();
    assertEquals(RequestStatus.FAILED, completion.status());
    assertEquals(3, completion.attempt());
    assertEquals(task3, completion.taskArn());
    assertEquals(137, completion.exitCode());
  }

  @Test
  void follow_whenAnExitRuleMatches_failsWithoutRetry() {
    Task task = dispatchCleanup();

    TaskEventOutcome outcome = follower.follow(task.stopped(4, 3), REMAINING);

    assertEquals(Kind.FAILED, outcome.kind(), outcome.toString());
    assertEquals(1, launcher.count());
    assertEquals(RequestStatus.FAILED, record(task).status());
    assertEquals(1, assertOneCompletion().attempt());
  }

  @Test
  void follow_whenTheRetrysRunTaskFailsTransiently_restoresTheRecordAndTheRedeliveryRetries() {
    Task task = dispatchCleanup();
    follower.follow(task.running(2), REMAINING);
    IdempotencyRecord before = record(task);
    FlakyLauncher flaky = new FlakyLauncher(1, true);
    TaskFollower throttled = follower(store, flaky, publisher);

    DispatchFailedException failure =
        assertThrows(
            DispatchFailedException.class, () -> throttled.follow(task.stopped(4, 137), REMAINING));

    assertEquals(FailureReason.ECS_TRANSIENT, failure.reason());
    assertTrue(failure.retryable());
    assertEquals(1, launcher.count(), "nothing started");
    IdempotencyRecord restored = record(task);
    assertEquals(
        withoutRevision(before), withoutRevision(restored), "put back as before the event");
    assertEquals(RequestStatus.RUNNING, restored.status());

    TaskEventOutcome redelivered = throttled.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.RETRIED, redelivered.kind(), redelivered.toString());
    assertEquals(2, launcher.count());
    assertEquals(
        IdempotencyKey.clientToken(cleanupKey().hash(), 2),
        launcher.launches().get(1).clientToken());
    assertEquals(2, record(task).attempt());
  }

  @Test
  void follow_whenTheRetrysRunTaskIsRefused_failsWithTheReasonAndAnnouncesFailed() {
    Task task = dispatchCleanup();
    TaskFollower refused = follower(store, new FlakyLauncher(1, false), publisher);

    TaskEventOutcome outcome = refused.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.FAILED, outcome.kind(), outcome.toString());
    assertTrue(outcome.reason().contains("TaskDefinition is inactive"), outcome.reason());
    assertEquals(1, launcher.count());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.FAILED, record.status());
    assertEquals(2, record.attempt());
    assertNull(record.current().taskArn());
    assertEquals(outcome.reason(), record.current().stoppedReason());
    assertNull(record.claimId());
    assertNull(record.inProgressUntil());
    assertNull(record.completionDue());
    Completion completion = assertOneCompletion();
    assertEquals(RequestStatus.FAILED, completion.status());
    assertEquals(2, completion.attempt());
    assertNull(completion.taskArn());
    assertEquals(outcome.reason(), completion.stoppedReason());

    TaskEventOutcome redelivered = refused.follow(task.stopped(4, 137), REMAINING);
    assertEquals(Kind.IGNORED, redelivered.kind(), redelivered.toString());
    assertEquals(1, publisher.completions().size());
  }

  @Test
  void follow_whenTheRefusedRetrysCompletionPutFails_theRedeliveryAnnouncesIt() {
    Task task = dispatchCleanup();
    TaskFollower refused = follower(store, new FlakyLauncher(1, false), publisher);
    publisher.failNext(1);

    assertThrows(
        CompletionPublishException.class, () -> refused.follow(task.stopped(4, 137), REMAINING));
    assertEquals(RequestStatus.FAILED, record(task).status());
    assertNotNull(record(task).completionDue());

    // Attempt 2 never had a task: attempt 1's STOPPED event is the only one that comes again.
    TaskEventOutcome redelivered = refused.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.ANNOUNCED, redelivered.kind(), redelivered.toString());
    Completion completion = assertOneCompletion();
    assertEquals(RequestStatus.FAILED, completion.status());
    assertEquals(2, completion.attempt());
    assertNull(record(task).completionDue());
  }

  @Test
  void follow_whenTheNextAttemptIsBeingStarted_throwsInProgressUntilTheHoldThenTakesItOver() {
    Task task = dispatchCleanup();
    TaskLauncher dies =
        launch -> {
          throw new IllegalStateException("the invocation died during RunTask");
        };
    assertThrows(
        IllegalStateException.class,
        () -> follower(store, dies, publisher).follow(task.stopped(4, 137), REMAINING));
    IdempotencyRecord pending = record(task);
    assertEquals(RequestStatus.IN_PROGRESS, pending.status());
    assertEquals(2, pending.attempt());
    assertNull(pending.current().taskArn());
    assertEquals(1, launcher.count());

    DispatchFailedException held =
        assertThrows(
            DispatchFailedException.class, () -> follower.follow(task.stopped(4, 137), REMAINING));

    assertEquals(FailureReason.IN_PROGRESS, held.reason());
    assertTrue(held.retryable(), "delivered again, not acknowledged and lost");
    assertEquals(1, launcher.count(), "the holder may still be starting it");
    assertEquals(pending, record(task));

    clock.advance(PAST_THE_HOLD);
    TaskEventOutcome takeover = follower.follow(task.stopped(4, 137), REMAINING);

    assertEquals(Kind.RETRIED, takeover.kind(), takeover.toString());
    assertEquals(2, launcher.count(), "attempt 2 started once");
    assertEquals(
        IdempotencyKey.clientToken(cleanupKey().hash(), 2),
        launcher.launches().get(1).clientToken());
    IdempotencyRecord record = record(task);
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(2, record.attempt());
    assertEquals(List.of(task.arn(), taskArn(2)), record.taskArns());

    assertEquals(Kind.IGNORED, follower.follow(task.stopped(4, 137), REMAINING).kind());
    assertEquals(2, launcher.count());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** One task batch-runner started: its launch (the overrides it set) and its ARN. */
  private record Task(TaskLaunch launch, String arn) {
    List<EnvironmentOverride> overrides() {
      return List.of(
          new EnvironmentOverride(launch.container().name(), launch.container().environment()));
    }

    /** Another attempt's task of the same request, started with the same overrides. */
    Task next(String taskArn) {
      return new Task(launch, taskArn);
    }

    TaskStateChange running(long version) {
      return change(version, "RUNNING", null, null, null);
    }

    TaskStateChange stopped(long version, int exitCode) {
      return change(
          version,
          "STOPPED",
          "EssentialContainerExited",
          "Essential container in task exited",
          exitCode);
    }

    private TaskStateChange change(
        long version, String lastStatus, String stopCode, String reason, Integer exitCode) {
      boolean stopped = TaskStateChange.STOPPED.equals(lastStatus);
      String container = launch.container().name();
      return new TaskStateChange(
          new TaskStateChange.Task(
              arn,
              CLUSTER,
              "arn:aws:ecs:eu-west-1:123456789012:task-definition/" + launch.taskDefinition(),
              version,
              "batch-runner",
              "family:" + launch.taskDefinition()),
          new TaskStateChange.Status(lastStatus, stopped ? "STOPPED" : "RUNNING", stopCode, reason),
          times(stopped),
          List.of(
              new Container("log-router", lastStatus, stopped ? 0 : null, null),
              new Container(container, lastStatus, exitCode, null)),
          overrides());
    }
  }

  /** Started 5 s after START, stopped a minute later when {@code stopped}. */
  private static TaskStateChange.Times times(boolean stopped) {
    Instant started = START.plusSeconds(5);
    return new TaskStateChange.Times(
        START.plusSeconds(1), started, null, stopped ? started.plusSeconds(60) : null);
  }

  /** A completion publisher that keeps what it put and fails the next calls it is told to. */
  private static final class RecordingPublisher implements CompletionPublisher {
    private final List<Completion> completions = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public void publish(Completion completion) {
      calls.incrementAndGet();
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new CompletionPublishException("bus down", null);
      }
      completions.add(completion);
    }

    void failNext(int n) {
      failures.set(n);
    }

    List<Completion> completions() {
      return List.copyOf(completions);
    }

    int calls() {
      return calls.get();
    }
  }

  /** Fails the first {@code failures} launches, then starts tasks with the recording launcher. */
  private final class FlakyLauncher implements TaskLauncher {
    private final AtomicInteger failures;
    private final boolean retryable;

    FlakyLauncher(int failures, boolean retryable) {
      this.failures = new AtomicInteger(failures);
      this.retryable = retryable;
    }

    @Override
    public LaunchResult launch(TaskLaunch launch) {
      if (failures.getAndDecrement() > 0) {
        throw new TaskLaunchException(
            retryable
                ? "ThrottlingException: Rate exceeded"
                : "ClientException: TaskDefinition is inactive",
            retryable,
            null);
      }
      return launcher.launch(launch);
    }
  }

  private TaskFollower follower(
      IdempotencyStore on, TaskLauncher with, CompletionPublisher announcingTo) {
    return new TaskFollower(CATALOG, on, with, announcingTo, clock, ids);
  }

  private Task dispatchReport() {
    return dispatch(reportRequest("trace-1"));
  }

  private Task dispatchInvoiceExport() {
    return dispatch(
        new BatchRequest(
            "invoice-export",
            "trace-1",
            Map.of("customerId", "C1234567", "accountNumber", ACCOUNT_NUMBER),
            null,
            null));
  }

  private Task dispatchCleanup() {
    return dispatch(cleanupRequest());
  }

  private static BatchRequest reportRequest(String traceId) {
    return new BatchRequest(
        "daily-report", traceId, Map.of("reportDate", "2026-11-23"), null, null);
  }

  private static BatchRequest cleanupRequest() {
    return new BatchRequest(
        "nightly-cleanup", "trace-1", Map.of("scheduledTime", "2026-11-23T02:00:00Z"), null, null);
  }

  private IdempotencyKey cleanupKey() {
    return ((Resolution.Valid) dispatcher.resolve(cleanupRequest())).key();
  }

  private Task dispatch(BatchRequest request) {
    Dispatched dispatched =
        assertInstanceOf(Dispatched.class, dispatcher.dispatch(request, REMAINING));
    List<TaskLaunch> launches = launcher.launches();
    return new Task(launches.get(launches.size() - 1), dispatched.taskArns().get(0));
  }

  private IdempotencyRecord record(Task task) {
    String id = task.launch().container().environment().get("IDEMPOTENCY_KEY");
    return store.get(id).orElseThrow();
  }

  /** The ARN the recording launcher gives its {@code n}th launch. */
  private static String taskArn(int n) {
    return RecordingTaskLauncher.TASK_ARN_PREFIX + String.format("%032x", n);
  }

  private static String taskArn(String suffix) {
    return RecordingTaskLauncher.TASK_ARN_PREFIX + suffix;
  }

  private static IdempotencyRecord withoutRevision(IdempotencyRecord record) {
    return record.toBuilder().revision(null).build();
  }

  private Completion assertOneCompletion() {
    List<Completion> completions = publisher.completions();
    assertEquals(1, completions.size(), completions.toString());
    return completions.get(0);
  }

  private static void assertIgnored(TaskEventOutcome outcome, String reason) {
    assertEquals(Kind.IGNORED, outcome.kind(), outcome.toString());
    assertNotNull(outcome.reason());
    assertTrue(outcome.reason().contains(reason), outcome.reason());
  }

  /** What an event that changes nothing must leave as it was. */
  private record Snapshot(List<IdempotencyRecord> records, int launches, int publishCalls) {}

  private Snapshot snapshot() {
    return new Snapshot(store.all(), launcher.count(), publisher.calls());
  }

  private void assertUnchanged(Snapshot before) {
    assertEquals(before.records(), store.all(), "the store is unchanged");
    assertEquals(before.launches(), launcher.count(), "nothing launched");
    assertEquals(before.publishCalls(), publisher.calls(), "nothing published");
  }
}
