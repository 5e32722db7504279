package dev.batchrunner.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.catalog.Lifecycle;
import dev.batchrunner.core.catalog.StaticBatchCatalog;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.ForwardingIdempotencyStore;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a re-sent request does with a record the task lifecycle moved on: re-run a FAILED one (or
 * answer DUPLICATE when the batch says not to), answer DUPLICATE with the status otherwise, and
 * take an abandoned claim over keeping its attempt; over the in-memory store.
 */
class BatchDispatcherLifecycleTest {
  private static final BatchCatalog CATALOG =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");
  private static final Duration REMAINING = Duration.ofMinutes(1);
  private static final Duration WINDOW = Duration.ofHours(24); // daily-report's, the default

  private final MutableClock clock = new MutableClock(START);
  private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
  private final RecordingTaskLauncher launcher = new RecordingTaskLauncher();
  private final AtomicInteger idCounter = new AtomicInteger();
  private final Supplier<String> ids = () -> "id-" + idCounter.incrementAndGet();
  private final BatchDispatcher dispatcher =
      new BatchDispatcher(CATALOG, store, launcher, clock, ids);

  @Test
  void dispatch_whenTheRecordIsFailed_startsAttempt2WithItsTokenAndRenewsTheWindow() {
    IdempotencyRecord failed = failed(dispatchReport("trace-1"));
    clock.advance(Duration.ofHours(23));

    Dispatched rerun =
        assertInstanceOf(Dispatched.class, dispatcher.dispatch(report("trace-2"), REMAINING));

    assertEquals(2, rerun.attempt());
    assertEquals("trace-2", rerun.traceId());
    assertEquals(List.of(taskArn(2)), rerun.taskArns(), "this attempt's task only");
    assertEquals(2, launcher.count());
    TaskLaunch launch = launcher.launches().get(1);
    assertEquals(reportKey().clientToken(2), launch.clientToken());
    assertNotEquals(reportKey().hash(), launch.clientToken(), "ECS would return attempt 1's task");
    assertEquals("trace-2", launch.container().environment().get("TRACE_ID"));
    IdempotencyRecord record = record();
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(2, record.attempt());
    assertEquals(failed.attempts().get(0), record.attempts().get(0), "attempt 1 is kept");
    assertEquals(List.of(taskArn(1), taskArn(2)), record.taskArns());
    assertEquals("trace-1", record.traceId(), "the first dispatch's trace id");
    assertFalse(
        record.expiresAt().isBefore(clock.instant().plus(WINDOW)),
        "expiresAt " + record.expiresAt() + " outlives the new attempt's window");
    assertNull(record.claimId());
    assertNull(record.inProgressUntil());
  }

  @Test
  void dispatch_whenFailedAndTheBatchSaysRerunFailedFalse_answersDuplicateFailed() {
    BatchDefinition report = CATALOG.find("daily-report").orElseThrow();
    BatchDefinition noRerun =
        new BatchDefinition(
            report.id(),
            report.taskDefinition(),
            report.placement(),
            report.container(),
            report.parameters(),
            report.idempotencyWindow(),
            report.enabled(),
            new Lifecycle(report.lifecycle().retry(), false));
    BatchDispatcher strict =
        new BatchDispatcher(
            new StaticBatchCatalog(Map.of("daily-report", noRerun)), store, launcher, clock, ids);
    IdempotencyRecord failed = failed(dispatchReport("trace-1"));

    Duplicate duplicate =
        assertInstanceOf(Duplicate.class, strict.dispatch(report("trace-2"), REMAINING));

    assertEquals(RequestStatus.FAILED, duplicate.status());
    assertEquals(1, duplicate.attempt());
    assertEquals(1, duplicate.exitCode());
    assertEquals(List.of(taskArn(1)), duplicate.taskArns());
    assertEquals("trace-1", duplicate.firstTraceId());
    assertEquals(1, launcher.count(), "nothing launched");
    assertEquals(failed, record(), "nothing written");
  }

  @Test
  void dispatch_whenSucceeded_answersDuplicateWithStatusAttemptAndExitCode() {
    failed(dispatchReport("trace-1"));
    dispatcher.dispatch(report("trace-2"), REMAINING);
    IdempotencyRecord succeeded = stopped(record(), RequestStatus.SUCCEEDED, 0);

    Duplicate duplicate =
        assertInstanceOf(Duplicate.class, dispatcher.dispatch(report("trace-3"), REMAINING));

    assertEquals(RequestStatus.SUCCEEDED, duplicate.status());
    assertEquals(2, duplicate.attempt());
    assertEquals(0, duplicate.exitCode());
    assertEquals(List.of(taskArn(1), taskArn(2)), duplicate.taskArns());
    assertEquals("trace-3", duplicate.traceId());
    assertEquals("trace-1", duplicate.firstTraceId());
    assertEquals(2, launcher.count(), "nothing launched");
    assertEquals(succeeded, record());
  }

  @Test
  void dispatch_whenRunning_answersDuplicateRunningWithNoExitCodeYet() {
    IdempotencyRecord dispatched = dispatchReport("trace-1");
    Attempt running =
        new Attempt(
            1, taskArn(1), "RUNNING", 2, null, null, null, null, START.plusSeconds(5), null);
    assertTrue(
        store.replace(
            dispatched.toBuilder()
                .status(RequestStatus.RUNNING)
                .attempts(1, List.of(running))
                .revision("rev-running")
                .build(),
            dispatched.revision()));

    Duplicate duplicate =
        assertInstanceOf(Duplicate.class, dispatcher.dispatch(report("trace-2"), REMAINING));

    assertEquals(RequestStatus.RUNNING, duplicate.status());
    assertEquals(1, duplicate.attempt());
    assertNull(duplicate.exitCode());
    assertEquals(1, launcher.count());
  }

  @Test
  void dispatch_whenAttempt2sClaimIsAbandoned_takesItOverWithTheSameAttemptAndToken() {
    IdempotencyRecord failed = failed(dispatchReport("trace-1"));
    // A re-run claimed attempt 2, then its invocation died before RunTask returned.
    IdempotencyRecord abandoned =
        failed.with(failed.lifecycle().nextAttempt()).toBuilder()
            .claimId("dead-invocation")
            .inProgressUntil(clock.instant().plusSeconds(40))
            .revision("rev-abandoned")
            .build();
    assertTrue(store.replace(abandoned, failed.revision()));

    DispatchFailedException held =
        assertThrows(
            DispatchFailedException.class, () -> dispatcher.dispatch(report("trace-3"), REMAINING));
    assertEquals(FailureReason.IN_PROGRESS, held.reason());
    assertEquals(1, launcher.count(), "its holder may still be launching it");

    clock.advance(Duration.ofSeconds(41));
    Dispatched takeover =
        assertInstanceOf(Dispatched.class, dispatcher.dispatch(report("trace-3"), REMAINING));

    assertEquals(2, takeover.attempt(), "the same attempt, not a third");
    assertEquals(2, launcher.count());
    assertEquals(
        reportKey().clientToken(2),
        launcher.launches().get(1).clientToken(),
        "attempt 2's token: ECS returns the task the dead invocation may have started");
    IdempotencyRecord record = record();
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(2, record.attempt());
    assertEquals(2, record.attempts().size());
    assertEquals(failed.attempts().get(0), record.attempts().get(0));
    assertEquals(taskArn(2), record.current().taskArn());
    assertNull(record.claimId());
  }

  @Test
  void dispatch_whenTheTakeoverOfAttempt2FailsToLaunch_keepsTheRecordAndItsAttempts() {
    IdempotencyRecord failed = failed(dispatchReport("trace-1"));
    IdempotencyRecord abandoned =
        failed.with(failed.lifecycle().nextAttempt()).toBuilder()
            .claimId("dead-invocation")
            .inProgressUntil(clock.instant().plusSeconds(40))
            .revision("rev-abandoned")
            .build();
    assertTrue(store.replace(abandoned, failed.revision()));
    clock.advance(Duration.ofSeconds(41));
    TaskLauncher throttled =
        launch -> {
          throw new TaskLaunchException("ThrottlingException", true, null);
        };

    assertThrows(
        DispatchFailedException.class,
        () ->
            new BatchDispatcher(CATALOG, store, throttled, clock, ids)
                .dispatch(report("trace-3"), REMAINING));

    IdempotencyRecord kept =
        store.get(failed.id()).orElseThrow(() -> new AssertionError("attempt 1 was deleted"));
    assertEquals(2, kept.attempt());
    assertEquals(failed.attempts().get(0), kept.attempts().get(0));
  }

  @ParameterizedTest(name = "retryable={0}")
  @ValueSource(booleans = {true, false})
  void dispatch_whenAReRunsLaunchFails_restoresTheFailedRecordInsteadOfDeletingIt(
      boolean retryable) {
    IdempotencyRecord failed = failed(dispatchReport("trace-1"));
    TaskLauncher refusing =
        launch -> {
          throw new TaskLaunchException("ECS said no", retryable, null);
        };
    BatchDispatcher down = new BatchDispatcher(CATALOG, store, refusing, clock, ids);

    DispatchFailedException failure =
        assertThrows(
            DispatchFailedException.class, () -> down.dispatch(report("trace-2"), REMAINING));

    assertEquals(
        retryable ? FailureReason.ECS_TRANSIENT : FailureReason.ECS_PERMANENT, failure.reason());
    IdempotencyRecord restored =
        store.get(failed.id()).orElseThrow(() -> new AssertionError("the record was deleted"));
    assertEquals(withoutRevision(failed), withoutRevision(restored));
    assertEquals(RequestStatus.FAILED, restored.status());

    Dispatched later =
        assertInstanceOf(Dispatched.class, dispatcher.dispatch(report("trace-3"), REMAINING));
    assertEquals(2, later.attempt(), "the re-run is still possible, as attempt 2");
  }

  @Test
  void dispatch_whenTwoReSendsOfAFailedRequestRace_startExactlyOneAttempt() throws Exception {
    failed(dispatchReport("trace-1"));
    // Both invocations have read the FAILED record before either claims its next attempt.
    CyclicBarrier bothRead = new CyclicBarrier(2);
    IdempotencyStore racing =
        new ForwardingIdempotencyStore(store) {
          @Override
          public Claim claim(IdempotencyRecord record, Instant now) {
            Claim claim = super.claim(record, now);
            try {
              bothRead.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            return claim;
          }
        };
    BatchDispatcher resends = new BatchDispatcher(CATALOG, racing, launcher, clock, ids);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<DispatchOutcome>> futures = new ArrayList<>();
      for (String traceId : List.of("trace-a", "trace-b")) {
        futures.add(pool.submit(() -> resends.dispatch(report(traceId), REMAINING)));
      }
      List<Object> results = new ArrayList<>();
      for (Future<DispatchOutcome> future : futures) {
        try {
          results.add(future.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          results.add(e.getCause());
        }
      }

      assertEquals(2, launcher.count(), "one new attempt: " + results);
      long dispatched = results.stream().filter(Dispatched.class::isInstance).count();
      assertEquals(1, dispatched, results.toString());
      for (Object result : results) {
        if (result instanceof Dispatched d) {
          assertEquals(2, d.attempt());
        } else if (result instanceof Duplicate d) {
          assertEquals(2, d.attempt(), "the loser sees the winner's attempt");
        } else {
          DispatchFailedException e = assertInstanceOf(DispatchFailedException.class, result);
          assertEquals(FailureReason.IN_PROGRESS, e.reason(), "the loser waits for the winner");
        }
      }
      assertEquals(2, record().attempt());
      assertEquals(RequestStatus.DISPATCHED, record().status());
    } finally {
      pool.shutdownNow();
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private static BatchRequest report(String traceId) {
    return new BatchRequest(
        "daily-report", traceId, Map.of("reportDate", "2026-11-23"), null, null);
  }

  private IdempotencyKey reportKey() {
    return ((Resolution.Valid) dispatcher.resolve(report("any"))).key();
  }

  private IdempotencyRecord dispatchReport(String traceId) {
    assertInstanceOf(Dispatched.class, dispatcher.dispatch(report(traceId), REMAINING));
    return record();
  }

  private IdempotencyRecord record() {
    return store.get(reportKey().id()).orElseThrow();
  }

  /** {@code record}'s current attempt stopped with exit code 1 and no retry left: FAILED. */
  private IdempotencyRecord failed(IdempotencyRecord record) {
    return stopped(record, RequestStatus.FAILED, 1);
  }

  /** {@code record} as the task lifecycle writes it when its current attempt's task stopped. */
  private IdempotencyRecord stopped(IdempotencyRecord record, RequestStatus status, int exitCode) {
    Attempt current = record.current();
    Attempt stopped =
        new Attempt(
            current.number(),
            current.taskArn(),
            "STOPPED",
            4,
            exitCode,
            "EssentialContainerExited",
            "Essential container in task exited",
            null,
            clock.instant().plusSeconds(5),
            clock.instant().plusSeconds(65));
    List<Attempt> attempts = new ArrayList<>(record.attempts());
    attempts.set(current.number() - 1, stopped);
    IdempotencyRecord next =
        record.with(new LifecycleState(status, record.attempt(), attempts)).toBuilder()
            .revision("rev-" + status + "-" + record.attempt())
            .build();
    assertTrue(store.replace(next, record.revision()));
    return record();
  }

  private static IdempotencyRecord withoutRevision(IdempotencyRecord record) {
    return record.toBuilder().revision(null).build();
  }

  private static String taskArn(int n) {
    return RecordingTaskLauncher.TASK_ARN_PREFIX + String.format("%032x", n);
  }
}
