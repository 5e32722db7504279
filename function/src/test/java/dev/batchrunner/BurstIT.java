package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A burst: 1,000 distinct requests, each delivered twice, shuffled, on 8 execution environments,
 * with a share of RunTask calls throttled; failed deliveries are redelivered as Lambda would.
 * Exactly 1,000 tasks, none lost, none doubled. The wall time and deliveries per second (with and
 * without throttling, side by side) go to {@code target/benchmarks/burst.txt} for BENCHMARKS.md.
 */
class BurstIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DISTINCT = 1000;
  private static final int THREADS = 8;
  private static final int MAX_DELIVERIES = 30;

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
    // Redeliveries come back after a delay, as from Lambda's async retries or an SQS visibility
    // timeout: an immediate retry would spin against a dispatch still in its RunTask backoff.
    DelayQueue<Delivery> queue = new DelayQueue<>();
    deliveries.forEach(d -> queue.add(new Delivery(d, 1, 0)));
    AtomicInteger pending = new AtomicInteger(deliveries.size());

    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    AtomicInteger redeliveries = new AtomicInteger();
    AtomicInteger lost = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      EventProcessor environment =
          Processors.processor(
              dynamo.endpoint(), table, ecs.endpoint(), Clock.systemUTC(), s -> {});
      workers.add(
          pool.submit(
              () -> {
                while (pending.get() > 0) {
                  Delivery d = queue.poll(20, TimeUnit.MILLISECONDS);
                  if (d == null) {
                    continue;
                  }
                  try {
                    JsonNode answer =
                        JSON.readTree(environment.process(d.payload, Duration.ofSeconds(30)));
                    outcomes
                        .computeIfAbsent(answer.get("outcome").asText(), k -> new AtomicInteger())
                        .incrementAndGet();
                    pending.decrementAndGet();
                  } catch (DispatchFailedException e) {
                    outcomes
                        .computeIfAbsent("FAILED " + e.reason(), k -> new AtomicInteger())
                        .incrementAndGet();
                    if (e.retryable() && d.attempt < MAX_DELIVERIES) {
                      redeliveries.incrementAndGet();
                      long backoff = Math.min(2000, 50L << Math.min(d.attempt, 6));
                      queue.add(new Delivery(d.payload, d.attempt + 1, backoff));
                    } else {
                      lost.incrementAndGet();
                      pending.decrementAndGet();
                    }
                  }
                }
                return null;
              }));
    }
    for (Future<?> worker : workers) {
      worker.get(5, TimeUnit.MINUTES);
    }
    long wallMillis = (System.nanoTime() - start) / 1_000_000;
    pool.shutdown();

    int dispatched = count(outcomes, "DISPATCHED");
    int duplicates = count(outcomes, "DUPLICATE");
    assertEquals(0, lost.get(), "lost requests: " + outcomes);
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

    int total = 2 * DISTINCT + redeliveries.get();
    String figure =
        String.format(
            "burst throttle=%.0f%% deliveries=%d (incl. %d redeliveries) runTaskCalls=%d throttled=%d"
                + " wall=%d ms rate=%.0f deliveries/s outcomes=%s",
            throttleShare * 100,
            total,
            redeliveries.get(),
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

  private static int count(Map<String, AtomicInteger> outcomes, String name) {
    AtomicInteger n = outcomes.get(name);
    return n == null ? 0 : n.get();
  }

  /** One delivery of a request, due {@code delayMillis} after it was queued. */
  private static final class Delivery implements Delayed {
    final byte[] payload;
    final int attempt;
    private final long dueNanos;

    Delivery(byte[] payload, int attempt, long delayMillis) {
      this.payload = payload;
      this.attempt = attempt;
      this.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  private record Result(int dispatched, long wallMillis) {}
}
