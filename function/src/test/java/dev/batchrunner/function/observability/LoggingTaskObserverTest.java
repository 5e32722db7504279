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
import dev.batchrunner.function.observability.jsonlog.JsonLineWriter;
import dev.batchrunner.function.observability.jsonlog.JsonLoggerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one log line per task state change, as the function's JSON log writer writes it: the
 * lifecycle fields, and never the task's override environment (its values may be sensitive
 * parameters).
 */
class LoggingTaskObserverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TASK = "arn:aws:ecs:eu-west-1:123456789012:task/batch/1111";
  private static final String NEXT = "arn:aws:ecs:eu-west-1:123456789012:task/batch/2222";
  private static final String KEY = "invoice-export#" + "ab".repeat(32);
  private static final String ACCOUNT_NUMBER = "NL91ABNA0417164300";
  private static final Instant STARTED = Instant.parse("2026-11-23T02:00:05Z");
  private static final RequestSummary.Delivery FROM_SQS =
      new RequestSummary.Delivery("event-1", "message-1");

  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private LoggingTaskObserver observer;

  @BeforeEach
  void captureTheTaskLogger() {
    PrintStream out = new PrintStream(written, true, StandardCharsets.UTF_8);
    JsonLoggerFactory loggers = new JsonLoggerFactory(name -> null, JsonLineWriter.to(() -> out));
    observer = new LoggingTaskObserver(loggers.getLogger("batch-runner.task"));
  }

  @Test
  void handled_whenSucceeded_writesOneInfoLineWithTheLifecycleFields() throws Exception {
    observer.handled(
        stopped(),
        outcome(Kind.SUCCEEDED, RequestStatus.SUCCEEDED, attempt(0), null, null),
        FROM_SQS);

    JsonNode line = onlyLine();
    assertEquals("INFO", line.get("level").asText());
    assertEquals("batch-runner.task", line.get("logger").asText());
    assertEquals("batch succeeded", line.get("message").asText());
    assertEquals(TASK, line.get("taskArn").asText());
    assertEquals("STOPPED", line.get("lastStatus").asText());
    assertEquals(4, line.get("version").asLong());
    assertEquals("EssentialContainerExited", line.get("stopCode").asText());
    assertEquals("Essential container in task exited", line.get("stoppedReason").asText());
    assertEquals("event-1", line.get("eventId").asText());
    assertEquals("message-1", line.get("messageId").asText());
    assertEquals("trace-1", line.get("traceId").asText());
    assertEquals("invoice-export", line.get("batchTypeId").asText());
    assertEquals(KEY, line.get("idempotencyKey").asText());
    assertEquals("SUCCEEDED", line.get("outcome").asText());
    assertEquals("SUCCEEDED", line.get("status").asText());
    assertEquals(1, line.get("attempt").asInt());
    assertEquals(0, line.get("exitCode").asInt());
    assertEquals(60_000, line.get("runTimeMs").asLong());
    assertFalse(line.has("nextTaskArn"));
    assertFalse(line.has("reason"));
  }

  @Test
  void handled_whenFailed_writesAWarningWithTheReason() throws Exception {
    observer.handled(
        stopped(),
        outcome(Kind.FAILED, RequestStatus.FAILED, attempt(1), null, "ECS refused RunTask: no"),
        FROM_SQS);

    JsonNode line = onlyLine();
    assertEquals("WARN", line.get("level").asText());
    assertEquals("FAILED", line.get("outcome").asText());
    assertEquals("ECS refused RunTask: no", line.get("reason").asText());
    assertEquals("batch failed: ECS refused RunTask: no", line.get("message").asText());
  }

  @Test
  void handled_whenRetried_namesTheNextTask() throws Exception {
    observer.handled(
        stopped(),
        outcome(Kind.RETRIED, RequestStatus.DISPATCHED, attempt(137), NEXT, null),
        new RequestSummary.Delivery("event-1", null));

    JsonNode line = onlyLine();
    assertEquals("RETRIED", line.get("outcome").asText());
    assertEquals(NEXT, line.get("nextTaskArn").asText());
    assertEquals(137, line.get("exitCode").asInt());
    assertFalse(line.has("messageId"), "not from SQS");
  }

  @Test
  void handled_whenIgnoredWithoutARecord_logsTheReasonAndNoRecordFields() throws Exception {
    observer.handled(stopped(), TaskEventOutcome.ignored(TASK, KEY, "no record " + KEY), FROM_SQS);

    JsonNode line = onlyLine();
    assertEquals("INFO", line.get("level").asText());
    assertEquals("IGNORED", line.get("outcome").asText());
    assertEquals("task state change ignored: no record " + KEY, line.get("message").asText());
    assertFalse(line.has("status"));
    assertFalse(line.has("attempt"));
  }

  @Test
  void handled_forEveryOutcome_neverLogsAnOverrideEnvironmentValue() throws Exception {
    for (Kind kind : Kind.values()) {
      written.reset();

      observer.handled(
          stopped(), outcome(kind, RequestStatus.RUNNING, attempt(0), NEXT, "why"), FROM_SQS);

      String line = text();
      assertFalse(line.contains(ACCOUNT_NUMBER), kind + ": " + line);
      assertFalse(line.contains("ACCOUNT_NUMBER"), kind + ": " + line);
    }
  }

  @Test
  void failed_writesAWarningWithTheFailureReasonAndNoOverrideValue() throws Exception {
    observer.failed(
        stopped(),
        new DispatchFailedException(
            "attempt 2 of " + KEY + ": ECS did not start the task: throttled",
            FailureReason.ECS_TRANSIENT,
            null),
        FROM_SQS);

    JsonNode line = onlyLine();
    assertEquals("WARN", line.get("level").asText());
    assertEquals("ERROR", line.get("outcome").asText());
    assertEquals("ECS_TRANSIENT", line.get("failureReason").asText());
    assertEquals(KEY, line.get("idempotencyKey").asText());
    assertEquals(TASK, line.get("taskArn").asText());
    assertFalse(text().contains(ACCOUNT_NUMBER));
  }

  private JsonNode onlyLine() throws Exception {
    String text = text();
    assertEquals(1, text.split("\n").length, "one line: " + text);
    assertTrue(text.endsWith("\n"), text);
    return JSON.readTree(text);
  }

  private String text() {
    return written.toString(StandardCharsets.UTF_8);
  }

  private static Attempt attempt(int exitCode) {
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
        STARTED.plusSeconds(60));
  }

  private static TaskEventOutcome outcome(
      Kind kind, RequestStatus status, Attempt attempt, String next, String reason) {
    return new TaskEventOutcome(
        kind, TASK, "invoice-export", KEY, "trace-1", status, attempt, next, reason);
  }

  /** A STOPPED event of a task whose overrides carry a sensitive parameter's value. */
  private static TaskStateChange stopped() {
    return new TaskStateChange(
        new TaskStateChange.Task(
            TASK,
            "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
            null,
            4,
            "batch-runner",
            null),
        new TaskStateChange.Status(
            "STOPPED", "STOPPED", "EssentialContainerExited", "Essential container in task exited"),
        new TaskStateChange.Times(null, STARTED, null, STARTED.plusSeconds(60)),
        List.of(new TaskStateChange.Container("exporter", "STOPPED", 0, null)),
        List.of(
            new TaskStateChange.EnvironmentOverride(
                "exporter",
                Map.of(
                    "IDEMPOTENCY_KEY",
                    KEY,
                    "TRACE_ID",
                    "trace-1",
                    "CUSTOMER_ID",
                    "C1234567",
                    "ACCOUNT_NUMBER",
                    ACCOUNT_NUMBER))));
  }
}
