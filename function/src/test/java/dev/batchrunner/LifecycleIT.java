package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The task lifecycle through the real SDK over HTTP: DynamoDB Local holds the records, the WireMock
 * ECS stub starts the tasks and writes their "ECS Task State Change" events, and the function's one
 * processor handles both the requests and the events, as EventBridge would deliver them.
 */
class LifecycleIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Ahead of the real clock, so DynamoDB Local's TTL job leaves the records alone.
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");
  private static final byte[] REPORT = Fixtures.event("monolith-put-events.json");
  private static final byte[] CLEANUP = Fixtures.event("scheduler-nightly-tick.json");

  private final MutableClock clock = new MutableClock(START);
  private String table;
  private EventProcessor function;

  @BeforeEach
  void freshState() {
    ecs.reset();
    ecs.useClock(clock);
    table = newTable("life");
    function = processor(Processors.catalog());
  }

  @Test
  void failedThenResent_runsAttempt2WithItsOwnToken_andADuplicateThenSeesSucceeded() {
    JsonNode first = process(REPORT);
    assertEquals("DISPATCHED", first.get("outcome").asText());
    String task1 = first.at("/taskArns/0").asText();

    assertEquals("UPDATED", deliver(ecs.run(task1).taskArn()).get("outcome").asText());
    assertEquals("RUNNING", record().get("status").s());
    clock.advance(Duration.ofMinutes(3));
    ecs.stop(task1, Map.of("app", 1), "EssentialContainerExited", "Essential container exited");
    JsonNode failed = deliver(task1);
    assertEquals("FAILED", failed.get("outcome").asText());
    assertEquals(1, failed.get("exitCode").asInt());
    assertEquals("FAILED", record().get("status").s());

    JsonNode rerun = process(REPORT);
    assertEquals("DISPATCHED", rerun.get("outcome").asText(), rerun.toString());
    assertEquals(2, rerun.get("attempt").asInt());
    String task2 = rerun.at("/taskArns/0").asText();
    assertNotEquals(task1, task2, "a new task, not ECS's answer for the old token");
    String keyHash = record().get("id").s().split("#")[1];
    assertEquals(keyHash, ecs.task(task1).clientToken(), "attempt 1 keeps the key's hash");
    assertEquals(IdempotencyKey.clientToken(keyHash, 2), ecs.task(task2).clientToken());

    deliver(ecs.run(task2).taskArn());
    clock.advance(Duration.ofMinutes(4));
    ecs.stop(task2, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    assertEquals("SUCCEEDED", deliver(task2).get("outcome").asText());

    JsonNode duplicate = process(REPORT);
    assertEquals("DUPLICATE", duplicate.get("outcome").asText());
    assertEquals("SUCCEEDED", duplicate.get("status").asText());
    assertEquals(2, duplicate.get("attempt").asInt());
    assertEquals(0, duplicate.get("exitCode").asInt());
    assertEquals(2, ecs.tasksStarted());

    Map<String, AttributeValue> record = record();
    assertEquals("SUCCEEDED", record.get("status").s());
    assertEquals("2", record.get("attempt").n());
    List<AttributeValue> attempts = record.get("attempts").l();
    assertEquals(2, attempts.size());
    assertEquals(task1, attempts.get(0).m().get("taskArn").s());
    assertEquals("1", attempts.get(0).m().get("exitCode").n());
    assertEquals("STOPPED", attempts.get(0).m().get("lastStatus").s());
    assertEquals(task2, attempts.get(1).m().get("taskArn").s());
    assertEquals("0", attempts.get(1).m().get("exitCode").n());
    assertEquals(
        List.of(task1, task2), record.get("taskArns").l().stream().map(AttributeValue::s).toList());
    // What a new attempt needs: the resolved parameters (defaults included).
    assertEquals("acme", record.get("parameters").m().get("tenant").s());
    assertEquals("2026-11-22", record.get("parameters").m().get("reportDate").s());
  }

  @Test
  void repeatedAndOutOfOrderEvents_neverMoveTheRecordBack() {
    String task = process(REPORT).at("/taskArns/0").asText();
    String running = ecs.stateChangeEvent(ecs.run(task).taskArn());
    clock.advance(Duration.ofMinutes(2));
    ecs.stop(task, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    String stopped = ecs.stateChangeEvent(task);

    // STOPPED first: the request is done.
    assertEquals("SUCCEEDED", process(stopped).get("outcome").asText());
    // Then the older RUNNING, and STOPPED again: nothing changes.
    JsonNode late = process(running);
    assertEquals("IGNORED", late.get("outcome").asText());
    assertEquals("SUCCEEDED", late.get("status").asText());
    JsonNode again = process(stopped);
    assertEquals("IGNORED", again.get("outcome").asText());
    assertTrue(again.get("reason").asText().contains("not after the applied"), again.toString());
    assertEquals("SUCCEEDED", record().get("status").s());
    assertEquals("STOPPED", record().get("attempts").l().get(0).m().get("lastStatus").s());
  }

  @Test
  void aSidecarsExitCode_doesNotDecide_theCatalogsContainerDoes() {
    ecs.sidecars("log-router");
    String task = process(REPORT).at("/taskArns/0").asText();
    ecs.run(task);
    ecs.stop(
        task,
        Map.of("app", 0, "log-router", 1),
        "EssentialContainerExited",
        "Essential container exited");

    assertEquals("SUCCEEDED", deliver(task).get("outcome").asText());
  }

  @Test
  void aTaskThatNeverStarted_isFailedWithItsReasonAndNoExitCode() {
    String task = process(REPORT).at("/taskArns/0").asText();
    ecs.stop(
        task,
        Map.of(),
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth");

    JsonNode answer = deliver(task);

    assertEquals("FAILED", answer.get("outcome").asText());
    assertFalse(answer.has("exitCode"));
    Map<String, AttributeValue> attempt = record().get("attempts").l().get(0).m();
    assertEquals("TaskFailedToStart", attempt.get("stopCode").s());
    assertTrue(attempt.get("stoppedReason").s().startsWith("ResourceInitializationError"));
    assertFalse(attempt.containsKey("exitCode"));
  }

  @Test
  void rerunFailedFalse_answersDuplicateWithFailed_andStartsNothing() {
    function = processor(catalogWith("\"rerunFailed\": false"));
    String task = process(REPORT).at("/taskArns/0").asText();
    ecs.run(task);
    ecs.stop(task, Map.of("app", 2), "EssentialContainerExited", "Essential container exited");
    assertEquals("FAILED", deliver(task).get("outcome").asText());

    JsonNode resent = process(REPORT);

    assertEquals("DUPLICATE", resent.get("outcome").asText());
    assertEquals("FAILED", resent.get("status").asText());
    assertEquals(2, resent.get("exitCode").asInt());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void aRetryableFailure_startsTheNextAttemptAtOnce_andItsRedeliveryStartsNoOther() {
    String task1 = process(CLEANUP).at("/taskArns/0").asText();
    ecs.run(task1);
    clock.advance(Duration.ofMinutes(1));
    ecs.stop(task1, Map.of("app", 137), "EssentialContainerExited", "OutOfMemoryError");

    JsonNode retried = deliver(task1);
    assertEquals("RETRIED", retried.get("outcome").asText(), retried.toString());
    String task2 = retried.get("nextTaskArn").asText();
    assertEquals(2, ecs.tasksStarted());
    assertEquals("DISPATCHED", record().get("status").s());
    assertEquals("2", record().get("attempt").n());
    // The next attempt carries the same request: parameters and key.
    assertEquals(
        ecs.task(task1).environment("app", "SCHEDULED_TIME"),
        ecs.task(task2).environment("app", "SCHEDULED_TIME"));
    assertEquals(
        ecs.task(task1).environment("app", "IDEMPOTENCY_KEY"),
        ecs.task(task2).environment("app", "IDEMPOTENCY_KEY"));

    JsonNode redelivered = deliver(task1);
    assertEquals("IGNORED", redelivered.get("outcome").asText());
    assertEquals(2, ecs.tasksStarted());

    ecs.run(task2);
    ecs.stop(task2, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    assertEquals("SUCCEEDED", deliver(task2).get("outcome").asText());
  }

  @Test
  void anExitRule_endsTheRequestFailedWithoutRetry() {
    String task = process(CLEANUP).at("/taskArns/0").asText();
    ecs.run(task);
    // Exit code 3: no RETRY rule matches it, and the EXIT rule matches every stoppedReason.
    ecs.stop(task, Map.of("app", 3), "EssentialContainerExited", "Essential container exited");

    assertEquals("FAILED", deliver(task).get("outcome").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void theRetrysRunTaskFailingTransiently_isRetriedByTheRedeliveredStoppedEvent() {
    String task1 = process(CLEANUP).at("/taskArns/0").asText();
    ecs.run(task1);
    ecs.stop(task1, Map.of(), "SpotInterruption", "Your Spot Task was interrupted.");
    AtomicInteger failures = new AtomicInteger(1);
    EventProcessor throttled =
        Processors.processor(
            dynamo.endpoint(),
            table,
            ecs.endpoint(),
            clock,
            summary -> {},
            Processors.catalog(),
            UnaryOperator.identity(),
            real ->
                launch -> {
                  if (failures.getAndDecrement() > 0) {
                    throw new TaskLaunchException("ThrottlingException: Rate exceeded", true, null);
                  }
                  return real.launch(launch);
                });

    DispatchFailedException failure =
        assertThrows(DispatchFailedException.class, () -> deliverTo(throttled, task1));
    assertEquals(FailureReason.ECS_TRANSIENT, failure.reason());
    assertEquals(1, ecs.tasksStarted());
    assertEquals("DISPATCHED", record().get("status").s(), "put back as before the STOPPED event");

    JsonNode redelivered = deliver(task1);
    assertEquals("RETRIED", redelivered.get("outcome").asText(), redelivered.toString());
    assertEquals(2, ecs.tasksStarted());
  }

  @Test
  void theRetrysRunTaskRefused_endsTheRequestFailedWithTheReason() {
    String task1 = process(CLEANUP).at("/taskArns/0").asText();
    ecs.run(task1);
    ecs.stop(task1, Map.of(), "SpotInterruption", "Your Spot Task was interrupted.");
    ecs.scriptError(400, "ClientException", "TaskDefinition is inactive");

    JsonNode answer = deliver(task1);

    assertEquals("FAILED", answer.get("outcome").asText(), answer.toString());
    assertTrue(answer.get("reason").asText().contains("TaskDefinition is inactive"));
    assertEquals("FAILED", record().get("status").s());
    assertEquals("2", record().get("attempt").n());
  }

  @Test
  void aForeignTask_isAnsweredWithoutErrorAndChangesNothing() {
    process(REPORT);
    Map<String, AttributeValue> before = record();

    JsonNode answer = process(Fixtures.event("task-state-change/not-ours.json"));

    assertEquals("IGNORED", answer.get("outcome").asText());
    assertEquals(before, record());
  }

  @Test
  void anEventOfATaskWithAForgedKey_isIgnored() {
    String task = process(REPORT).at("/taskArns/0").asText();
    ObjectNode event = (ObjectNode) tree(ecs.stateChangeEvent(ecs.run(task).taskArn()));
    ((ObjectNode) event.at("/detail")).put("taskArn", task + "-other");
    ((ObjectNode) event.at("/detail")).put("version", 99);

    JsonNode answer = process(event.toString());

    assertEquals("IGNORED", answer.get("outcome").asText());
    assertEquals("DISPATCHED", record().get("status").s(), "an unknown task is not adopted");
  }

  @Test
  void aTaskEventInSqs_isAppliedAndNotReportedAsAFailure() {
    String task = process(REPORT).at("/taskArns/0").asText();
    ecs.run(task);
    ecs.stop(task, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    String sqs =
        "{\"Records\":[{\"messageId\":\"m-1\",\"body\":"
            + JSON.valueToTree(ecs.stateChangeEvent(task)).toString()
            + "}]}";

    JsonNode answer = process(sqs);

    assertEquals(0, answer.get("batchItemFailures").size(), answer.toString());
    assertEquals("SUCCEEDED", record().get("status").s());
  }

  // --- helpers -------------------------------------------------------------------------------

  private EventProcessor processor(BatchCatalog catalog) {
    return Processors.processor(
        dynamo.endpoint(),
        table,
        ecs.endpoint(),
        clock,
        summary -> {},
        catalog,
        UnaryOperator.identity(),
        UnaryOperator.identity());
  }

  /** The tests' catalog with {@code field} added to daily-report. */
  private static BatchCatalog catalogWith(String field) {
    String text =
        new String(Fixtures.catalog(), StandardCharsets.UTF_8)
            .replaceFirst("\"daily-report\"\\s*:\\s*\\{", "\"daily-report\": {" + field + ",");
    return CatalogLoader.parse(
        "catalog.json", text.getBytes(StandardCharsets.UTF_8), Fixtures.CATALOG_ENV);
  }

  private Map<String, AttributeValue> record() {
    return onlyRecord(table);
  }

  private JsonNode deliver(String taskArn) {
    return deliverTo(function, taskArn);
  }

  private static JsonNode deliverTo(EventProcessor processor, String taskArn) {
    return tree(
        new String(
            processor.process(
                ecs.stateChangeEvent(taskArn).getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(30)),
            StandardCharsets.UTF_8));
  }

  private JsonNode process(byte[] event) {
    return tree(
        new String(function.process(event, Duration.ofSeconds(30)), StandardCharsets.UTF_8));
  }

  private JsonNode process(String event) {
    return process(event.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
