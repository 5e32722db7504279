package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The whole dispatch path as the factory assembles it, through the real AWS SDK over HTTP (the
 * production client settings): DynamoDB Local for the records and a WireMock server speaking ECS's
 * JSON protocol for RunTask.
 */
class DispatchIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger TABLES = new AtomicInteger();
  // Ahead of the real clock: DynamoDB Local's TTL job deletes items whose expiresAt has passed in
  // real time, which would pull records away in the middle of a test.
  private static final Instant START = Instant.parse("2036-11-23T02:00:05Z");

  private final MutableClock clock = new MutableClock(START);
  private final CapturingObserver observer = new CapturingObserver();
  private final String TABLE = "idempotency-" + TABLES.incrementAndGet();
  private EventProcessor processor;

  @BeforeEach
  void freshState() {
    ecs.reset();
    dynamo.createIdempotencyTable(TABLE);
    processor = Processors.processor(dynamo.endpoint(), TABLE, ecs.endpoint(), clock, observer);
  }

  @Test
  void process_whenMonolithEnvelope_sendsExactRunTaskRequest() throws Exception {
    JsonNode answer = process("monolith-put-events.json");

    String hash =
        sha256(
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\",\"tenant\":\"acme\"}}");
    String traceId = "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11";
    String expected =
        """
        {"cluster":"arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
         "taskDefinition":"daily-report",
         "overrides":{"containerOverrides":[{"name":"app",
           "command":["report","--date","2026-11-22","--tenant","acme"],
           "environment":[
             {"name":"TRACE_ID","value":"%2$s"},
             {"name":"BATCH_TYPE_ID","value":"daily-report"},
             {"name":"IDEMPOTENCY_KEY","value":"daily-report#%1$s"},
             {"name":"OUTPUT_BUCKET","value":"acme-reports"},
             {"name":"REPORT_DATE","value":"2026-11-22"},
             {"name":"TENANT","value":"acme"}]}]},
         "count":1,
         "startedBy":"batch-runner",
         "launchType":"FARGATE",
         "networkConfiguration":{"awsvpcConfiguration":{
           "subnets":["subnet-0aaa1111","subnet-0bbb2222"],
           "securityGroups":["sg-0ccc3333"],
           "assignPublicIp":"DISABLED"}},
         "tags":[{"key":"batch-runner:batch-type","value":"daily-report"},
                 {"key":"batch-runner:trace-id","value":"%2$s"}],
         "clientToken":"%1$s"}
        """
            .formatted(hash, traceId);
    assertEquals(1, ecs.runTaskCount());
    assertEquals(JSON.readTree(expected), ecs.runTaskRequests().get(0));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals("daily-report#" + hash, answer.get("idempotencyKey").asText());
    assertEquals(traceId, answer.get("traceId").asText());
    assertEquals(1, answer.get("taskArns").size());
    assertTrue(
        answer
            .get("taskArns")
            .get(0)
            .asText()
            .startsWith("arn:aws:ecs:eu-west-1:123456789012:task/batch/"));
  }

  @Test
  void process_whenDispatched_recordsTheDispatchInDynamoDb() {
    JsonNode answer = process("monolith-put-events.json");

    Map<String, AttributeValue> item =
        dynamo
            .client()
            .getItem(
                b ->
                    b.tableName(TABLE)
                        .key(
                            Map.of(
                                "id", AttributeValue.fromS(answer.get("idempotencyKey").asText()))))
            .item();
    assertEquals("DISPATCHED", item.get("status").s());
    assertEquals("daily-report", item.get("batchTypeId").s());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", item.get("traceId").s());
    assertEquals(START.toString(), item.get("createdAt").s());
    assertEquals(
        Long.toString(START.plus(Duration.ofHours(24)).getEpochSecond()),
        item.get("expiresAt").n());
    assertEquals(
        List.of(answer.get("taskArns").get(0).asText()),
        item.get("taskArns").l().stream().map(AttributeValue::s).toList());
    assertFalse(item.containsKey("inProgressUntil"), "a finished record holds no lock");
  }

  @Test
  void process_whenSameEventTwice_launchesOnceAndAnswersDuplicate() {
    JsonNode first = process("monolith-put-events.json");
    clock.advance(Duration.ofMinutes(5));
    JsonNode second = process("monolith-put-events.json");

    assertEquals(1, ecs.runTaskCount());
    assertEquals("DUPLICATE", second.get("outcome").asText());
    assertEquals(first.get("taskArns"), second.get("taskArns"));
    assertEquals(first.get("idempotencyKey"), second.get("idempotencyKey"));
    assertEquals(
        List.of(Outcome.DISPATCHED, Outcome.DUPLICATE),
        observer.summaries().stream().map(s -> s.outcome()).toList());
  }

  @Test
  void process_whenResentWithNewEventIdAndTraceId_isDuplicate() throws Exception {
    process("monolith-put-events.json");
    ObjectNode resent = (ObjectNode) JSON.readTree(Fixtures.event("monolith-put-events.json"));
    resent.put("id", "11111111-2222-4333-8444-555555555555");
    ((ObjectNode) resent.get("detail")).put("TraceId", "another-trace");

    JsonNode answer = process(JSON.writeValueAsBytes(resent));

    assertEquals("DUPLICATE", answer.get("outcome").asText());
    assertEquals("another-trace", answer.get("traceId").asText());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", answer.get("firstTraceId").asText());
    assertEquals(1, ecs.runTaskCount());
  }

  @Test
  void process_whenWindowHasPassed_dispatchesAgain() {
    process("scheduled-input-transformer.json");
    clock.advance(Duration.ofHours(24).plusSeconds(1));

    JsonNode again = process("scheduled-input-transformer.json");

    assertEquals("DISPATCHED", again.get("outcome").asText());
    assertEquals(
        2, ecs.runTaskCount(), "an expired record (not yet deleted by TTL) counts as absent");
  }

  @Test
  void process_whenRunTaskAnswersFailures_failsAndReleasesTheRecord() {
    ecs.scriptFailure("MISSING");

    DispatchFailedException failure =
        assertThrows(DispatchFailedException.class, () -> process("monolith-put-events.json"));

    assertFalse(failure.retryable());
    assertTrue(failure.getMessage().contains("daily-report"), failure.getMessage());
    assertTrue(failure.getMessage().contains("MISSING"), failure.getMessage());
    assertEquals(
        0,
        dynamo.client().scan(b -> b.tableName(TABLE)).count(),
        "no record may block the redelivery");
    assertEquals(Outcome.FAILED, observer.last().outcome());

    JsonNode redelivered = process("monolith-put-events.json");
    assertEquals("DISPATCHED", redelivered.get("outcome").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void process_whenCapacityFailure_isRetryable() {
    ecs.scriptFailure("RESOURCE:MEMORY");

    DispatchFailedException failure =
        assertThrows(DispatchFailedException.class, () -> process("monolith-put-events.json"));

    assertTrue(failure.retryable());
    assertEquals(0, ecs.tasksStarted());
  }

  @Test
  void process_whenExplicitKeyReusedWithOtherParameters_rejectsAsConflict() throws Exception {
    process("direct-explicit-key.json");
    ObjectNode changed = (ObjectNode) JSON.readTree(Fixtures.event("direct-explicit-key.json"));
    ((ObjectNode) changed.get("parameters")).put("format", "csv");

    RequestRejectedException rejected =
        assertThrows(
            RequestRejectedException.class, () -> process(JSON.writeValueAsBytes(changed)));

    assertEquals("idempotencyKey", rejected.rejection().field());
    assertTrue(rejected.getMessage().contains("different request"), rejected.getMessage());
    assertEquals(1, ecs.runTaskCount());
  }

  @Test
  void process_whenExplicitKeyReusedWithSameParameters_isDuplicate() throws Exception {
    process("direct-explicit-key.json");
    ObjectNode sameButNewTrace =
        (ObjectNode) JSON.readTree(Fixtures.event("direct-explicit-key.json"));
    sameButNewTrace.put("traceId", "second-delivery");

    JsonNode answer = process(JSON.writeValueAsBytes(sameButNewTrace));

    assertEquals("DUPLICATE", answer.get("outcome").asText());
    assertEquals(1, ecs.runTaskCount());
  }

  @Test
  void process_whenRejected_writesNothingAndCallsNoEcs() {
    for (String invalid :
        List.of(
            "invalid/scheduled-event-empty-detail.json",
            "invalid/unknown-batch-type.json",
            "invalid/undeclared-parameter.json",
            "invalid/missing-required-parameter.json",
            "invalid/pattern-mismatch.json",
            "invalid/parameters-not-an-object.json")) {
      RequestRejectedException rejected =
          assertThrows(RequestRejectedException.class, () -> process(invalid), invalid);
      assertTrue(rejected.getMessage().contains(": "), rejected.getMessage());
    }
    assertEquals(0, ecs.runTaskCount());
    assertEquals(0, dynamo.client().scan(b -> b.tableName(TABLE)).count());
    assertEquals(
        6, observer.summaries().stream().filter(s -> s.outcome() == Outcome.REJECTED).count());
  }

  @Test
  void process_whenSqsBatch_reportsExactlyTheFailedRecord() throws Exception {
    JsonNode answer = process("sqs-batch.json");

    assertEquals(
        JSON.readTree(
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"9a8b7c6d-5e4f-4321-8fed-cba987654321\"}]}"),
        answer);
    assertEquals(2, ecs.runTaskCount());
    JsonNode cleanup = ecs.runTaskRequests().get(1);
    assertEquals("nightly-cleanup", cleanup.get("taskDefinition").asText());
    assertEquals(
        JSON.readTree("[\"cleanup\",\"--retention-days\",\"7\"]"),
        cleanup.at("/overrides/containerOverrides/0/command"),
        "a JSON number parameter is passed as its text");
  }

  @Test
  void process_whenSqsRecordHitsEcsFailure_onlyThatRecordFails() throws Exception {
    ecs.scriptError(400, "ClientException", "Unable to assume role");

    JsonNode answer = process("sqs-batch.json");

    assertEquals(
        JSON.readTree(
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"059f36b4-87a3-44ab-83d2-661975830a7d\"},"
                + "{\"itemIdentifier\":\"9a8b7c6d-5e4f-4321-8fed-cba987654321\"}]}"),
        answer);
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void process_whenAFifoRecordHitsAnEcsFailure_reportsItAndEveryLaterRecordAndRunsNoLaterTask()
      throws Exception {
    JsonNode batch = JSON.readTree(Fixtures.event("sqs-fifo-batch.json"));
    // An earlier delivery dispatched the first record: now it is a duplicate, with no RunTask.
    assertEquals(JSON.readTree("{\"batchItemFailures\":[]}"), process(firstRecordOf(batch)));
    ecs.scriptError(400, "ClientException", "Unable to assume role");

    JsonNode answer = process(JSON.writeValueAsBytes(batch));

    assertEquals(failures(batch, 1, 2), answer);
    assertEquals(2, ecs.runTaskCount(), "the first delivery's, and the failed one's");
    assertEquals(1, ecs.tasksStarted());
    List<String> traceIds =
        dynamo.client().scan(b -> b.tableName(TABLE).consistentRead(true)).items().stream()
            .map(item -> item.get("traceId").s())
            .toList();
    assertEquals(List.of("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11"), traceIds);
    assertEquals(
        List.of(Outcome.DISPATCHED, Outcome.DUPLICATE, Outcome.FAILED),
        observer.summaries().stream().map(s -> s.outcome()).toList(),
        "the record after the failed one is not processed: it comes back with it");
  }

  @Test
  void process_whenTheSameRecordsComeFromAStandardQueue_reportsOnlyTheFailedOne() throws Exception {
    JsonNode batch = JSON.readTree(Fixtures.event("sqs-fifo-batch.json"));
    for (JsonNode record : batch.get("Records")) {
      ((ObjectNode) record)
          .put("eventSourceARN", "arn:aws:sqs:eu-west-1:123456789012:batch-runner-requests");
      ((ObjectNode) record.get("attributes")).remove("SequenceNumber");
    }
    assertEquals(JSON.readTree("{\"batchItemFailures\":[]}"), process(firstRecordOf(batch)));
    ecs.scriptError(400, "ClientException", "Unable to assume role");

    JsonNode answer = process(JSON.writeValueAsBytes(batch));

    assertEquals(failures(batch, 1), answer);
    assertEquals(2, ecs.tasksStarted(), "the first record's and the third's");
  }

  private static byte[] firstRecordOf(JsonNode batch) throws Exception {
    ObjectNode first = JSON.createObjectNode();
    first.putArray("Records").add(batch.get("Records").get(0));
    return JSON.writeValueAsBytes(first);
  }

  private static JsonNode failures(JsonNode batch, int... records) {
    ObjectNode answer = JSON.createObjectNode();
    var failures = answer.putArray("batchItemFailures");
    for (int record : records) {
      failures
          .addObject()
          .put("itemIdentifier", batch.get("Records").get(record).get("messageId").asText());
    }
    return answer;
  }

  private JsonNode process(String event) {
    return process(Fixtures.event(event));
  }

  private JsonNode process(byte[] payload) {
    try {
      return JSON.readTree(processor.process(payload, Duration.ofSeconds(30)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
