package dev.batchrunner.function.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskEventOutcome.Kind;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.function.event.RequestSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Task* metrics: one EMF line per attempt that ended, nothing for an event that ended none. */
class EmfTaskMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-23T02:10:00Z");
  private static final Instant STARTED = Instant.parse("2026-11-23T02:00:05Z");
  private static final String TASK = "arn:aws:ecs:eu-west-1:123456789012:task/batch/1111";
  private static final String NEXT = "arn:aws:ecs:eu-west-1:123456789012:task/batch/2222";
  private static final String KEY = "nightly-cleanup#" + "ab".repeat(32);
  private static final RequestSummary.Delivery DELIVERY =
      new RequestSummary.Delivery("event-1", null);

  private final List<String> lines = new ArrayList<>();
  private final EmfTaskMetrics metrics =
      new EmfTaskMetrics("BatchRunner", lines::add, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void handled_whenSucceeded_writesTaskSucceededAndTaskRunTimeByBatchTypeAndInTotal()
      throws Exception {
    metrics.handled(
        change(), outcome(Kind.SUCCEEDED, RequestStatus.SUCCEEDED, ran(0), null), DELIVERY);

    assertEquals(1, lines.size());
    assertFalse(lines.get(0).contains("\n"), "one line");
    assertEquals(
        JSON.readTree(
            """
            {"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"BatchRunner",
              "Dimensions":[["BatchTypeId"],[]],
              "Metrics":[{"Name":"TaskSucceeded","Unit":"Count"},
                         {"Name":"TaskRunTime","Unit":"Milliseconds"}]}]},
             "BatchTypeId":"nightly-cleanup","TaskSucceeded":1,"TaskRunTime":590000,
             "traceId":"trace-1","taskArn":"%s"}
            """
                .formatted(NOW.toEpochMilli(), TASK)),
        JSON.readTree(lines.get(0)));
  }

  @Test
  void handled_whenFailedAfterRunning_writesTaskFailedWithItsRunTime() throws Exception {
    metrics.handled(change(), outcome(Kind.FAILED, RequestStatus.FAILED, ran(1), null), DELIVERY);

    JsonNode emf = JSON.readTree(lines.get(0));
    assertEquals("TaskFailed", emf.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText());
    assertEquals(1, emf.get("TaskFailed").asInt());
    assertEquals(590_000, emf.get("TaskRunTime").asLong());
    assertEquals(
        JSON.readTree("[[\"BatchTypeId\"],[]]"), emf.at("/_aws/CloudWatchMetrics/0/Dimensions"));
  }

  @Test
  void handled_whenTheTaskNeverRan_writesNoTaskRunTime() throws Exception {
    Attempt neverStarted =
        new Attempt(
            1,
            TASK,
            "STOPPED",
            3,
            null,
            "TaskFailedToStart",
            "CannotPullContainerError",
            null,
            null,
            NOW);

    metrics.handled(
        change(), outcome(Kind.FAILED, RequestStatus.FAILED, neverStarted, null), DELIVERY);

    JsonNode emf = JSON.readTree(lines.get(0));
    assertEquals(1, emf.get("TaskFailed").asInt());
    assertFalse(emf.has("TaskRunTime"));
    assertEquals(
        JSON.readTree("[{\"Name\":\"TaskFailed\",\"Unit\":\"Count\"}]"),
        emf.at("/_aws/CloudWatchMetrics/0/Metrics"),
        "no TaskRunTime declared without its value");
  }

  @Test
  void handled_whenRetried_writesTaskRetriedWithTheFailedAttemptsRunTime() throws Exception {
    metrics.handled(
        change(), outcome(Kind.RETRIED, RequestStatus.DISPATCHED, ran(137), NEXT), DELIVERY);

    JsonNode emf = JSON.readTree(lines.get(0));
    assertEquals("TaskRetried", emf.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText());
    assertEquals(1, emf.get("TaskRetried").asInt());
    assertEquals(590_000, emf.get("TaskRunTime").asLong());
    assertEquals("nightly-cleanup", emf.get("BatchTypeId").asText());
  }

  @Test
  void handled_whenTheEventEndedNoAttempt_writesNothing() {
    EnumSet<Kind> ending = EnumSet.of(Kind.SUCCEEDED, Kind.FAILED, Kind.RETRIED, Kind.ANNOUNCED);
    for (Kind kind : Kind.values()) {
      lines.clear();

      metrics.handled(change(), outcome(kind, RequestStatus.RUNNING, ran(0), null), DELIVERY);

      assertEquals(ending.contains(kind) ? 1 : 0, lines.size(), kind + ": " + lines);
    }
  }

  @Test
  void handled_whenALateCompletionIsAnnounced_countsTheEndItsFailedDeliveryDidNot()
      throws Exception {
    metrics.handled(
        change(), outcome(Kind.ANNOUNCED, RequestStatus.FAILED, ran(1), null), DELIVERY);
    metrics.handled(
        change(), outcome(Kind.ANNOUNCED, RequestStatus.SUCCEEDED, ran(0), null), DELIVERY);

    assertEquals(2, lines.size(), lines.toString());
    assertEquals(1, JSON.readTree(lines.get(0)).get("TaskFailed").asInt());
    assertEquals(1, JSON.readTree(lines.get(1)).get("TaskSucceeded").asInt());
  }

  @Test
  void handled_whenNoTraceIdIsKnown_leavesTheFieldOut() throws Exception {
    TaskEventOutcome noTrace =
        new TaskEventOutcome(
            Kind.SUCCEEDED,
            TASK,
            "nightly-cleanup",
            KEY,
            null,
            RequestStatus.SUCCEEDED,
            ran(0),
            null,
            null);

    metrics.handled(change(), noTrace, DELIVERY);

    assertFalse(JSON.readTree(lines.get(0)).has("traceId"));
  }

  @Test
  void failed_writesNothing_theRedeliveryIsCountedWhenApplied() {
    metrics.failed(
        change(),
        new DispatchFailedException("throttled", FailureReason.ECS_TRANSIENT, null),
        DELIVERY);

    assertTrue(lines.isEmpty());
  }

  private static Attempt ran(Integer exitCode) {
    return new Attempt(
        1,
        TASK,
        "STOPPED",
        4,
        exitCode,
        "EssentialContainerExited",
        "Essential container in task exited",
        null,
        STARTED,
        NOW.minusSeconds(5));
  }

  private static TaskEventOutcome outcome(
      Kind kind, RequestStatus status, Attempt attempt, String next) {
    return new TaskEventOutcome(
        kind, TASK, "nightly-cleanup", KEY, "trace-1", status, attempt, next, null);
  }

  private static TaskStateChange change() {
    return new TaskStateChange(
        new TaskStateChange.Task(
            TASK,
            "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
            null,
            4,
            "batch-runner",
            null),
        new TaskStateChange.Status("STOPPED", "STOPPED", "EssentialContainerExited", null),
        new TaskStateChange.Times(null, STARTED, null, NOW.minusSeconds(5)),
        List.of(new TaskStateChange.Container("app", "STOPPED", 0, null)),
        List.of(
            new TaskStateChange.EnvironmentOverride(
                "app", Map.of("IDEMPOTENCY_KEY", KEY, "TRACE_ID", "trace-1"))));
  }
}
