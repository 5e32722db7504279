package dev.batchrunner.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.lifecycle.TaskStateChange.Container;
import dev.batchrunner.core.lifecycle.TaskStateChange.EnvironmentOverride;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskStateChangeTest {
  private static final String KEY = "daily-report#" + "ab".repeat(32);

  @Test
  void exitCode_whenTheAppFailedAndItsSidecarExited0_isTheNamedContainersCode() {
    TaskStateChange change =
        stopped(
            List.of(
                new Container("log-router", "STOPPED", 0, null),
                new Container("app", "STOPPED", 1, null)),
            ours());

    assertEquals(1, change.exitCode("app"));
    assertEquals(0, change.exitCode("log-router"));
  }

  @Test
  void exitCode_whenTheContainerNeverRanOrIsNotInTheEvent_isNull() {
    TaskStateChange change =
        stopped(List.of(new Container("app", "STOPPED", null, "CannotPullContainerError")), ours());

    assertNull(change.exitCode("app"));
    assertNull(change.exitCode("exporter"));
    assertNull(change.container("exporter"));
    assertEquals("CannotPullContainerError", change.container("app").reason());
  }

  @Test
  void idempotencyKey_whenSetInAnyContainerOverride_isFoundThere() {
    TaskStateChange change =
        stopped(
            List.of(),
            List.of(
                new EnvironmentOverride("log-router", Map.of("LOG_LEVEL", "info")),
                new EnvironmentOverride(
                    "app", Map.of("IDEMPOTENCY_KEY", KEY, "TRACE_ID", "trace-1"))));

    assertEquals(KEY, change.idempotencyKey());
    assertEquals("trace-1", change.environment("TRACE_ID"));
    assertNull(change.environment("NOT_SET"));
  }

  @Test
  void idempotencyKey_whenNoOverrideSetsIt_isNull() {
    TaskStateChange change =
        stopped(List.of(), List.of(new EnvironmentOverride("web", Map.of()), nameless()));

    assertNull(change.idempotencyKey());
  }

  @Test
  void startedByBatchRunner_isTrueOnlyForBatchRunnersExactStartedBy() {
    assertTrue(withStartedBy("batch-runner").startedByBatchRunner());
    assertFalse(withStartedBy("ecs-svc/4718293065172839405").startedByBatchRunner());
    assertFalse(withStartedBy("Batch-Runner").startedByBatchRunner());
    assertFalse(withStartedBy(null).startedByBatchRunner());
  }

  @Test
  void isStopped_isTrueOnlyOnceLastStatusIsStopped() {
    TaskStateChange notice =
        change(
            new TaskStateChange.Status(
                "RUNNING", "STOPPED", "TerminationNotice", "Your Spot Task was interrupted."),
            "batch-runner",
            List.of(),
            ours());

    assertFalse(notice.isStopped(), "desiredStatus STOPPED is not stopped yet");
    assertTrue(stopped(List.of(), ours()).isStopped());
  }

  @Test
  void toString_whenOverridesCarryValues_showsTheirNamesOnly() {
    TaskStateChange change =
        stopped(
            List.of(),
            List.of(
                new EnvironmentOverride(
                    "exporter", Map.of("ACCOUNT_NUMBER", "DE89370400440532013000"))));

    assertFalse(change.toString().contains("DE89370400440532013000"), change.toString());
    assertTrue(change.toString().contains("ACCOUNT_NUMBER"), change.toString());
  }

  @Test
  void constructor_copiesItsListsAndMapsAndKeepsEnvironmentOrder() {
    List<Container> containers =
        new ArrayList<>(List.of(new Container("app", "RUNNING", null, null)));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TRACE_ID", "t");
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("IDEMPOTENCY_KEY", KEY);
    TaskStateChange change = stopped(containers, List.of(new EnvironmentOverride("app", env)));
    containers.clear();
    env.clear();

    assertEquals(1, change.containers().size());
    assertEquals(
        List.of("TRACE_ID", "BATCH_TYPE_ID", "IDEMPOTENCY_KEY"),
        List.copyOf(change.overrides().get(0).environment().keySet()));
    assertThrows(
        UnsupportedOperationException.class,
        () -> change.overrides().get(0).environment().put("X", "y"));
  }

  // --- helpers --------------------------------------------------------------------------------

  private static List<EnvironmentOverride> ours() {
    return List.of(new EnvironmentOverride("app", Map.of("IDEMPOTENCY_KEY", KEY)));
  }

  private static EnvironmentOverride nameless() {
    return new EnvironmentOverride(null, Map.of());
  }

  private static TaskStateChange withStartedBy(String startedBy) {
    return change(
        new TaskStateChange.Status("RUNNING", "RUNNING", null, null), startedBy, List.of(), ours());
  }

  private static TaskStateChange stopped(
      List<Container> containers, List<EnvironmentOverride> overrides) {
    return change(
        new TaskStateChange.Status(
            "STOPPED", "STOPPED", "EssentialContainerExited", "Essential container in task exited"),
        "batch-runner",
        containers,
        overrides);
  }

  private static TaskStateChange change(
      TaskStateChange.Status status,
      String startedBy,
      List<Container> containers,
      List<EnvironmentOverride> overrides) {
    return new TaskStateChange(
        new TaskStateChange.Task(
            "arn:aws:ecs:eu-west-1:123456789012:task/batch/0d9e8f7a",
            "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:3",
            5,
            startedBy,
            "family:daily-report"),
        status,
        new TaskStateChange.Times(
            Instant.parse("2026-11-23T02:00:01Z"),
            null,
            null,
            Instant.parse("2026-11-23T02:03:12Z")),
        containers,
        overrides);
  }
}
