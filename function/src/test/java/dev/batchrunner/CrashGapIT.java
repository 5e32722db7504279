package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.CrashAfterRunTask;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EcsStub;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The crash gap README's "Guarantees" describes: ECS remembers a clientToken for 24 hours <em>or
 * until one hour after its task stopped, whichever is shorter</em>. A crash between RunTask and the
 * record update leaves the record {@code IN_PROGRESS}. The task's own state-change events close the
 * gap: its RUNNING (or STOPPED) event finds the record {@code IN_PROGRESS} and adopts the task, so
 * a redelivery however late sees the request dispatched, run and finished, and starts nothing.
 *
 * <p>What remains, pinned as honest evidence: with no state-change event at all (the stack's rule
 * deleted or disabled), a redelivery more than an hour after the task stopped starts a second task,
 * since ECS has forgotten the token.
 */
class CrashGapIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Ahead of the real clock, so DynamoDB Local's TTL job leaves the records alone (see
  // CrashRecoveryIT).
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");

  private static final Duration HOLD = Duration.ofSeconds(30);

  private final MutableClock clock = new MutableClock(START);
  private String table;

  @BeforeEach
  void freshState() {
    ecs.reset();
    // One clock for the function and for ECS's token memory.
    ecs.useClock(clock);
    table = newTable("gap");
  }

  @Test
  void process_whenTheCrashedTasksEventsArrive_theyAdoptIt_andALateRedeliveryStartsNothing() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    String firstTask = crashAfterRunTask(event);
    EventProcessor function = healthy();

    clock.advance(Duration.ofSeconds(30));
    JsonNode adopted =
        answer(function.process(bytes(ecs.stateChangeEvent(ecs.run(firstTask).taskArn())), HOLD));
    assertEquals("ADOPTED", adopted.get("outcome").asText(), adopted.toString());
    assertEquals("RUNNING", onlyRecord(table).get("status").s());
    assertEquals(firstTask, onlyRecord(table).get("taskArns").l().get(0).s());
    clock.advance(Duration.ofMinutes(5));
    ecs.stop(firstTask, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    assertEquals(
        "SUCCEEDED",
        answer(function.process(bytes(ecs.stateChangeEvent(firstTask)), HOLD))
            .get("outcome")
            .asText());

    clock.advance(EcsStub.TOKEN_MEMORY_AFTER_STOP.plusMinutes(1));
    JsonNode answer = answer(function.process(event, HOLD));

    assertEquals("DUPLICATE", answer.get("outcome").asText());
    assertEquals("SUCCEEDED", answer.get("status").asText());
    assertEquals(firstTask, answer.at("/taskArns/0").asText());
    assertEquals(1, ecs.tasksStarted(), "the batch ran once: " + ecs.startedTaskArns());
  }

  @Test
  void process_withNoTaskEventsAtAll_aRedeliveryMoreThanAnHourAfterTheTaskStoppedStartsASecond() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    String firstTask = crashAfterRunTask(event);
    finishQuickly(firstTask);

    clock.advance(EcsStub.TOKEN_MEMORY_AFTER_STOP.plusMinutes(1));
    Map<String, AttributeValue> held = onlyRecord(table);
    assertEquals("IN_PROGRESS", held.get("status").s(), "nothing recorded the first task");
    assertTrue(Long.parseLong(held.get("inProgressUntil").n()) < clock.millis(), "past its hold");

    JsonNode answer = answer(healthy().process(event, HOLD));

    // THE RESIDUAL GAP: without the rule's events, ECS has forgotten the token and the same
    // clientToken starts a new task. README "Guarantees" says so.
    assertEquals("DISPATCHED", answer.get("outcome").asText());
    String secondTask = answer.at("/taskArns/0").asText();
    assertNotEquals(firstTask, secondTask);
    assertEquals(2, ecs.tasksStarted(), "the batch runs twice: " + ecs.startedTaskArns());
    assertEquals(
        ecs.runTaskRequests().get(0).get("clientToken"),
        ecs.runTaskRequests().get(1).get("clientToken"),
        "same token both times (the takeover keeps attempt 1): only ECS's memory of it changed");
    assertEquals(secondTask, onlyRecord(table).get("taskArns").l().get(0).s());
  }

  @Test
  void process_whenRedeliveredWithinAnHourAfterTheCrashedTaskStopped_getsTheFirstTask() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    String firstTask = crashAfterRunTask(event);
    finishQuickly(firstTask);

    clock.advance(EcsStub.TOKEN_MEMORY_AFTER_STOP.minusMinutes(1));
    assertEquals("IN_PROGRESS", onlyRecord(table).get("status").s());
    JsonNode answer = answer(healthy().process(event, HOLD));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(firstTask, answer.at("/taskArns/0").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  /** Dispatches through the real pipeline and dies right after RunTask returned. */
  private String crashAfterRunTask(byte[] event) {
    EventProcessor crashing = processor(CrashAfterRunTask::crashOnUpdate);
    assertThrows(
        CrashAfterRunTask.Crash.class, () -> crashing.process(event, Duration.ofSeconds(30)));
    assertEquals(1, ecs.tasksStarted());
    return ecs.startedTaskArns().get(0);
  }

  /** A short batch: it runs for five minutes and exits 0. */
  private void finishQuickly(String taskArn) {
    clock.advance(Duration.ofSeconds(30));
    ecs.run(taskArn);
    clock.advance(Duration.ofMinutes(5));
    ecs.stop(taskArn, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
  }

  private EventProcessor healthy() {
    return processor(UnaryOperator.identity());
  }

  private EventProcessor processor(UnaryOperator<IdempotencyStore> store) {
    return Processors.processor(
        dynamo.endpoint(),
        table,
        ecs.endpoint(),
        clock,
        summary -> {},
        Processors.catalog(),
        store,
        UnaryOperator.identity());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static JsonNode answer(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
