package dev.batchrunner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.DeliveryLoop;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The lifecycle under a burst: 500 requests whose first task fails with a retryable exit code
 * (nightly-cleanup's policy retries 137), every STOPPED event delivered twice, shuffled, on 8
 * execution environments; failed deliveries come back later, as EventBridge's retries would.
 * Exactly 1,000 tasks (two per request), every record {@code SUCCEEDED} at attempt 2, nothing lost,
 * nothing doubled. The figures go to {@code target/benchmarks/lifecycle-burst.txt}.
 */
class LifecycleBurstIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int REQUESTS = 500;
  private static final int THREADS = 8;
  private static final int MAX_DELIVERIES = 30;
  private static final Duration HOLD = Duration.ofSeconds(30);

  @Test
  void burst_of500RetriedRequests_runsExactly1000Tasks_andEveryRecordSucceeds() throws Exception {
    ecs.reset();
    ecs.useClock(Clock.systemUTC());
    String table = newTable("lifeburst");
    List<EventProcessor> environments = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      environments.add(
          Processors.processor(
              dynamo.endpoint(), table, ecs.endpoint(), Clock.systemUTC(), s -> {}));
    }

    long start = System.nanoTime();
    // The requests, each once: attempt 1 of each.
    DeliveryLoop deliveries = new DeliveryLoop();
    for (int i = 0; i < REQUESTS; i++) {
      deliveries.add(request(i), 0);
    }
    deliveries.run(environments, answer -> {});
    long dispatchMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(REQUESTS, ecs.tasksStarted(), deliveries.outcomes().toString());

    // Every first task runs and is killed (exit 137); its STOPPED event comes twice, shuffled.
    Random random = new Random(11);
    List<byte[]> stopped = new ArrayList<>();
    for (String task : ecs.startedTaskArns()) {
      ecs.run(task);
      ecs.stop(task, Map.of("app", 137), "EssentialContainerExited", "OutOfMemoryError: killed");
      byte[] event = ecs.stateChangeEvent(task).getBytes(UTF_8);
      stopped.add(event);
      stopped.add(event);
    }
    Collections.shuffle(stopped, random);
    long eventsStart = System.nanoTime();
    stopped.forEach(e -> deliveries.add(e, 0));
    // Each next attempt, as it starts, runs and exits 0: its STOPPED event, twice, joins the queue.
    deliveries.run(
        environments,
        answer -> {
          if (!answer.get("outcome").asText().equals("RETRIED")) {
            return;
          }
          String next = answer.get("nextTaskArn").asText();
          ecs.run(next);
          ecs.stop(
              next, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
          byte[] event = ecs.stateChangeEvent(next).getBytes(UTF_8);
          synchronized (random) {
            deliveries.add(event, random.nextInt(200));
            deliveries.add(event, random.nextInt(200));
          }
        });
    long eventsMillis = (System.nanoTime() - eventsStart) / 1_000_000;
    long wallMillis = (System.nanoTime() - start) / 1_000_000;

    Map<String, Integer> outcomes = deliveries.outcomes();
    assertEquals(0, deliveries.lost(), "lost deliveries: " + outcomes);
    assertEquals(2 * REQUESTS, ecs.tasksStarted(), "tasks started: " + outcomes);
    assertEquals(REQUESTS, deliveries.outcome("DISPATCHED"), outcomes.toString());
    assertEquals(REQUESTS, deliveries.outcome("RETRIED"), outcomes.toString());
    assertEquals(REQUESTS, deliveries.outcome("SUCCEEDED"), outcomes.toString());
    Set<String> tokens = new HashSet<>();
    ecs.runTaskRequests().forEach(r -> tokens.add(r.get("clientToken").asText()));
    assertEquals(2 * REQUESTS, tokens.size(), "one token per attempt");
    List<Map<String, AttributeValue>> records = new ArrayList<>();
    dynamo
        .client()
        .scanPaginator(b -> b.tableName(table).consistentRead(true))
        .items()
        .forEach(records::add);
    assertEquals(REQUESTS, records.size());
    Set<String> arns = new HashSet<>();
    for (Map<String, AttributeValue> record : records) {
      assertEquals("SUCCEEDED", record.get("status").s(), record.toString());
      assertEquals("2", record.get("attempt").n(), record.toString());
      List<AttributeValue> attempts = record.get("attempts").l();
      assertEquals("137", attempts.get(0).m().get("exitCode").n());
      assertEquals("0", attempts.get(1).m().get("exitCode").n());
      record.get("taskArns").l().forEach(a -> arns.add(a.s()));
    }
    assertEquals(2 * REQUESTS, arns.size(), "no two attempts share a task");

    int events = 4 * REQUESTS;
    String figure =
        String.format(
            "lifecycle burst: requests=%d tasks=%d stoppedEvents=%d (each twice) redeliveries=%d"
                + " dispatch=%d ms events=%d ms (%.0f events/s) wall=%d ms outcomes=%s at %s",
            REQUESTS,
            ecs.tasksStarted(),
            events,
            deliveries.redeliveries(),
            dispatchMillis,
            eventsMillis,
            events * 1000.0 / eventsMillis,
            wallMillis,
            outcomes,
            Instant.now());
    System.out.println(figure);
    Path out = Path.of("target", "benchmarks", "lifecycle-burst.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, figure + System.lineSeparator());
  }

  private static byte[] request(int i) {
    Instant at = Instant.parse("2030-01-01T02:00:00Z").plus(Duration.ofMinutes(i));
    return ("{\"batchTypeId\":\"nightly-cleanup\",\"parameters\":{\"scheduledTime\":\""
            + at.toString().substring(0, 16)
            + "Z\"}}")
        .getBytes(UTF_8);
  }
}
