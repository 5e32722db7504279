package dev.batchrunner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.function.testing.StormWorker;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same event delivered to many execution environments at the same moment, in one JVM and in
 * two: exactly one RunTask; every other delivery ends DUPLICATE or with the retryable in-progress
 * error, and redelivering those ends DUPLICATE.
 */
class ConcurrencyIT extends EmulatorTest {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final Duration HOLD = Duration.ofSeconds(30);
  private String table;

  @BeforeEach
  void freshState() {
    ecs.reset();
    // RunTask takes a while, as in ECS, so the storm arrives while the first dispatch is open.
    ecs.delay(300);
    table = "storm-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
  }

  @Test
  void process_when16ThreadsDeliverTheSameEvent_launchesExactlyOneTask() throws Exception {
    int threads = 16;
    List<EventProcessor> environments = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      environments.add(processor());
    }
    byte[] event = Fixtures.event("monolith-put-events.json");
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> results = new ArrayList<>();
    for (EventProcessor environment : environments) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                return StormWorker.deliver(environment, event);
              }));
    }
    List<String> outcomes = new ArrayList<>();
    for (Future<String> result : results) {
      outcomes.add(result.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();

    assertEquals(1, ecs.runTaskCount(), outcomes.toString());
    assertEquals(1, ecs.tasksStarted());
    Map<String, Long> counts = count(outcomes);
    assertEquals(1L, counts.get("OUTCOME DISPATCHED"), outcomes.toString());
    assertEquals(
        threads - 1L,
        counts.getOrDefault("OUTCOME DUPLICATE", 0L)
            + counts.getOrDefault("FAILED IN_PROGRESS", 0L),
        outcomes.toString());
    assertTrue(
        counts.getOrDefault("FAILED IN_PROGRESS", 0L) > 0,
        "the storm never met the open claim, so it tested nothing: " + outcomes);

    // The failed deliveries come back (EventBridge/Lambda/SQS retry): now they are duplicates.
    for (int i = 0; i < outcomes.size(); i++) {
      if (outcomes.get(i).startsWith("FAILED")) {
        assertEquals("OUTCOME DUPLICATE", StormWorker.deliver(environments.get(i), event));
      }
    }
    assertEquals(1, ecs.runTaskCount());
  }

  @Test
  void process_whenTwoJvmsDeliverTheSameEvent_launchesExactlyOneTask() throws Exception {
    long startAt = System.currentTimeMillis() + 4000;
    Process first = worker(startAt, 8);
    Process second = worker(startAt, 8);
    List<String> outcomes = new ArrayList<>();
    outcomes.addAll(lines(first));
    outcomes.addAll(lines(second));

    assertEquals(16, outcomes.size(), outcomes.toString());
    assertEquals(1, ecs.runTaskCount(), outcomes.toString());
    Map<String, Long> counts = count(outcomes);
    assertEquals(1L, counts.get("OUTCOME DISPATCHED"), outcomes.toString());
    assertEquals(
        15L,
        counts.getOrDefault("OUTCOME DUPLICATE", 0L)
            + counts.getOrDefault("FAILED IN_PROGRESS", 0L),
        outcomes.toString());

    System.out.println("two-JVM storm outcomes: " + counts);
    assertTrue(
        counts.getOrDefault("FAILED IN_PROGRESS", 0L) > 0,
        "the storm never met the open claim, so it tested nothing: " + outcomes);
    EventProcessor redelivery = processor();
    assertEquals(
        "OUTCOME DUPLICATE",
        StormWorker.deliver(redelivery, Fixtures.event("monolith-put-events.json")));
    assertEquals(1, ecs.runTaskCount());
  }

  private EventProcessor processor() {
    return Processors.processor(
        dynamo.endpoint(), table, ecs.endpoint(), Clock.systemUTC(), summary -> {});
  }

  @Test
  void process_whenAStoppedEventReaches8ThreadsIn2Jvms_startsExactlyOneNextAttempt()
      throws Exception {
    ecs.useClock(Clock.systemUTC());
    EventProcessor function = processor();
    String dispatched =
        new String(
            function.process(Fixtures.event("scheduler-nightly-tick.json"), HOLD),
            StandardCharsets.UTF_8);
    String task1 = ecs.startedTaskArns().get(0);
    assertTrue(dispatched.contains(task1), dispatched);
    function.process(ecs.stateChangeEvent(ecs.run(task1).taskArn()).getBytes(UTF_8), HOLD);
    // Exit 137 on nightly-cleanup: its retry policy says RETRY.
    ecs.stop(task1, Map.of("app", 137), "EssentialContainerExited", "OutOfMemoryError: killed");
    byte[] stopped = ecs.stateChangeEvent(task1).getBytes(UTF_8);
    Path eventFile = Files.createTempFile("stopped-", ".json");
    Files.write(eventFile, stopped);

    long startAt = System.currentTimeMillis() + 4000;
    Process other = worker(startAt, 4, eventFile);
    int threads = 4;
    List<EventProcessor> environments = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      environments.add(processor());
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> results = new ArrayList<>();
    for (EventProcessor environment : environments) {
      results.add(
          pool.submit(
              () -> {
                Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                return StormWorker.deliver(environment, stopped);
              }));
    }
    List<String> outcomes = new ArrayList<>();
    for (Future<String> result : results) {
      outcomes.add(result.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    outcomes.addAll(lines(other));

    assertEquals(8, outcomes.size(), outcomes.toString());
    Map<String, Long> counts = count(outcomes);
    System.out.println("retry storm outcomes: " + counts);
    assertEquals(1L, counts.get("OUTCOME RETRIED"), outcomes.toString());
    assertEquals(
        7L,
        counts.getOrDefault("OUTCOME IGNORED", 0L) + counts.getOrDefault("FAILED IN_PROGRESS", 0L),
        outcomes.toString());
    assertEquals(2, ecs.tasksStarted(), "attempt 1 and exactly one attempt 2");
    assertEquals(2, ecs.runTaskCount(), "no second RunTask for attempt 2 either");

    // The deliveries that met the open claim come back (EventBridge retries them): ignored now.
    for (int i = 0; i < threads; i++) {
      if (outcomes.get(i).startsWith("FAILED")) {
        assertEquals("OUTCOME IGNORED", StormWorker.deliver(environments.get(i), stopped));
      }
    }
    assertEquals(2, ecs.tasksStarted());
    Files.delete(eventFile);
  }

  private Process worker(long startAt, int threads) throws IOException {
    return worker(startAt, threads, Fixtures.events().resolve("monolith-put-events.json"));
  }

  private Process worker(long startAt, int threads, Path eventFile) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            StormWorker.class.getName(),
            dynamo.endpoint().toString(),
            table,
            ecs.endpoint().toString(),
            eventFile.toString(),
            Integer.toString(threads),
            Long.toString(startAt))
        .redirectErrorStream(true)
        .start();
  }

  /** The worker's delivery lines (its log lines are JSON and skipped). */
  static List<String> lines(Process process) throws Exception {
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, process.exitValue(), out);
    return out.lines().filter(l -> l.startsWith("OUTCOME ") || l.startsWith("FAILED ")).toList();
  }

  private static Map<String, Long> count(List<String> outcomes) {
    return outcomes.stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }
}
