package dev.batchrunner.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.TaskEventOutcome.Kind;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.lifecycle.TaskStateChange.Container;
import dev.batchrunner.core.lifecycle.TaskStateChange.EnvironmentOverride;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The task lifecycle of tasks an EcsDirect rule started: matched to the record their guard claimed
 * by the key of the request in their environment, followed only when the record lists them (never
 * adopted), and from there exactly as batch-runner's own tasks. The records are claimed the way the
 * guard claims them: the real {@link BatchDispatcher} over the request read back from the
 * environment, with a launcher that starts nothing and answers with the guard's own task.
 */
class TaskFollowerEcsDirectTest {
  private static final BatchCatalog CATALOG =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");
  private static final String CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/batch";
  private static final String RULE = "events-rule/batch-runner-DailyReportRule-1X2Y3Z";
  private static final Duration REMAINING = Duration.ofMinutes(1);
  private static final String FIRST = RecordingTaskLauncher.TASK_ARN_PREFIX + "d1".repeat(16);
  private static final String SECOND = RecordingTaskLauncher.TASK_ARN_PREFIX + "d2".repeat(16);

  private final MutableClock clock = new MutableClock(START);
  private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
  private final RecordingTaskLauncher launcher = new RecordingTaskLauncher();
  private final List<Completion> completions = new ArrayList<>();
  private final AtomicInteger idCounter = new AtomicInteger();
  private final Supplier<String> ids = () -> "id-" + idCounter.incrementAndGet();
  private final TaskFollower follower =
      new TaskFollower(CATALOG, store, launcher, completions::add, clock, ids);

  @Test
  void follow_whenTheGuardClaimedTheRecord_itsTaskRunsAndSucceeds() {
    Map<String, String> env = reportEnvironment();
    String key = claimAsGuard(env, FIRST);

    TaskEventOutcome running = follower.follow(change(FIRST, env, 3, "RUNNING", null), REMAINING);
    TaskEventOutcome stopped = follower.follow(change(FIRST, env, 5, "STOPPED", 0), REMAINING);

    assertEquals(Kind.UPDATED, running.kind(), running.toString());
    assertEquals(key, running.idempotencyKey());
    assertEquals("trace-1", running.traceId());
    assertEquals(Kind.SUCCEEDED, stopped.kind(), stopped.toString());
    IdempotencyRecord record = store.get(key).orElseThrow();
    assertEquals(RequestStatus.SUCCEEDED, record.status());
    assertEquals(FIRST, record.current().taskArn());
    assertEquals(0, record.current().exitCode(), "the catalog's container, not the guard's");
    assertEquals(1, completions.size());
    assertEquals(FIRST, completions.get(0).taskArn());
    assertEquals(0, launcher.count(), "nothing launched: EventBridge started the task");
  }

  @Test
  void follow_whenTheAppFailsAfterTheGuardWentAhead_isFailedWithTheAppsExitCode() {
    Map<String, String> env = reportEnvironment();
    String key = claimAsGuard(env, FIRST);

    TaskEventOutcome stopped = follower.follow(change(FIRST, env, 5, "STOPPED", 3), REMAINING);

    assertEquals(Kind.FAILED, stopped.kind(), stopped.toString());
    assertEquals(3, store.get(key).orElseThrow().current().exitCode());
  }

  @Test
  void follow_whenADuplicatesTaskStops_isIgnoredSayingItIsNeverAdopted_andChangesNothing() {
    Map<String, String> env = reportEnvironment();
    String key = claimAsGuard(env, FIRST);
    follower.follow(change(FIRST, env, 3, "RUNNING", null), REMAINING);
    List<IdempotencyRecord> before = store.all();

    // The duplicate's guard exited 10: its app never ran and ECS stopped it with 143.
    TaskEventOutcome outcome = follower.follow(duplicateStopped(SECOND, env), REMAINING);

    assertEquals(Kind.IGNORED, outcome.kind(), outcome.toString());
    assertTrue(outcome.reason().contains("never adopted"), outcome.reason());
    assertEquals(key, outcome.idempotencyKey());
    assertEquals(before, store.all());
    assertEquals(RequestStatus.RUNNING, store.get(key).orElseThrow().status());
    assertEquals(List.of(), completions);
  }

  @Test
  void follow_whenTheGuardsClaimIsNotRecordedYet_theTaskIsNotAdopted() {
    // A guard that claimed (IN_PROGRESS) and died before recording its task.
    Map<String, String> env = reportEnvironment();
    TaskLauncher dies =
        launch -> {
          throw new IllegalStateException("the guard died after its claim");
        };
    BatchDispatcher guard = new BatchDispatcher(CATALOG, store, dies, clock, ids);
    Resolution resolution = EnvironmentRequest.resolve(resolver(), env, () -> "unused");
    try {
      guard.dispatch(resolution, REMAINING);
    } catch (IllegalStateException expected) {
      // as above
    }
    IdempotencyRecord claimed = store.all().get(0);
    assertEquals(RequestStatus.IN_PROGRESS, claimed.status());

    TaskEventOutcome outcome = follower.follow(change(FIRST, env, 3, "RUNNING", null), REMAINING);

    assertEquals(Kind.IGNORED, outcome.kind());
    assertTrue(outcome.reason().contains("never adopted"), outcome.reason());
    assertEquals(List.of(claimed), store.all());
  }

  @Test
  void follow_whenTheRequestInTheEnvironmentIsInvalid_isIgnoredNamingTheField() {
    Map<String, String> env = reportEnvironment();
    env.put("REPORT_DATE", "yesterday");

    TaskEventOutcome outcome = follower.follow(duplicateStopped(FIRST, env), REMAINING);

    assertEquals(Kind.IGNORED, outcome.kind());
    assertTrue(outcome.reason().contains("parameters.reportDate"), outcome.reason());
    assertTrue(outcome.reason().contains("exited 2"), outcome.reason());
    assertNull(outcome.idempotencyKey());
    assertEquals(List.of(), store.all());
  }

  @Test
  void follow_whenNoGuardClaimedAnything_isIgnoredAsNoRecord() {
    TaskEventOutcome outcome =
        follower.follow(change(FIRST, reportEnvironment(), 3, "RUNNING", null), REMAINING);

    assertEquals(Kind.IGNORED, outcome.kind());
    assertTrue(outcome.reason().startsWith("no record daily-report#"), outcome.reason());
  }

  @Test
  void follow_whenAnEcsDirectTaskFailsWithARetryLeft_startsTheNextAttemptAsBatchRunnerTask() {
    Map<String, String> env = new HashMap<>();
    env.put("BATCH_TYPE_ID", "nightly-cleanup");
    env.put("TRACE_ID", "");
    env.put("BATCH_RUNNER_EVENT_ID", "tick-1");
    env.put("SCHEDULED_TIME", "2026-11-23T02:00:00Z");
    env.put("RETENTION_DAYS", "");
    String key = claimAsGuard(env, FIRST);

    TaskEventOutcome outcome = follower.follow(change(FIRST, env, 5, "STOPPED", 137), REMAINING);

    assertEquals(Kind.RETRIED, outcome.kind(), outcome.toString());
    IdempotencyRecord record = store.get(key).orElseThrow();
    assertEquals(2, record.attempt());
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals("tick-1", record.traceId(), "the envelope id stood in for the trace id");
    TaskLaunch next = launcher.launches().get(0);
    assertEquals(key, next.container().environment().get("IDEMPOTENCY_KEY"));
    assertEquals("30", next.container().environment().get("RETENTION_DAYS"));
    assertEquals("batch-runner", next.startedBy());
  }

  @Test
  void startedByEcsDirectRule_needsTheRulesStartedByTheBatchTypeAndNoKey() {
    Map<String, String> env = reportEnvironment();
    Map<String, String> keyed = new HashMap<>(env);
    keyed.put("IDEMPOTENCY_KEY", "daily-report#x");

    assertTrue(change(FIRST, env, 3, "RUNNING", null).startedByEcsDirectRule());
    assertTrue(!changeStartedBy("ecs-svc/123", env).startedByEcsDirectRule());
    assertTrue(!changeStartedBy(RULE, keyed).startedByEcsDirectRule());
    Map<String, String> noType = new HashMap<>(env);
    noType.remove("BATCH_TYPE_ID");
    assertTrue(!changeStartedBy(RULE, noType).startedByEcsDirectRule());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** What the EcsDirect rule writes for daily-report 2026-11-22 (tenant not given: ""). */
  private static Map<String, String> reportEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("TRACE_ID", "trace-1");
    env.put("BATCH_RUNNER_EVENT_ID", "event-1");
    env.put("BATCH_RUNNER_REQUEST_KEY", "");
    env.put("REPORT_DATE", "2026-11-22");
    env.put("TENANT", "");
    env.put("OUTPUT_BUCKET", "acme-reports");
    return env;
  }

  private RequestResolver resolver() {
    return new RequestResolver(CATALOG);
  }

  /** The guard's claim: the record DISPATCHED with its own task; returns the record id. */
  private String claimAsGuard(Map<String, String> env, String ownTask) {
    TaskLauncher self = launch -> new LaunchResult(List.of(ownTask), false);
    BatchDispatcher guard = new BatchDispatcher(CATALOG, store, self, clock, ids);
    Resolution resolution = EnvironmentRequest.resolve(resolver(), env, () -> "unused");
    Dispatched dispatched =
        assertInstanceOf(Dispatched.class, guard.dispatch(resolution, REMAINING));
    assertEquals(List.of(ownTask), dispatched.taskArns());
    return dispatched.idempotencyKey();
  }

  private static TaskStateChange change(
      String arn, Map<String, String> env, long version, String lastStatus, Integer exitCode) {
    boolean stopped = TaskStateChange.STOPPED.equals(lastStatus);
    String app = CATALOG.find(env.get("BATCH_TYPE_ID")).orElseThrow().container().name();
    return new TaskStateChange(
        new TaskStateChange.Task(arn, CLUSTER, null, version, RULE, "family:x"),
        new TaskStateChange.Status(
            lastStatus,
            stopped ? "STOPPED" : "RUNNING",
            stopped ? "EssentialContainerExited" : null,
            stopped ? "Essential container in task exited" : null),
        times(stopped),
        List.of(
            new Container("guard", "STOPPED", 0, null),
            new Container(app, lastStatus, exitCode, null)),
        overrides(app, env));
  }

  /** A duplicate's task: its guard exited 10, ECS stopped the app it never started (143). */
  private static TaskStateChange duplicateStopped(String arn, Map<String, String> env) {
    return new TaskStateChange(
        new TaskStateChange.Task(arn, CLUSTER, null, 4, RULE, "family:daily-report"),
        new TaskStateChange.Status(
            "STOPPED", "STOPPED", "EssentialContainerExited", "Essential container in task exited"),
        new TaskStateChange.Times(START, null, null, START.plusSeconds(20)),
        List.of(
            new Container("guard", "STOPPED", 10, null),
            new Container(
                "app",
                "STOPPED",
                143,
                "CannotStartContainerError: dependency graph: failed to resolve container ordering"
                    + " dependency")),
        overrides("app", env));
  }

  private static TaskStateChange changeStartedBy(String startedBy, Map<String, String> env) {
    return new TaskStateChange(
        new TaskStateChange.Task(FIRST, CLUSTER, null, 3, startedBy, null),
        new TaskStateChange.Status("RUNNING", "RUNNING", null, null),
        times(false),
        List.of(new Container("app", "RUNNING", null, null)),
        overrides("app", env));
  }

  /** The rule sets the same list on the app container and on the guard's. */
  private static List<EnvironmentOverride> overrides(String app, Map<String, String> env) {
    return List.of(new EnvironmentOverride("guard", env), new EnvironmentOverride(app, env));
  }

  private static TaskStateChange.Times times(boolean stopped) {
    Instant started = START.plusSeconds(5);
    return new TaskStateChange.Times(
        START.plusSeconds(1), started, null, stopped ? started.plusSeconds(60) : null);
  }
}
