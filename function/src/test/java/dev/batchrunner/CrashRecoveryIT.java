package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.CrashAfterRunTask;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A crash between RunTask and the record update: the record stays IN_PROGRESS; redeliveries wait
 * until its hold passes, then one takes it over and calls RunTask again with the same clientToken,
 * and ECS answers with the task it already started. No second task.
 */
class CrashRecoveryIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger TABLES = new AtomicInteger();
  // Ahead of the real clock: DynamoDB Local's TTL job deletes items whose expiresAt has passed in
  // real time, which would pull records away in the middle of a test.
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");

  private final MutableClock clock = new MutableClock(START);
  private String table;

  @BeforeEach
  void freshState() {
    ecs.reset();
    table = "crash-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
  }

  @Test
  void process_whenCrashAfterRunTask_redeliveryAfterHoldGetsTheSameTask() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    EventProcessor crashing = processor(Processors.catalog(), CrashAfterRunTask::crashOnUpdate);

    assertThrows(
        CrashAfterRunTask.Crash.class, () -> crashing.process(event, Duration.ofSeconds(30)));
    assertEquals(1, ecs.runTaskCount());
    String firstTask = only(startedTasks());
    Map<String, AttributeValue> held = onlyRecord(table);
    assertEquals("IN_PROGRESS", held.get("status").s());

    // Redelivered while the crashed invocation could still be running: wait, do not launch.
    EventProcessor healthy = processor(Processors.catalog(), UnaryOperator.identity());
    DispatchFailedException early =
        assertThrows(
            DispatchFailedException.class, () -> healthy.process(event, Duration.ofSeconds(30)));
    assertEquals(FailureReason.IN_PROGRESS, early.reason());
    assertTrue(early.retryable());
    assertEquals(1, ecs.runTaskCount());

    // The hold is the remaining time (30 s) plus a margin: past it, the redelivery takes over.
    clock.advance(Duration.ofSeconds(41));
    JsonNode answer = answer(healthy.process(event, Duration.ofSeconds(30)));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(firstTask, answer.at("/taskArns/0").asText());
    assertEquals(2, ecs.runTaskCount(), "RunTask is called again, with the same clientToken");
    assertEquals(
        ecs.runTaskRequests().get(0).get("clientToken"),
        ecs.runTaskRequests().get(1).get("clientToken"));
    assertEquals(1, ecs.tasksStarted());
    Map<String, AttributeValue> done = onlyRecord(table);
    assertEquals("DISPATCHED", done.get("status").s());
    assertEquals(firstTask, done.get("taskArns").l().get(0).s());
  }

  @Test
  void process_whenCatalogChangedBetweenCrashAndRedelivery_recordsTheTaskEcsNames() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    EventProcessor crashing = processor(Processors.catalog(), CrashAfterRunTask::crashOnUpdate);
    assertThrows(
        CrashAfterRunTask.Crash.class, () -> crashing.process(event, Duration.ofSeconds(30)));
    String firstTask = only(startedTasks());

    // A deployment in between changed the catalog: same request key, different RunTask request.
    Map<String, String> changed = new HashMap<>(Fixtures.CATALOG_ENV);
    changed.put("REPORT_BUCKET", "acme-reports-v2");
    EventProcessor redeployed = processor(Processors.catalog(changed), UnaryOperator.identity());
    clock.advance(Duration.ofSeconds(41));
    JsonNode answer = answer(redeployed.process(event, Duration.ofSeconds(30)));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(firstTask, answer.at("/taskArns/0").asText(), "ECS's ConflictException names it");
    assertEquals(2, ecs.runTaskCount());
    assertNotEquals(
        ecs.runTaskRequests().get(0).get("overrides"),
        ecs.runTaskRequests().get(1).get("overrides"),
        "same token, different request: the stub answers ConflictException with resourceIds");
    assertEquals(1, ecs.tasksStarted());
    assertEquals(firstTask, onlyRecord(table).get("taskArns").l().get(0).s());
  }

  @Test
  void process_whenJvmDiesAfterRunTask_redeliveryLaunchesNoSecondTask() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process worker =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                dev.batchrunner.function.testing.StormWorker.class.getName(),
                dynamo.endpoint().toString(),
                table,
                ecs.endpoint().toString(),
                Fixtures.events().resolve("monolith-put-events.json").toString(),
                "1",
                "0",
                "crash")
            .redirectErrorStream(true)
            .start();
    String out = new String(worker.getInputStream().readAllBytes());
    assertTrue(worker.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(3, worker.exitValue(), "the worker halts right after RunTask: " + out);
    assertTrue(out.contains("RUNTASK_RETURNED"), out);
    String firstTask = only(startedTasks());
    assertEquals("IN_PROGRESS", onlyRecord(table).get("status").s());

    // The dead invocation's hold was measured on the real clock; redeliver well past it.
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofHours(1)));
    EventProcessor redelivery =
        Processors.processor(
            dynamo.endpoint(),
            table,
            ecs.endpoint(),
            later,
            summary -> {},
            Processors.catalog(),
            UnaryOperator.identity(),
            UnaryOperator.identity());
    JsonNode answer =
        answer(
            redelivery.process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(firstTask, answer.at("/taskArns/0").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  private EventProcessor processor(BatchCatalog catalog, UnaryOperator<IdempotencyStore> store) {
    return Processors.processor(
        dynamo.endpoint(),
        table,
        ecs.endpoint(),
        clock,
        summary -> {},
        catalog,
        store,
        UnaryOperator.identity());
  }

  private static List<String> startedTasks() {
    return ecs.startedTaskArns();
  }

  private static String only(List<String> values) {
    assertEquals(1, values.size(), values.toString());
    return values.get(0);
  }

  private static JsonNode answer(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
