package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.cli.DeadLetter.From;
import dev.batchrunner.cli.DeadLetter.Kind;
import dev.batchrunner.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How replay reads a dead letter: each kind the stack's queues hold, and everything else. */
class DeadLetterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11";

  @Test
  void classify_whenMonolithEnvelope_isBatchRequestedPutBackWithItsOwnFields() throws Exception {
    String body = event("monolith-put-events.json");

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.BATCH_REQUESTED, letter.kind());
    assertEquals(From.BODY, letter.from());
    assertEquals("daily-report", letter.batchTypeId());
    assertEquals(TRACE, letter.traceId());
    assertEquals(body, letter.payload(), "--direct invokes with the body as it is");
    assertEquals("legacy.monolith", letter.busEntry().source());
    assertEquals("Batch Requested", letter.busEntry().detailType());
    // The detail as the monolith sent it: same fields, same case, nothing added (it has TraceId).
    assertEquals(JSON.readTree(body).get("detail"), JSON.readTree(letter.busEntry().detail()));
    assertNull(letter.reason());
  }

  @Test
  void classify_whenEnvelopeHasNoTraceId_givesTheDetailTheEnvelopeIdAsTraceId() throws Exception {
    ObjectNode envelope = (ObjectNode) JSON.readTree(event("monolith-put-events.json"));
    ((ObjectNode) envelope.get("detail")).remove("TraceId");
    String id = envelope.get("id").asText();

    DeadLetter letter = DeadLetter.classify(envelope.toString());

    // Without it the function would take the new envelope's id: the replay would lose its trace.
    assertEquals(id, letter.traceId());
    JsonNode detail = JSON.readTree(letter.busEntry().detail());
    assertEquals(id, detail.get("traceId").asText());
    assertEquals(envelope.get("detail").get("Parameters"), detail.get("Parameters"));
    assertEquals(envelope.toString(), letter.payload(), "--direct: the function takes the id");
  }

  @Test
  void classify_whenEnvelopeTraceIdIsNull_fillsItUnderItsOwnName() throws Exception {
    ObjectNode envelope = (ObjectNode) JSON.readTree(event("monolith-put-events.json"));
    ((ObjectNode) envelope.get("detail")).putNull("TraceId");

    DeadLetter letter = DeadLetter.classify(envelope.toString());

    JsonNode detail = JSON.readTree(letter.busEntry().detail());
    assertEquals(envelope.get("id").asText(), detail.get("TraceId").asText());
    assertTrue(!detail.has("traceId"), "one trace id field, as the function wants: " + detail);
  }

  @Test
  void classify_whenDetailHasExactDecimals_putsTheVeryDigitsBack() {
    String body =
        "{\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\",\"id\":\"e-1\","
            + "\"detail\":{\"batchTypeId\":\"x\",\"traceId\":\"t\",\"parameters\":"
            + "{\"amount\":0.10,\"big\":123456789012345678901234567890,\"tiny\":1e-400}}}";

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(
        "{\"batchTypeId\":\"x\",\"traceId\":\"t\",\"parameters\":"
            + "{\"amount\":0.10,\"big\":123456789012345678901234567890,\"tiny\":1E-400}}",
        letter.busEntry().detail());
  }

  @Test
  void classify_whenBareRequest_isARequestForTheFunctionAsItIs() {
    String body = event("scheduler-nightly-tick.json");

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.REQUEST, letter.kind());
    assertEquals(From.BODY, letter.from());
    assertEquals("nightly-cleanup", letter.batchTypeId());
    assertNull(letter.traceId(), "none given: the function makes one");
    assertEquals(body, letter.payload());
    assertNull(letter.busEntry());
  }

  @Test
  void classify_whenBareRequestFieldsInAnotherCase_readsThemAsTheFunctionDoes() {
    DeadLetter letter =
        DeadLetter.classify("{\"BatchTypeId\":\"daily-report\",\"TRACEID\":\"t-1\"}");

    assertEquals(Kind.REQUEST, letter.kind());
    assertEquals("daily-report", letter.batchTypeId());
    assertEquals("t-1", letter.traceId());
  }

  @ParameterizedTest
  @MethodSource("dev.batchrunner.core.testing.Fixtures#taskStateChangeFixtures")
  void classify_whenTaskStateChange_isOneForTheFunctionAsItIs(String name) {
    String body = event("task-state-change/" + name);

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.TASK_STATE_CHANGE, letter.kind(), name);
    assertEquals(From.BODY, letter.from());
    assertEquals(body, letter.payload());
    assertNull(letter.busEntry(), "aws.ecs cannot be put on a bus");
  }

  @Test
  void classify_whenTaskStateChangeOfBatchRunner_readsBatchTypeAndTraceFromItsEnvironment() {
    DeadLetter letter = DeadLetter.classify(event("task-state-change/stopped-exit-0.json"));

    assertEquals("daily-report", letter.batchTypeId());
    assertEquals(TRACE, letter.traceId());
  }

  @Test
  void classify_whenLambdaFailureRecord_replaysItsRequestPayloadAndKeepsItsError()
      throws Exception {
    String body = event("dead-letters/failed-invocation.json");

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.REQUEST, letter.kind());
    assertEquals(From.REQUEST_PAYLOAD, letter.from());
    assertEquals("nightly-cleanup", letter.batchTypeId());
    assertEquals(
        JSON.readTree(body).get("requestPayload"), JSON.readTree(letter.payload()), "the event");
    assertTrue(
        letter
            .error()
            .startsWith(
                "RetriesExhausted: dev.batchrunner.core.dispatch.DispatchFailedException: ECS"
                    + " refused RunTask"),
        letter.error());
  }

  @Test
  void classify_whenFailureRecordWrapsAnEnvelope_isBatchRequestedFromTheRequestPayload()
      throws Exception {
    DeadLetter letter = DeadLetter.classify(failureRecord(event("monolith-put-events.json")));

    assertEquals(Kind.BATCH_REQUESTED, letter.kind());
    assertEquals(From.REQUEST_PAYLOAD, letter.from());
    assertEquals("legacy.monolith", letter.busEntry().source());
    assertEquals(JSON.readTree(event("monolith-put-events.json")), JSON.readTree(letter.payload()));
  }

  @Test
  void classify_whenFailureRecordWrapsATaskStateChange_isATaskStateChange() throws Exception {
    DeadLetter letter =
        DeadLetter.classify(failureRecord(event("task-state-change/stopped-exit-1.json")));

    assertEquals(Kind.TASK_STATE_CHANGE, letter.kind());
    assertEquals(From.REQUEST_PAYLOAD, letter.from());
  }

  @Test
  void classify_whenFailureRecordTimedOut_keepsTheConditionAsTheError() throws Exception {
    ObjectNode record = (ObjectNode) JSON.readTree(event("dead-letters/failed-invocation.json"));
    record.remove("responsePayload");
    ((ObjectNode) record.get("requestContext")).put("condition", "EventAgeExceeded");
    record.remove("responseContext");

    assertEquals("EventAgeExceeded", DeadLetter.classify(record.toString()).error());
  }

  @Test
  void classify_whenEventBridgeAddedErrorAttributes_keepsThemAsTheError() {
    DeadLetter letter =
        DeadLetter.classify(
            event("monolith-put-events.json"),
            Map.of(
                "ERROR_CODE", "SDK_CLIENT_ERROR",
                "ERROR_MESSAGE", "Unable to invoke Lambda function\n(throttled)",
                "RULE_ARN", "arn:aws:events:eu-west-1:123456789012:rule/x"));

    assertEquals("SDK_CLIENT_ERROR: Unable to invoke Lambda function (throttled)", letter.error());
  }

  @Test
  void classify_whenErrorHasTerminalEscapes_makesThemHarmless() {
    DeadLetter letter =
        DeadLetter.classify("garbage", Map.of("ERROR_MESSAGE", "red \u001b[31m text\u202e"));

    assertEquals("red ?[31m text?", letter.error());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not JSON",
        "{\"batchTypeId\":",
        "{\"batchTypeId\":\"x\"} trailing",
        "[]",
        "\"a string\"",
        "42",
        "null"
      })
  void classify_whenNotAJsonObject_isUnreplayable(String body) {
    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.UNREPLAYABLE, letter.kind(), body);
    assertNull(letter.payload());
    assertNull(letter.from());
    assertTrue(letter.reason() != null && !letter.reason().isBlank());
  }

  @Test
  void classify_whenMalformedJson_saysWhatTheParserSaid() {
    DeadLetter letter = DeadLetter.classify("{\"batchTypeId\": nope}");

    assertTrue(letter.reason().startsWith("not JSON: 'Unrecognized token"), letter.reason());
  }

  @Test
  void classify_whenAFieldIsGivenTwice_isUnreplayableRatherThanSilentlyOneOfThem() {
    DeadLetter letter = DeadLetter.classify("{\"batchTypeId\":\"a\",\"batchTypeId\":\"b\"}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("Duplicate field"), letter.reason());
  }

  @Test
  void classify_whenScheduledEventWithEmptyDetail_isUnreplayable() {
    DeadLetter letter = DeadLetter.classify(event("invalid/scheduled-event-empty-detail.json"));

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("'Scheduled Event'"), letter.reason());
  }

  @Test
  void classify_whenBatchRequestedWithoutBatchTypeId_isUnreplayable() {
    DeadLetter letter =
        DeadLetter.classify(
            "{\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\",\"detail\":{}}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("no batchTypeId"), letter.reason());
  }

  @Test
  void classify_whenBatchRequestedFromAnAwsSource_isUnreplayable() {
    DeadLetter letter =
        DeadLetter.classify(
            "{\"detail-type\":\"Batch Requested\",\"source\":\"aws.events\","
                + "\"detail\":{\"batchTypeId\":\"x\"}}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("reserved source 'aws.events'"), letter.reason());
  }

  @Test
  void classify_whenBatchRequestedWithoutSource_isUnreplayable() {
    DeadLetter letter =
        DeadLetter.classify(
            "{\"detail-type\":\"Batch Requested\",\"detail\":{\"batchTypeId\":\"x\"}}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("without a source"), letter.reason());
  }

  @Test
  void classify_whenTaskStateChangeFromAnotherSource_isUnreplayable() throws Exception {
    ObjectNode event = (ObjectNode) JSON.readTree(event("task-state-change/running.json"));
    event.put("source", "legacy.monolith");

    DeadLetter letter = DeadLetter.classify(event.toString());

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("not aws.ecs"), letter.reason());
  }

  @Test
  void classify_whenTaskStateChangeWithoutDetail_isUnreplayable() {
    DeadLetter letter =
        DeadLetter.classify(
            "{\"detail-type\":\"ECS Task State Change\",\"source\":\"aws.ecs\",\"detail\":[]}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
  }

  @Test
  void classify_whenAnotherEcsEvent_isUnreplayable() {
    DeadLetter letter =
        DeadLetter.classify(
            "{\"detail-type\":\"ECS Container Instance State Change\",\"source\":\"aws.ecs\","
                + "\"detail\":{\"status\":\"ACTIVE\"}}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().contains("ECS Container Instance State Change"), letter.reason());
  }

  @Test
  void classify_whenObjectWithoutBatchTypeId_isUnreplayable() {
    DeadLetter letter = DeadLetter.classify("{\"hello\":\"world\"}");

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().startsWith("no batchTypeId"), letter.reason());
  }

  @Test
  void classify_whenBatchTypeIdIsNotText_isUnreplayable() {
    assertEquals(Kind.UNREPLAYABLE, DeadLetter.classify("{\"batchTypeId\":42}").kind());
    assertEquals(Kind.UNREPLAYABLE, DeadLetter.classify("{\"batchTypeId\":\"  \"}").kind());
  }

  @Test
  void classify_whenSqsEvent_isUnreplayable() {
    DeadLetter letter = DeadLetter.classify(event("sqs-batch.json"));

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.reason().startsWith("an SQS event"), letter.reason());
  }

  @Test
  void classify_whenFailureRecordHoldsAnSqsEvent_isUnreplayable() {
    DeadLetter letter = DeadLetter.classify(failureRecord(event("sqs-batch.json")));

    assertEquals(Kind.UNREPLAYABLE, letter.kind());
    assertTrue(letter.error().contains("DispatchFailedException"), "its error is still shown");
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "\"text\"", "[1,2]", "{}"})
  void classify_whenFailureRecordPayloadIsNoEvent_isUnreplayable(String payload) {
    String body =
        "{\"requestContext\":{\"condition\":\"RetriesExhausted\"},\"requestPayload\":"
            + payload
            + ",\"responseContext\":{},\"responsePayload\":null}";

    DeadLetter letter = DeadLetter.classify(body);

    assertEquals(Kind.UNREPLAYABLE, letter.kind(), payload);
  }

  @Test
  void classify_whenRequestPayloadWithoutRequestContext_isReadAsARequest() {
    // Only Lambda's record shape is unwrapped: a request that happens to have such a field is a
    // request (the function rejects its unknown field), not a record.
    DeadLetter letter =
        DeadLetter.classify("{\"batchTypeId\":\"x\",\"requestPayload\":{\"batchTypeId\":\"y\"}}");

    assertEquals(Kind.REQUEST, letter.kind());
    assertEquals("x", letter.batchTypeId());
  }

  private static String failureRecord(String payload) {
    try {
      ObjectNode record = (ObjectNode) JSON.readTree(event("dead-letters/failed-invocation.json"));
      record.set("requestPayload", JSON.readTree(payload));
      return record.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String event(String name) {
    return new String(Fixtures.event(name), StandardCharsets.UTF_8);
  }
}
