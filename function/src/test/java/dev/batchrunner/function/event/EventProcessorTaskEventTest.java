package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskFollower;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.json.JsonValue;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import dev.batchrunner.function.observability.LoggingTaskObserver;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLogger;

/**
 * Task state changes through {@link EventProcessor}: handed to the {@link TaskEventHandler}, never
 * to the dispatcher or the request observer; answered without error unless the handler throws.
 */
class EventProcessorTaskEventTest {
  private final CapturingObserver observer = new CapturingObserver();
  private final RecordingTaskLauncher launcher = new RecordingTaskLauncher();
  private final List<TaskStateChange> handled = new ArrayList<>();

  @Test
  void process_whenDirectTaskEventHasNoRecord_answersIgnoredWithoutARequestSummaryOrLaunch()
      throws Exception {
    EventProcessor processor = processor(lifecycle());

    JsonValue answer = answer(processor.process(fixture("stopped-exit-1.json"), Duration.ZERO));

    assertEquals("IGNORED", answer.get("outcome").textValue());
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task/batch/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a",
        answer.get("taskArn").textValue());
    assertTrue(answer.get("reason").textValue().startsWith("no record daily-report#"));
    assertTrue(answer.get("idempotencyKey").textValue().startsWith("daily-report#"));
    assertEquals(4, answer.size(), answer.toString());
    assertEquals(
        List.of(), observer.summaries(), "a task event is no request: no log line, metric");
    assertEquals(0, launcher.launches().size());
  }

  @Test
  void process_whenForeignTaskEvent_answersIgnoredAsNotOurs() throws Exception {
    EventProcessor processor = processor(lifecycle());

    JsonValue answer = answer(processor.process(fixture("not-ours.json"), Duration.ZERO));

    assertEquals("IGNORED", answer.get("outcome").textValue());
    assertEquals("not started by batch-runner", answer.get("reason").textValue());
  }

  @Test
  void process_whenTaskEventsAreInAnSqsBatch_onlyTheRejectedRequestIsAFailure() {
    EventProcessor processor = processor(recording());
    String sqs =
        "{\"Records\":["
            + record("m-task", fixture("running.json"))
            + ","
            + record(
                "m-bad-request",
                "{\"batchTypeId\":\"no-such-batch\"}".getBytes(StandardCharsets.UTF_8))
            + ","
            + record("m-foreign", fixture("not-ours.json"))
            + ","
            + record("m-request", Fixtures.event("monolith-put-events.json"))
            + "]}";

    String answer =
        text(processor.process(sqs.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30)));

    assertEquals(failures("m-bad-request"), answer);
    assertEquals(
        List.of("RUNNING", "STOPPED"), handled.stream().map(c -> c.status().lastStatus()).toList());
    assertEquals(2, observer.summaries().size(), "the two requests only");
    assertEquals(1, launcher.launches().size());
  }

  @Test
  void process_whenTheHandlerThrows_theSqsRecordIsReportedAndADirectInvokeFails() {
    EventProcessor processor =
        processor(
            (change, delivery, remaining) -> {
              throw new IllegalStateException("store unavailable");
            });
    String sqs = "{\"Records\":[" + record("m-task", fixture("stopped-exit-0.json")) + "]}";

    String answer =
        text(processor.process(sqs.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30)));

    assertEquals(failures("m-task"), answer);
    assertThrows(
        IllegalStateException.class,
        () -> processor.process(fixture("stopped-exit-0.json"), Duration.ZERO));
  }

  @Test
  void process_whenTheHandlerIsCalled_itGetsTheEventAndMessageIds() {
    List<RequestSummary.Delivery> deliveries = new ArrayList<>();
    EventProcessor processor =
        processor(
            (change, delivery, remaining) -> {
              deliveries.add(delivery);
              return new TaskEventResult(
                  TaskEventOutcome.ignored(change.task().taskArn(), null, "r"));
            });

    processor.process(fixture("running.json"), Duration.ZERO);
    processor.process(
        ("{\"Records\":[" + record("m-1", fixture("running.json")) + "]}")
            .getBytes(StandardCharsets.UTF_8),
        Duration.ZERO);

    assertEquals(
        List.of(
            new RequestSummary.Delivery("9a1c7f3e-58b2-4c6d-a0e1-2f3b4c5d6e7f", null),
            new RequestSummary.Delivery("9a1c7f3e-58b2-4c6d-a0e1-2f3b4c5d6e7f", "m-1")),
        deliveries);
  }

  @Test
  void process_whenDirectTaskEventIsMalformed_throwsNamingTheField() {
    EventProcessor processor = processor(recording());
    String text = new String(fixture("running.json"), StandardCharsets.UTF_8);
    byte[] malformed =
        text.replace("\"version\": 3", "\"version\": \"three\"").getBytes(StandardCharsets.UTF_8);

    RequestRejectedException e =
        assertThrows(
            RequestRejectedException.class, () -> processor.process(malformed, Duration.ZERO));

    assertEquals("detail.version", e.rejection().field());
    assertEquals(List.of(), handled);
  }

  /** The production handler on an empty in-memory store, logging nowhere. */
  private TaskEventHandler lifecycle() {
    return new LifecycleTaskEventHandler(
        new TaskFollower(
            Processors.catalog(),
            new InMemoryIdempotencyStore(),
            launcher,
            null,
            new MutableClock(Instant.parse("2026-11-23T02:00:00Z")),
            () -> "id"),
        new LoggingTaskObserver(NOPLogger.NOP_LOGGER));
  }

  private TaskEventHandler recording() {
    return (change, delivery, remaining) -> {
      handled.add(change);
      return new TaskEventResult(
          TaskEventOutcome.ignored(change.task().taskArn(), null, "recorded"));
    };
  }

  private EventProcessor processor(TaskEventHandler taskEvents) {
    return new EventProcessor(
        new EventParser(() -> "trace"),
        new BatchDispatcher(
            Processors.catalog(),
            new InMemoryIdempotencyStore(),
            launcher,
            new MutableClock(Instant.parse("2026-11-23T02:00:00Z")),
            () -> "claim"),
        observer,
        taskEvents);
  }

  private static byte[] fixture(String name) {
    return Fixtures.event("task-state-change/" + name);
  }

  private static JsonValue answer(byte[] bytes) throws IOException {
    return Json.reader(32).read(bytes);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String failures(String... ids) {
    StringBuilder json = new StringBuilder("{\"batchItemFailures\":[");
    for (int i = 0; i < ids.length; i++) {
      json.append(i == 0 ? "" : ",").append("{\"itemIdentifier\":\"").append(ids[i]).append("\"}");
    }
    return json.append("]}").toString();
  }

  private static String record(String messageId, byte[] body) {
    return "{\"messageId\":\""
        + messageId
        + "\",\"body\":\""
        + new String(
            JsonStringEncoder.getInstance().quoteAsString(new String(body, StandardCharsets.UTF_8)))
        + "\"}";
  }
}
