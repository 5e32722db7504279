package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
  // The real time, not a fixed date: DynamoDB Local's TTL job deletes items whose expiresAt has
  // passed on the real clock, so records written on a clock days in the past (expiring a day
  // later) could vanish between a test's claim and its update.
  private static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

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
    EventProcessor crashing = processor(Processors.catalog(), CrashRecoveryIT::crashOnUpdate);

    assertThrows(Crash.class, () -> crashing.process(event, Duration.ofSeconds(30)));
    assertEquals(1, ecs.runTaskCount());
    String firstTask = only(startedTasks());
    Map<String, AttributeValue> held = onlyRecord();
    assertEquals("IN_PROGRESS", held.get("status").s());

    // Redelivered while the crashed invocation could still be running: wait, do not launch.
    EventProcessor healthy = processor(Processors.catalog(), UnaryOperator.identity());
    DispatchFailedException early =
        assertThrows(
            DispatchFailedException.class, () -> healthy.process(event, Duration.ofSeconds(30)));
    assertEquals("IN_PROGRESS", early.reason());
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
    Map<String, AttributeValue> done = onlyRecord();
    assertEquals("DISPATCHED", done.get("status").s());
    assertEquals(firstTask, done.get("taskArns").l().get(0).s());
  }

  @Test
  void process_whenCatalogChangedBetweenCrashAndRedelivery_recordsTheTaskEcsNames() {
    byte[] event = Fixtures.event("monolith-put-events.json");
    EventProcessor crashing = processor(Processors.catalog(), CrashRecoveryIT::crashOnUpdate);
    assertThrows(Crash.class, () -> crashing.process(event, Duration.ofSeconds(30)));
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
    assertEquals(firstTask, onlyRecord().get("taskArns").l().get(0).s());
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
    assertEquals("IN_PROGRESS", onlyRecord().get("status").s());

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

  /** The store of an invocation that dies right after RunTask returned. */
  private static IdempotencyStore crashOnUpdate(IdempotencyStore real) {
    return new IdempotencyStore() {
      @Override
      public Claim claim(IdempotencyRecord record, Instant now) {
        return real.claim(record, now);
      }

      @Override
      public void markDispatched(String id, List<String> taskArns, Instant now) {
        throw new Crash();
      }

      @Override
      public void release(String id, String claimId) {
        real.release(id, claimId);
      }
    };
  }

  private static List<String> startedTasks() {
    return ecs.startedTaskArns();
  }

  private Map<String, AttributeValue> onlyRecord() {
    var items = dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).items();
    assertEquals(1, items.size(), items.toString());
    return items.get(0);
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

  /** Stands for the process dying: nothing after it runs. */
  private static final class Crash extends RuntimeException {
    Crash() {
      super("simulated crash after RunTask", null, false, false);
    }
  }
}
