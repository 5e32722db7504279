package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.function.testing.RequestInvariants;
import dev.batchrunner.function.testing.TestPipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One example per hostile input of the issue, through the real pipeline ({@code FunctionFactory}
 * over an in-memory store and a recording launcher): each is refused naming the field, with nothing
 * launched and nothing stored, or dispatched with exactly what the catalog allows.
 */
class HostileInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VALID_DAILY =
      "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\"}}";

  private final TestPipeline pipeline = TestPipeline.shipped();
  private final TestPipeline freeText = TestPipeline.shippedWithFreeText();

  // --- size ------------------------------------------------------------------------------------

  @Test
  void process_whenEventOver256KB_rejectsEvent() {
    ObjectNode request = daily("2026-11-22");
    parameters(request).put("tenant", "a".repeat(EventParser.MAX_REQUEST_BYTES));

    Rejection rejection = rejected(pipeline, write(request));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("over the 256 KB limit"), rejection.reason());
  }

  @Test
  void process_whenFieldNameUsesANonAsciiLookalike_rejectsItAsUnknown() {
    // U+212A KELVIN SIGN lower-cases to 'k' under Unicode rules; field names ignore ASCII case
    // only.
    String payload =
        "{\"batchTypeId\":\"daily-report\",\"idempotency\u212Aey\":\"x\","
            + "\"parameters\":{\"reportDate\":\"2026-11-22\"}}";

    Rejection rejection = rejected(pipeline, payload);

    assertTrue(rejection.field().contains("idempotency"), rejection.field());
    assertTrue(rejection.reason().startsWith("unknown field"), rejection.reason());
    assertEquals(0, pipeline.launcher().count());
  }

  @Test
  void process_whenOneSqsBodyOver256KB_failsOnlyThatRecord() {
    ObjectNode big = daily("2026-11-21");
    parameters(big).put("tenant", "a".repeat(EventParser.MAX_REQUEST_BYTES));

    List<String> failed =
        failedItems(pipeline, sqs(VALID_DAILY, text(big), text(daily("2026-11-20"))));

    assertEquals(List.of("m-2"), failed);
    assertEquals(2, pipeline.launcher().count());
  }

  @Test
  void process_whenStringValueIsOneMegabyte_rejectsEventBySizeBeforeAnyParameterCheck() {
    ObjectNode request = daily("2026-11-22");
    parameters(request).put("tenant", "x".repeat(1024 * 1024));

    assertEquals("event", rejected(pipeline, write(request)).field());
  }

  @Test
  void process_whenFreeTextValueOverItsMaxLength_rejectsThatParameter() {
    Rejection rejection =
        rejected(
            freeText,
            "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":\"%s\"}}"
                .formatted("n".repeat(4001)));

    assertEquals("parameters.note", rejection.field());
    assertTrue(rejection.reason().contains("over its maxLength 4000"), rejection.reason());
  }

  @Test
  void process_whenOverridesWouldPassEcsLimit_rejectsParameters() {
    String note = "n".repeat(4000);
    Rejection rejection =
        rejected(
            freeText,
            "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":\"%s\",\"secret\":\"%s\"}}"
                .formatted(note, note));

    assertEquals("parameters", rejection.field());
    assertTrue(rejection.reason().contains("over ECS's limit of 8192"), rejection.reason());
  }

  // --- nesting and shape -----------------------------------------------------------------------

  @Test
  void process_whenValueNested10000Deep_rejectsEventWithoutStackOverflow() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);

    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":" + deep + "}}");

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("nested deeper than 32 levels"), rejection.reason());
  }

  @Test
  void process_whenWholeEventIsObjectsNested10000Deep_rejectsEvent() {
    String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);

    assertEquals("event", rejected(pipeline, deep).field());
  }

  @Test
  void process_whenSqsBodyNested10000Deep_failsOnlyThatRecord() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);

    assertEquals(List.of("m-1"), failedItems(pipeline, sqs(deep, VALID_DAILY)));
    assertEquals(1, pipeline.launcher().count());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"[\"reportDate\",\"2026-11-22\"]", "\"reportDate=2026-11-22\"", "42", "true"})
  void process_whenParametersIsNotAnObject_rejectsParameters(String parameters) {
    Rejection rejection =
        rejected(pipeline, "{\"batchTypeId\":\"daily-report\",\"parameters\":" + parameters + "}");

    assertEquals("parameters", rejection.field());
    assertTrue(rejection.reason().startsWith("must be a JSON object"), rejection.reason());
  }

  @Test
  void process_whenParametersIsNull_treatsItAsNoParameters() {
    Rejection rejection =
        rejected(pipeline, "{\"batchTypeId\":\"daily-report\",\"parameters\":null}");
    TaskLaunch launch = dispatched(freeText, "{\"batchTypeId\":\"free-text\",\"parameters\":null}");

    assertEquals("parameters.reportDate", rejection.field());
    assertEquals("required", rejection.reason());
    assertFalse(launch.container().environment().containsKey("NOTE"));
    assertFalse(launch.container().environment().containsKey("LABEL"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[\"daily-report\"]", "\"daily-report\"", "42", "null"})
  void process_whenWholeEventIsNotAnObject_rejectsEvent(String event) {
    Rejection rejection = rejected(pipeline, event);

    assertEquals("event", rejection.field());
    assertEquals("must be a JSON object", rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n\t"})
  void process_whenPayloadIsEmptyOrBlank_rejectsEvent(String payload) {
    assertEquals("event", rejected(pipeline, payload).field());
  }

  // --- value types and characters ----------------------------------------------------------------

  @Test
  void process_whenValuesAreNumbersAndBooleans_dispatchesThemAsTheirText() {
    TaskLaunch daily =
        dispatched(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\","
                + "\"tenant\":true}}");
    TaskLaunch cleanup =
        dispatched(
            pipeline,
            "{\"batchTypeId\":\"nightly-cleanup\",\"parameters\":"
                + "{\"scheduledTime\":\"2026-11-22T02:00:00Z\",\"retentionDays\":7}}");
    TaskLaunch free =
        dispatched(
            freeText,
            "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":1.50,"
                + "\"label\":12345678901234567890}}");

    assertEquals("true", daily.container().environment().get("TENANT"));
    assertEquals("7", cleanup.container().environment().get("RETENTION_DAYS"));
    assertEquals("1.50", free.container().environment().get("NOTE"));
    assertEquals("12345678901234567890", free.container().environment().get("LABEL"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\\u0000", "\\u0007", "\\u001b[31m", "\\u007f", "\\n", "\\r\\n"})
  void process_whenValueHasControlCharacter_rejectsThatParameter(String escaped) {
    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\","
                + "\"tenant\":\"acme"
                + escaped
                + "\"}}");

    assertEquals("parameters.tenant", rejection.field());
  }

  @Test
  void process_whenFreeTextValueHasNul_rejectsNamingTheControlCharacter() {
    Rejection rejection =
        rejected(
            freeText, "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":\"a\\u0000b\"}}");

    assertEquals("parameters.note", rejection.field());
    assertEquals("contains control character U+0000", rejection.reason());
  }

  @Test
  void process_whenUnicodeValueAndPatternAllowsIt_dispatchesItIntact() {
    String note = "Grüße 😀 مرحبا שלום \u202Eabc\u202C 日本語 e\u0301";
    ObjectNode request = JSON.createObjectNode().put("batchTypeId", "free-text");
    request.putObject("parameters").put("note", note);

    TaskLaunch launch = dispatched(freeText, text(request));

    assertEquals(note, launch.container().environment().get("NOTE"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"C１２３４５６７", "C1234567😀", "Ｃ1234567", "C١٢٣٤٥٦٧"})
  void process_whenUnicodeValueAndPatternForbidsIt_rejectsThatParameter(String customerId) {
    ObjectNode request = JSON.createObjectNode().put("batchTypeId", "invoice-export");
    request.putObject("parameters").put("customerId", customerId);

    Rejection rejection = rejected(pipeline, text(request));

    assertEquals("parameters.customerId", rejection.field());
    assertTrue(rejection.reason().contains("does not match pattern"), rejection.reason());
  }

  // --- batch type ids and names ------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../../etc/passwd",
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:1",
        "daily-report\u0000",
        "daily-report\n",
        "DAILY-REPORT"
      })
  void process_whenBatchTypeIdLooksLikePathOrArn_rejectsItAsUnknownEscaped(String batchTypeId) {
    ObjectNode request = daily("2026-11-22").put("batchTypeId", batchTypeId);

    Rejection rejection = rejected(pipeline, text(request));

    assertEquals("batchTypeId", rejection.field());
    assertTrue(rejection.reason().startsWith("unknown batch type '"), rejection.reason());
    assertTrue(
        rejection.reason().contains("(known: daily-report, invoice-export, nightly-cleanup)"),
        rejection.reason());
  }

  @Test
  void process_whenBatchTypeIdIsLongPathWithNul_showsItEscapedAndCut() {
    String batchTypeId = "../".repeat(100) + "etc/passwd\u0000";
    ObjectNode request = daily("2026-11-22").put("batchTypeId", batchTypeId);

    Rejection rejection = rejected(pipeline, text(request));

    assertEquals("batchTypeId", rejection.field());
    assertTrue(rejection.reason().contains("… (311 chars)"), rejection.reason());
    assertFalse(rejection.reason().contains("passwd"), "cut before the end: " + rejection.reason());
  }

  @Test
  void process_whenBatchTypeIdHasNul_showsItEscaped() {
    ObjectNode request = daily("2026-11-22").put("batchTypeId", "daily-report\u0000");

    Rejection rejection = rejected(pipeline, text(request));

    assertTrue(
        rejection.reason().contains("'daily-report\\u0000'"), "escaped: " + rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "LD_PRELOAD",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "PATH",
        "path",
        "HOME",
        "TRACE_ID",
        "BATCH_TYPE_ID",
        "OUTPUT_BUCKET",
        "REPORT_DATE"
      })
  void process_whenParameterNameIsAnEnvironmentName_rejectsItAsNotDeclared(String name) {
    ObjectNode request = daily("2026-11-22");
    parameters(request).put(name, "/tmp/evil.so");

    Rejection rejection = rejected(pipeline, text(request));

    assertEquals("parameters." + name, rejection.field());
    assertEquals(
        "not declared for batch type 'daily-report' (declared: reportDate, tenant)",
        rejection.reason());
  }

  @Test
  void process_whenValidRequestDispatched_environmentHoldsOnlyDeclaredNames() {
    TaskLaunch launch = dispatched(pipeline, VALID_DAILY);

    assertEquals(
        List.of(
            "TRACE_ID",
            "BATCH_TYPE_ID",
            "IDEMPOTENCY_KEY",
            "OUTPUT_BUCKET",
            "REPORT_DATE",
            "TENANT"),
        List.copyOf(launch.container().environment().keySet()));
    launch
        .container()
        .environment()
        .keySet()
        .forEach(name -> assertFalse(RequestInvariants.isReservedEnvName(name), name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"environment", "env", "Environment", "ENV"})
  void process_whenTopLevelFieldIsEnvironment_rejectsItAsUnknownField(String field) {
    ObjectNode request = daily("2026-11-22");
    request.putObject(field).put("LD_PRELOAD", "/tmp/evil.so");

    Rejection rejection = rejected(pipeline, text(request));

    assertEquals(field, rejection.field());
    assertTrue(rejection.reason().startsWith("unknown field"), rejection.reason());
  }

  // --- bytes -------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"ff", "c080", "eda080", "f888808080", "e282"})
  void process_whenPayloadIsInvalidUtf8_rejectsEvent(String hex) {
    byte[] junk = java.util.HexFormat.of().parseHex(hex);
    byte[] head = "{\"batchTypeId\":\"daily-report".getBytes(StandardCharsets.UTF_8);
    byte[] tail =
        "\",\"parameters\":{\"reportDate\":\"2026-11-22\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[head.length + junk.length + tail.length];
    System.arraycopy(head, 0, payload, 0, head.length);
    System.arraycopy(junk, 0, payload, head.length, junk.length);
    System.arraycopy(tail, 0, payload, head.length + junk.length, tail.length);

    Rejection rejection = rejected(pipeline, payload);

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().startsWith("not valid"), rejection.reason());
  }

  // --- found by RequestInvariantPropertiesTest ---------------------------------------------------

  @Test
  void process_whenRequestCarriesRecordsBesideItsFields_rejectsRecordsAsUnknownField() {
    // Was answered as an empty SQS batch: nothing launched, nothing refused, the request lost.
    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\"},"
                + "\"Records\":[]}");

    assertEquals("Records", rejection.field());
    assertTrue(rejection.reason().startsWith("unknown field"), rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"Records\":[{\"body\":\"{}\"}]}", "{\"Records\":[\"x\"]}"})
  void process_whenRecordsLackMessageId_rejectsNamingTheRecordNotIllegalArgument(String event) {
    Rejection rejection = rejected(pipeline, event);

    assertEquals("Records[0].messageId", rejection.field());
  }

  @Test
  void process_whenEmptyDetailEnvelopeHasHostileDetailType_rejectsDetailWithTypeEscapedAndCut() {
    ObjectNode envelope =
        JSON.createObjectNode()
            .put("version", "0")
            .put("id", "89d1a02d-5ec7-412e-82f5-13505f849b41")
            .put("detail-type", "\u0000\u001b[2J".repeat(500))
            .put("source", "aws.events");
    envelope.putObject("detail");

    Rejection rejection = rejected(pipeline, text(envelope));

    assertEquals("detail", rejection.field());
    assertTrue(rejection.reason().contains("Input or InputTransformer"), rejection.reason());
  }

  @Test
  void process_whenParameterNameIsControlCharacters_namesAShortField() {
    ObjectNode request = daily("2026-11-22");
    parameters(request).put("\u0000".repeat(100), "x");

    Rejection rejection = rejected(pipeline, text(request));

    assertTrue(rejection.field().startsWith("parameters.'\\u0000"), rejection.field());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\\ud800b", "\\udc00", "x\\ud83d"})
  void process_whenValueIsJsonEscapedLoneSurrogate_rejectsThatParameter(String escaped) {
    // Valid JSON syntax, but not Unicode text: it would reach the task as a broken string.
    Rejection rejection =
        rejected(
            freeText,
            "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":\"" + escaped + "\"}}");

    assertEquals("parameters.note", rejection.field());
  }

  @Test
  void process_whenNumberValueHasHugeExponent_rejectsThatParameter() {
    // 1e2147483647 written out is two billion digits: NegativeArraySizeException, or with a
    // smaller exponent (1e999999999) a gigabyte string and seconds of CPU.
    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\","
                + "\"tenant\":1e2147483647}}");

    assertEquals("parameters.tenant", rejection.field());
  }

  @Test
  void process_whenNumberOutOfBigDecimalRange_rejectsEvent() {
    // Jackson throws a bare NumberFormatException for it while reading the tree.
    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\","
                + "\"tenant\":1e-2147483648}}");

    assertEquals("event", rejection.field());
  }

  @Test
  void process_whenSqsBodiesHaveNumbersOutOfRange_failsOnlyThoseRecords() {
    String outOfRange =
        "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-21\","
            + "\"tenant\":1e-2147483648}}";
    String hugeExponent =
        "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-20\","
            + "\"tenant\":1e2147483647}}";

    List<String> failed = failedItems(pipeline, sqs(VALID_DAILY, outOfRange, hugeExponent));

    assertEquals(List.of("m-2", "m-3"), failed);
    assertEquals(1, pipeline.launcher().count());
  }

  @Test
  void process_whenNumberHas2000Digits_rejectsEventWithoutBlamingNesting() {
    Rejection rejection =
        rejected(
            pipeline,
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"tenant\":"
                + "1".repeat(2000)
                + "}}");

    assertEquals("event", rejection.field());
    assertFalse(rejection.reason().contains("nested"), rejection.reason());
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** Asserts a well-formed rejection with no launch and no record, and returns it. */
  private static Rejection rejected(TestPipeline pipeline, byte[] payload) {
    RequestRejectedException e =
        assertThrows(RequestRejectedException.class, () -> pipeline.process(payload));
    RequestInvariants.assertWellFormed(e);
    assertEquals(0, pipeline.launcher().count(), "no task for a rejected request");
    assertEquals(0, pipeline.store().size(), "no idempotency record for a rejected request");
    return e.rejection();
  }

  private static Rejection rejected(TestPipeline pipeline, String payload) {
    return rejected(pipeline, payload.getBytes(StandardCharsets.UTF_8));
  }

  /** Asserts a DISPATCHED answer with one launch within ECS's limits, and returns the launch. */
  private static TaskLaunch dispatched(TestPipeline pipeline, String payload) {
    int before = pipeline.launcher().count();
    JsonNode answer = read(pipeline.process(payload));

    assertEquals("DISPATCHED", answer.path("outcome").asText(), answer.toString());
    assertEquals(before + 1, pipeline.launcher().count(), "exactly one task");
    TaskLaunch launch = pipeline.launcher().launches().get(before);
    RequestInvariants.assertWithinLimits(pipeline.catalog(), launch);
    return launch;
  }

  /** The ids of the failed records; the invocation itself must answer, never throw. */
  private static List<String> failedItems(TestPipeline pipeline, byte[] sqsEvent) {
    JsonNode answer = read(pipeline.process(sqsEvent));
    List<String> ids = new ArrayList<>();
    answer.get("batchItemFailures").forEach(f -> ids.add(f.get("itemIdentifier").textValue()));
    return ids;
  }

  /** An SQS event whose records m-1, m-2, … carry {@code bodies}. */
  private static byte[] sqs(String... bodies) {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (int i = 0; i < bodies.length; i++) {
      records
          .addObject()
          .put("messageId", "m-" + (i + 1))
          .put("body", bodies[i])
          .put("eventSource", "aws:sqs");
    }
    return write(event);
  }

  private static ObjectNode daily(String reportDate) {
    ObjectNode request = JSON.createObjectNode().put("batchTypeId", "daily-report");
    request.putObject("parameters").put("reportDate", reportDate);
    return request;
  }

  private static ObjectNode parameters(ObjectNode request) {
    return (ObjectNode) request.get("parameters");
  }

  private static String text(JsonNode node) {
    return new String(write(node), StandardCharsets.UTF_8);
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(byte[] answer) {
    try {
      return JSON.readTree(answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
