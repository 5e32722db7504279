package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventParserTest {
  private final AtomicInteger generated = new AtomicInteger();
  private final EventParser parser = new EventParser(() -> "gen-" + generated.incrementAndGet());

  // --- the three shapes, from events/ --------------------------------------------------------

  @Test
  void parse_whenEventBridgeEnvelopeFromMonolith_readsDetailWithCaseInsensitiveNames() {
    BatchRequest request = valid(parser.parse(event("monolith-put-events.json")));

    assertEquals("daily-report", request.batchTypeId());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", request.traceId());
    assertEquals(Map.of("reportDate", "2026-11-22", "tenant", "acme"), request.parameters());
    assertNull(request.idempotencyKey());
    assertEquals("6a7e8feb-b491-4cf7-a9f1-bf3703467718", request.eventId());
  }

  @Test
  void parse_whenBareRequestFromInputTransformer_readsItAndGeneratesTraceId() {
    BatchRequest request = valid(parser.parse(event("scheduled-input-transformer.json")));

    assertEquals("nightly-cleanup", request.batchTypeId());
    assertEquals(Map.of("scheduledTime", "2026-11-23T02:00:00Z"), request.parameters());
    assertEquals("gen-1", request.traceId());
    assertNull(request.eventId());
  }

  @Test
  void parse_whenDirectRequestWithExplicitKey_keepsKeyAndTraceId() {
    BatchRequest request = valid(parser.parse(event("direct-explicit-key.json")));

    assertEquals("invoice-export", request.batchTypeId());
    assertEquals("invoice-export/C1234567/2026-11", request.idempotencyKey());
    assertEquals("c0ffee00-1111-4222-8333-444455556666", request.traceId());
    assertEquals("parquet", request.parameters().get("format"));
  }

  @Test
  void parse_whenSqsBatch_readsEachRecordKeyedByMessageId() {
    Invocation.SqsBatch batch =
        assertInstanceOf(Invocation.SqsBatch.class, parser.parse(event("sqs-batch.json")));

    assertEquals(
        List.of(
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6da",
            "9a8b7c6d-5e4f-4321-8fed-cba987654321"),
        batch.messages().stream().map(Invocation.SqsMessage::messageId).toList());
    BatchRequest envelope = valid(batch.messages().get(0).request());
    assertEquals("daily-report", envelope.batchTypeId());
    assertEquals("d2b5a1c4-5e3f-4a4b-9c1d-7e8f9a0b1c2d", envelope.traceId());
    assertEquals("d2b5a1c4-5e3f-4a4b-9c1d-7e8f9a0b1c2d", envelope.eventId());
    BatchRequest bare = valid(batch.messages().get(1).request());
    assertEquals(
        Map.of("scheduledTime", "2026-11-22T02:00:00Z", "retentionDays", "7"), bare.parameters());
    assertEquals("2e1424d4-f796-459a-8184-9c92662be6da", bare.eventId());
    // The parser does not know the catalog: an unknown batch type is still a valid request here.
    assertEquals("no-such-batch", valid(batch.messages().get(2).request()).batchTypeId());
  }

  @Test
  void parse_whenScheduledEventWithEmptyDetail_rejectsDetailAskingForInput() {
    Rejection rejection =
        rejection(parser.parse(event("invalid/scheduled-event-empty-detail.json")));

    assertEquals("detail", rejection.field());
    assertTrue(rejection.reason().contains("Input or InputTransformer"), rejection.reason());
    assertTrue(rejection.reason().contains("Scheduled Event"), rejection.reason());
  }

  @Test
  void parse_whenEnvelopeHasNoDetail_rejectsDetailAskingForInput() {
    Rejection rejection =
        rejection(
            parse("{\"id\":\"e\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\"}"));

    assertEquals("detail", rejection.field());
    assertTrue(rejection.reason().contains("Input or InputTransformer"), rejection.reason());
  }

  @Test
  void parse_whenDetailIsNotAnObject_rejectsDetail() {
    Rejection rejection =
        rejection(
            parse(
                "{\"id\":\"e\",\"detail-type\":\"x\",\"source\":\"s\",\"detail\":\"daily-report\"}"));

    assertEquals("detail", rejection.field());
    assertTrue(rejection.reason().contains("must be a JSON object"), rejection.reason());
  }

  @Test
  void parse_whenParametersFixtureIsAnArray_rejectsParameters() {
    Rejection rejection = rejection(parser.parse(event("invalid/parameters-not-an-object.json")));

    assertEquals("parameters", rejection.field());
    assertTrue(rejection.reason().contains("an array"), rejection.reason());
  }

  // --- names and trace ids -------------------------------------------------------------------

  @Test
  void parse_whenTopLevelNamesInAnyCase_readsThem() {
    BatchRequest request =
        valid(
            parse(
                "{\"BATCHTYPEID\":\"b\",\"traceid\":\"t\",\"PaRaMeTeRs\":{\"a\":\"1\"},"
                    + "\"IdempotencyKey\":\"k\"}"));

    assertEquals("b", request.batchTypeId());
    assertEquals("t", request.traceId());
    assertEquals(Map.of("a", "1"), request.parameters());
    assertEquals("k", request.idempotencyKey());
  }

  @Test
  void parse_whenParameterNamesDifferInCase_keepsThemAsSent() {
    BatchRequest request =
        valid(parse("{\"batchTypeId\":\"b\",\"parameters\":{\"ReportDate\":\"1\"}}"));

    assertEquals(Map.of("ReportDate", "1"), request.parameters());
  }

  @Test
  void parse_whenTraceIdGivenInEnvelopeDetail_explicitWinsOverEnvelopeId() {
    BatchRequest request =
        valid(parse(envelope("ev-1", "{\"batchTypeId\":\"b\",\"traceId\":\"explicit\"}")));

    assertEquals("explicit", request.traceId());
    assertEquals(0, generated.get());
  }

  @Test
  void parse_whenNoTraceIdInEnvelope_usesEnvelopeId() {
    BatchRequest request = valid(parse(envelope("ev-1", "{\"batchTypeId\":\"b\"}")));

    assertEquals("ev-1", request.traceId());
    assertEquals(0, generated.get());
  }

  @Test
  void parse_whenTraceIdIsNull_usesEnvelopeId() {
    BatchRequest request =
        valid(parse(envelope("ev-1", "{\"batchTypeId\":\"b\",\"traceId\":null}")));

    assertEquals("ev-1", request.traceId());
  }

  @Test
  void parse_whenNoTraceIdAndNoEnvelope_usesSupplier() {
    BatchRequest first = valid(parse("{\"batchTypeId\":\"b\"}"));
    BatchRequest second = valid(parse("{\"batchTypeId\":\"b\"}"));

    assertEquals("gen-1", first.traceId());
    assertEquals("gen-2", second.traceId());
  }

  @Test
  void parse_whenEnvelopeIdIsNotAValidTraceId_usesSupplier() {
    BatchRequest request = valid(parse(envelope("has spaces in it", "{\"batchTypeId\":\"b\"}")));

    assertEquals("gen-1", request.traceId());
    assertEquals("has spaces in it", request.eventId());
  }

  // --- rejections ----------------------------------------------------------------------------

  @Test
  void parse_whenBatchTypeIdMissing_rejectsItAsRequired() {
    Rejection rejection = rejection(parse("{\"parameters\":{}}"));

    assertEquals("batchTypeId", rejection.field());
    assertEquals("required", rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"\"", "\"   \"", "42", "true", "[\"b\"]", "{\"id\":\"b\"}"})
  void parse_whenBatchTypeIdBlankOrNotAString_rejectsIt(String value) {
    Rejection rejection = rejection(parse("{\"batchTypeId\":" + value + "}"));

    assertEquals("batchTypeId", rejection.field());
    assertEquals("must be a non-empty string", rejection.reason());
  }

  @Test
  void parse_whenUnknownTopLevelField_rejectsNamingIt() {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"b\",\"priority\":1}"));

    assertTrue(rejection.field().contains("priority"), rejection.field());
    assertTrue(rejection.reason().startsWith("unknown field"), rejection.reason());
  }

  @Test
  void parse_whenSameFieldTwiceInDifferentCase_rejectsIt() {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"a\",\"BatchTypeId\":\"b\"}"));

    assertEquals("batchTypeId", rejection.field());
    assertTrue(rejection.reason().contains("given twice"), rejection.reason());
  }

  @Test
  void parse_whenSameFieldTwiceInSameCase_rejectsTheEvent() {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"a\",\"batchTypeId\":\"b\"}"));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("not valid JSON"), rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[\"reportDate\",\"2026-11-22\"]", "\"reportDate=2026-11-22\"", "42"})
  void parse_whenParametersNotAnObject_rejectsParameters(String value) {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"b\",\"parameters\":" + value + "}"));

    assertEquals("parameters", rejection.field());
    assertTrue(rejection.reason().startsWith("must be a JSON object"), rejection.reason());
  }

  @Test
  void parse_whenParametersNull_treatsThemAsNone() {
    assertEquals(
        Map.of(), valid(parse("{\"batchTypeId\":\"b\",\"parameters\":null}")).parameters());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"x\":1}", "[1,2]"})
  void parse_whenParameterValueIsObjectOrArray_rejectsThatParameter(String value) {
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"parameters\":{\"tenant\":" + value + "}}"));

    assertEquals("parameters.tenant", rejection.field());
    assertTrue(
        rejection.reason().startsWith("must be a string, number or boolean"), rejection.reason());
  }

  @Test
  void parse_whenParameterValueIsNull_treatsItAsAbsent() {
    BatchRequest request =
        valid(parse("{\"batchTypeId\":\"b\",\"parameters\":{\"tenant\":null,\"a\":\"1\"}}"));

    assertEquals(Map.of("a", "1"), request.parameters());
    assertFalse(request.parameters().containsKey("tenant"));
  }

  @Test
  void parse_whenParameterValuesAreNumbersOrBooleans_convertsThemToTheirJsonText() {
    BatchRequest request =
        valid(
            parse(
                "{\"batchTypeId\":\"b\",\"parameters\":{\"i\":42,\"d\":1.50,\"t\":true,\"f\":false,"
                    + "\"big\":12345678901234567890123,\"neg\":-0.001}}"));

    assertEquals(
        Map.of(
            "i", "42",
            "d", "1.50",
            "t", "true",
            "f", "false",
            "big", "12345678901234567890123",
            "neg", "-0.001"),
        request.parameters());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"has spaces\"", "\"\"", "42", "\"semi;colon\""})
  void parse_whenTraceIdInvalid_rejectsTraceId(String value) {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"b\",\"traceId\":" + value + "}"));

    assertEquals("traceId", rejection.field());
    assertTrue(rejection.reason().contains("1-128 characters"), rejection.reason());
  }

  @Test
  void parse_whenTraceIdIs200Characters_rejectsTraceId() {
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"traceId\":\"" + "a".repeat(200) + "\"}"));

    assertEquals("traceId", rejection.field());
  }

  @Test
  void parse_whenTraceIdIs128Characters_acceptsIt() {
    String trace = "a".repeat(128);

    assertEquals(
        trace, valid(parse("{\"batchTypeId\":\"b\",\"traceId\":\"" + trace + "\"}")).traceId());
  }

  @Test
  void parse_whenIdempotencyKeyTooLong_rejectsIt() {
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"idempotencyKey\":\"" + "k".repeat(257) + "\"}"));

    assertEquals("idempotencyKey", rejection.field());
    assertTrue(rejection.reason().contains("1-256 characters"), rejection.reason());
  }

  @Test
  void parse_whenIdempotencyKeyIs256Characters_acceptsIt() {
    String key = "k".repeat(256);

    assertEquals(
        key,
        valid(parse("{\"batchTypeId\":\"b\",\"idempotencyKey\":\"" + key + "\"}"))
            .idempotencyKey());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"a\\u0000b\"", "\"line\\nbreak\"", "\"\"", "42", "{\"k\":1}"})
  void parse_whenIdempotencyKeyEmptyHasControlCharsOrIsNotAString_rejectsIt(String value) {
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"idempotencyKey\":" + value + "}"));

    assertEquals("idempotencyKey", rejection.field());
    assertTrue(rejection.reason().contains("without control characters"), rejection.reason());
  }

  @Test
  void parse_whenMalformedJson_rejectsTheEvent() {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"b\","));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().startsWith("not valid JSON"), rejection.reason());
  }

  @Test
  void parse_whenTrailingTokens_rejectsTheEvent() {
    Rejection rejection = rejection(parse("{\"batchTypeId\":\"b\"} {\"batchTypeId\":\"c\"}"));

    assertEquals("event", rejection.field());
  }

  @Test
  void parse_whenNotAJsonObject_rejectsTheEvent() {
    Rejection rejection = rejection(parse("[\"daily-report\"]"));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("must be a JSON object"), rejection.reason());
  }

  @Test
  void parse_whenNestedDeeperThan32Levels_rejectsTheEvent() {
    String deep = "[".repeat(40) + "]".repeat(40);
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"parameters\":{\"x\":" + deep + "}}"));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("nested deeper than 32 levels"), rejection.reason());
  }

  @Test
  void parse_whenRequestOver256KB_rejectsTheEvent() {
    String big = "x".repeat(EventParser.MAX_REQUEST_BYTES);
    Rejection rejection =
        rejection(parse("{\"batchTypeId\":\"b\",\"parameters\":{\"blob\":\"" + big + "\"}}"));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("256 KB"), rejection.reason());
  }

  @Test
  void parse_whenSqsRecordBodyInvalid_onlyThatRecordIsInvalid() {
    String sqs =
        "{\"Records\":["
            + record("m-1", "{\\\"batchTypeId\\\":\\\"b\\\"}")
            + ","
            + record("m-2", "not json")
            + ","
            + record("m-3", "{\\\"batchTypeId\\\":\\\"c\\\"}")
            + "]}";

    Invocation.SqsBatch batch = assertInstanceOf(Invocation.SqsBatch.class, parse(sqs));

    assertEquals(3, batch.messages().size());
    assertEquals("b", valid(batch.messages().get(0).request()).batchTypeId());
    ParsedRequest.Invalid invalid =
        assertInstanceOf(ParsedRequest.Invalid.class, batch.messages().get(1).request());
    assertEquals("body", invalid.outcome().rejection().field());
    assertEquals("m-2", invalid.eventId());
    assertEquals("c", valid(batch.messages().get(2).request()).batchTypeId());
  }

  @Test
  void parse_whenSqsRecordBodyOver256KB_onlyThatRecordIsInvalid() {
    String body = "{\\\"batchTypeId\\\":\\\"" + "b".repeat(EventParser.MAX_REQUEST_BYTES) + "\\\"}";
    String sqs = "{\"Records\":[" + record("m-1", body) + "," + record("m-2", "{}") + "]}";

    Invocation.SqsBatch batch = assertInstanceOf(Invocation.SqsBatch.class, parse(sqs));

    Rejection tooLarge = rejection(batch.messages().get(0).request());
    assertEquals("body", tooLarge.field());
    assertTrue(tooLarge.reason().contains("256 KB"), tooLarge.reason());
    assertEquals("batchTypeId", rejection(batch.messages().get(1).request()).field());
  }

  @Test
  void parse_whenSqsRecordHasNoMessageId_rejectsTheInvocationNamingTheRecord() {
    Rejection rejection = rejection(parse("{\"Records\":[{\"body\":\"{}\"}]}"));

    assertEquals("Records[0].messageId", rejection.field());
  }

  // --- helpers -------------------------------------------------------------------------------

  private Invocation parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String envelope(String id, String detail) {
    return "{\"version\":\"0\",\"id\":\""
        + id
        + "\",\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\",\"detail\":"
        + detail
        + "}";
  }

  /** One SQS record; {@code escapedBody} is already escaped for a JSON string. */
  private static String record(String messageId, String escapedBody) {
    return "{\"messageId\":\""
        + messageId
        + "\",\"body\":\""
        + escapedBody
        + "\",\"eventSource\":\"aws:sqs\"}";
  }

  private static byte[] event(String name) {
    try {
      return Files.readAllBytes(Fixtures.events().resolve(name));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BatchRequest valid(Invocation invocation) {
    return valid(assertInstanceOf(Invocation.Direct.class, invocation).request());
  }

  private static BatchRequest valid(ParsedRequest parsed) {
    return assertInstanceOf(ParsedRequest.Valid.class, parsed, parsed::toString).request();
  }

  private static Rejection rejection(Invocation invocation) {
    return rejection(assertInstanceOf(Invocation.Direct.class, invocation).request());
  }

  private static Rejection rejection(ParsedRequest parsed) {
    return assertInstanceOf(ParsedRequest.Invalid.class, parsed, parsed::toString)
        .outcome()
        .rejection();
  }
}
