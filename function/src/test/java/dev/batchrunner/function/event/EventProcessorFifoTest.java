package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * SQS batches from a FIFO queue ({@code events/sqs-fifo-batch.json}, as EventBridge and SQS deliver
 * them): processing stops at the first failed record, which is reported with every record after it;
 * the same records from a standard queue are processed one by one, as before.
 */
class EventProcessorFifoTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAMPLE = "sqs-fifo-batch.json";

  private final CapturingObserver observer = new CapturingObserver();
  private final List<String> attempted = new CopyOnWriteArrayList<>();

  @Test
  void process_whenAFifoRecordFails_reportsItAndEveryLaterRecordWithoutProcessingThem() {
    JsonNode batch = sample();

    List<String> failed = failures(processor(failingOn("invoice-export")), batch);

    assertEquals(List.of(id(batch, 1), id(batch, 2)), failed);
    assertEquals(
        List.of("daily-report", "invoice-export"),
        attempted,
        "the record after the failed one is not dispatched: it comes back with it, in order");
    assertEquals(
        List.of(Outcome.DISPATCHED, Outcome.FAILED),
        observer.summaries().stream().map(RequestSummary::outcome).toList());
  }

  @Test
  void process_whenTheSameRecordsComeFromAStandardQueue_reportsOnlyTheFailedOne() {
    JsonNode batch = standard(sample());

    List<String> failed = failures(processor(failingOn("invoice-export")), batch);

    assertEquals(List.of(id(batch, 1)), failed);
    assertEquals(List.of("daily-report", "invoice-export", "daily-report"), attempted);
  }

  @Test
  void process_whenTheFirstFifoRecordFails_reportsTheWholeBatch() {
    JsonNode batch = sample();

    List<String> failed = failures(processor(failingOn("daily-report")), batch);

    assertEquals(List.of(id(batch, 0), id(batch, 1), id(batch, 2)), failed);
    assertEquals(List.of("daily-report"), attempted);
  }

  @Test
  void process_whenNoFifoRecordFails_reportsNothing() {
    List<String> failed = failures(processor(failingOn("none")), sample());

    assertEquals(List.of(), failed);
    assertEquals(List.of("daily-report", "invoice-export", "daily-report"), attempted);
  }

  @Test
  void process_whenAFifoRecordIsRejected_answersItAndGoesOnSinceARetryCannotFixIt() {
    JsonNode batch = sample();
    body(batch, 1, "{\"batchTypeId\":\"no-such-batch\",\"parameters\":{}}");

    List<String> failed = failures(processor(failingOn("none")), batch);

    assertEquals(List.of(), failed, "not retried: it would hold back its whole message group");
    assertEquals(List.of("daily-report", "daily-report"), attempted);
    assertEquals(
        List.of(Outcome.DISPATCHED, Outcome.REJECTED, Outcome.DISPATCHED),
        observer.summaries().stream().map(RequestSummary::outcome).toList(),
        "the rejection is logged and counted like any other");
  }

  @Test
  void process_whenAStandardRecordIsRejected_reportsItSoItReachesTheDeadLetterQueue() {
    JsonNode batch = standard(sample());
    body(batch, 1, "{\"batchTypeId\":\"no-such-batch\",\"parameters\":{}}");

    List<String> failed = failures(processor(failingOn("none")), batch);

    assertEquals(List.of(id(batch, 1)), failed);
  }

  @Test
  void process_whenATaskEventInAFifoBatchThrows_stopsThereToo() {
    JsonNode batch = sample();
    body(
        batch,
        0,
        new String(Fixtures.event("task-state-change/running.json"), StandardCharsets.UTF_8));
    EventProcessor processor =
        new EventProcessor(
            new EventParser(() -> "trace"),
            dispatcher(failingOn("none")),
            observer,
            (change, delivery, remaining) -> {
              throw new IllegalStateException("records unavailable");
            });

    List<String> failed = failures(processor, batch);

    assertEquals(List.of(id(batch, 0), id(batch, 1), id(batch, 2)), failed);
    assertEquals(List.of(), attempted);
  }

  @Test
  void parse_whenTheQueueArnEndsInFifoOrARecordHasASequenceNumber_isAFifoBatch() {
    EventParser parser = new EventParser(() -> "trace");
    JsonNode sample = sample();
    JsonNode arnOnly = sample.deepCopy();
    arnOnly
        .get("Records")
        .forEach(r -> ((ObjectNode) r.get("attributes")).remove("SequenceNumber"));
    JsonNode sequenceOnly = sample.deepCopy();
    sequenceOnly.get("Records").forEach(r -> ((ObjectNode) r).remove("eventSourceARN"));
    // A standard queue's message carries a MessageGroupId too when its sender gives one (fair
    // queues): that alone makes no FIFO batch.
    JsonNode groupOnly = standard(sample);

    for (JsonNode fifo : List.of(sample, arnOnly, sequenceOnly)) {
      assertTrue(batch(parser, fifo).fifo(), fifo.toString());
    }
    assertTrue(groupOnly.at("/Records/0/attributes/MessageGroupId").isTextual());
    for (JsonNode standard : List.of(groupOnly, tree(Fixtures.event("sqs-batch.json")))) {
      assertFalse(batch(parser, standard).fifo(), standard.toString());
    }
  }

  @Test
  void parse_whenFifoSample_readsEveryBodyAsAValidRequest() {
    Invocation.SqsBatch batch = batch(new EventParser(() -> "generated"), sample());

    assertEquals(3, batch.messages().size());
    for (Invocation.SqsMessage message : batch.messages()) {
      ParsedRequest.Valid valid = assertInstanceOf(ParsedRequest.Valid.class, message.request());
      // The body has no envelope id: the request's eventId is its SQS message id, and a request
      // without a traceId takes that id as its trace id, not a generated one.
      assertEquals(message.messageId(), valid.request().eventId());
    }
    assertEquals(
        "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        ((ParsedRequest.Valid) batch.messages().get(0).request()).request().traceId());
    assertEquals(
        batch.messages().get(2).messageId(),
        ((ParsedRequest.Valid) batch.messages().get(2).request()).request().traceId());
  }

  private static Invocation.SqsBatch batch(EventParser parser, JsonNode event) {
    return assertInstanceOf(Invocation.SqsBatch.class, parser.parse(bytes(event)));
  }

  private List<String> failures(EventProcessor processor, JsonNode batch) {
    JsonNode answer;
    try {
      answer = JSON.readTree(processor.process(bytes(batch), Duration.ofSeconds(30)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertEquals(Set.of("batchItemFailures"), Set.copyOf(iterate(answer.fieldNames())));
    List<String> ids = new ArrayList<>();
    answer.get("batchItemFailures").forEach(f -> ids.add(f.get("itemIdentifier").asText()));
    return ids;
  }

  private EventProcessor processor(TaskLauncher launcher) {
    return new EventProcessor(
        new EventParser(() -> "trace"),
        dispatcher(launcher),
        observer,
        (change, delivery, remaining) -> {
          throw new AssertionError("no task event expected");
        });
  }

  private static BatchDispatcher dispatcher(TaskLauncher launcher) {
    return new BatchDispatcher(
        Processors.catalog(),
        new InMemoryIdempotencyStore(),
        launcher,
        new MutableClock(Instant.parse("2026-11-23T02:00:00Z")),
        () -> "claim");
  }

  /** Starts a task for every batch type but {@code batchTypeId}, whose RunTask ECS refuses. */
  private TaskLauncher failingOn(String batchTypeId) {
    return launch -> {
      attempted.add(launch.batchTypeId());
      if (launch.batchTypeId().equals(batchTypeId)) {
        throw new TaskLaunchException("Rate exceeded", true, null);
      }
      return new LaunchResult(
          List.of("arn:aws:ecs:eu-west-1:123456789012:task/batch/" + attempted.size()), false);
    };
  }

  private static JsonNode sample() {
    return tree(Fixtures.event(SAMPLE));
  }

  /** The same records as a standard queue delivers them: no .fifo ARN, no SequenceNumber. */
  private static JsonNode standard(JsonNode fifo) {
    JsonNode copy = fifo.deepCopy();
    for (JsonNode record : copy.get("Records")) {
      ((ObjectNode) record)
          .put("eventSourceARN", "arn:aws:sqs:eu-west-1:123456789012:batch-runner-requests");
      ((ObjectNode) record.get("attributes")).remove("SequenceNumber");
    }
    return copy;
  }

  private static void body(JsonNode batch, int index, String body) {
    ((ObjectNode) ((ArrayNode) batch.get("Records")).get(index)).put("body", body);
  }

  private static String id(JsonNode batch, int index) {
    return batch.get("Records").get(index).get("messageId").asText();
  }

  private static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> List<T> iterate(Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
