package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.DeliveryLoop;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A burst: 1,000 distinct requests, each delivered twice, shuffled, on 8 execution environments,
 * with a share of RunTask calls throttled; failed deliveries are redelivered as Lambda would
 * ({@link DeliveryLoop}). Exactly 1,000 tasks, none lost, none doubled. The wall time and
 * deliveries per second (with and without throttling, side by side) go to {@code
 * target/benchmarks/burst.txt} for BENCHMARKS.md.
 */
class BurstIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DISTINCT = 1000;
  private static final int THREADS = 8;

  private static final List<String> FIGURES = new ArrayList<>();

  @AfterAll
  static void writeFigures() throws Exception {
    Path out = Path.of("target", "benchmarks", "burst.txt");
    Files.createDirectories(out.getParent());
    Files.write(out, FIGURES);
  }

  @Test
  void burst_withoutThrottling_launchesEachRequestOnce() throws Exception {
    Result result = burst("burst-clear", 0.0);

    assertEquals(0, ecs.throttled());
    assertEquals(DISTINCT, result.dispatched);
  }

  @Test
  void burst_with20PercentOfRunTaskThrottled_launchesEachRequestOnce() throws Exception {
    Result result = burst("burst-throttled", 0.2);

    assertTrue(ecs.throttled() > 200, "throttling really happened: " + ecs.throttled());
    assertEquals(DISTINCT, result.dispatched);
  }

  private Result burst(String table, double throttleShare) throws Exception {
    ecs.reset();
    ecs.throttle(throttleShare, 42);
    dynamo.createIdempotencyTable(table);
    List<byte[]> deliveries = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      byte[] request = request(i);
      deliveries.add(request);
      deliveries.add(request);
    }
    Collections.shuffle(deliveries, new Random(7));
    DeliveryLoop loop = new DeliveryLoop();
    deliveries.forEach(d -> loop.add(d, 0));
    List<EventProcessor> environments = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      environments.add(
          Processors.processor(
              dynamo.endpoint(), table, ecs.endpoint(), Clock.systemUTC(), s -> {}));
    }
    long start = System.nanoTime();
    loop.run(environments, answer -> {});
    long wallMillis = (System.nanoTime() - start) / 1_000_000;

    Map<String, Integer> outcomes = loop.outcomes();
    int dispatched = loop.outcome("DISPATCHED");
    int duplicates = loop.outcome("DUPLICATE");
    assertEquals(0, loop.lost(), "lost requests: " + outcomes);
    assertEquals(DISTINCT, ecs.tasksStarted(), "tasks started: " + outcomes);
    assertEquals(DISTINCT, dispatched, outcomes.toString());
    assertEquals(DISTINCT, duplicates, outcomes.toString());
    Set<String> tokens = new HashSet<>();
    ecs.runTaskRequests().forEach(r -> tokens.add(r.get("clientToken").asText()));
    assertEquals(DISTINCT, tokens.size());
    List<Map<String, AttributeValue>> records = scan(table);
    assertEquals(DISTINCT, records.size());
    Set<String> arns = new HashSet<>();
    for (Map<String, AttributeValue> record : records) {
      assertEquals("DISPATCHED", record.get("status").s(), record.toString());
      assertEquals(1, record.get("taskArns").l().size(), record.toString());
      arns.add(record.get("taskArns").l().get(0).s());
    }
    assertEquals(DISTINCT, arns.size(), "no two requests share a task");

    int total = 2 * DISTINCT + loop.redeliveries();
    String figure =
        String.format(
            "burst throttle=%.0f%% deliveries=%d (incl. %d redeliveries) runTaskCalls=%d throttled=%d"
                + " wall=%d ms rate=%.0f deliveries/s outcomes=%s",
            throttleShare * 100,
            total,
            loop.redeliveries(),
            ecs.runTaskCount(),
            ecs.throttled(),
            wallMillis,
            total * 1000.0 / wallMillis,
            outcomes);
    System.out.println(figure);
    FIGURES.add(figure);
    return new Result(dispatched, wallMillis);
  }

  private static byte[] request(int i) {
    String date = LocalDate.of(2024, 1, 1).plusDays(i % 500).toString();
    String tenant = "tenant" + (i / 500);
    return ("{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\""
            + date
            + "\",\"tenant\":\""
            + tenant
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static List<Map<String, AttributeValue>> scan(String table) {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    dynamo
        .client()
        .scanPaginator(b -> b.tableName(table).consistentRead(true))
        .items()
        .forEach(items::add);
    return items;
  }

  private record Result(int dispatched, long wallMillis) {}
}
