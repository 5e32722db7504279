package dev.batchrunner.function.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.testing.RequestInvariants;
import dev.batchrunner.function.testing.TestPipeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The issue's invariant, for any input however mutated: the pipeline ({@code FunctionFactory} over
 * an in-memory store and a recording launcher) either dispatches exactly one task that ECS accepts
 * and that carries only what the catalog declares, or throws a {@link RequestRejectedException}
 * that names the field in a short, printable message, and nothing else. Inputs start from the
 * {@code events/} samples and the shipped catalog and are then mutated field by field and byte by
 * byte.
 */
class RequestInvariantPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final List<String> FIELDS =
      List.of("batchTypeId", "traceId", "parameters", "idempotencyKey");

  /** Valid requests to start from: the samples, the SQS sample's bodies and one per batch. */
  private static final List<ObjectNode> SEEDS = seeds();

  // --- properties ------------------------------------------------------------------------------

  @Property(tries = 3000, shrinking = ShrinkingMode.BOUNDED)
  void process_whenDirectInputIsMutated_dispatchesWithinLimitsOrRejectsNamingAField(
      @ForAll("inputs") Input input) {
    TestPipeline pipeline = TestPipeline.shippedWithFreeText();

    Result first = run(pipeline, input.bytes());
    // Redelivery of the same bytes: never a second task, and the same refusal for the same input.
    Result second = run(pipeline, input.bytes());

    switch (first.kind()) {
      case "DISPATCHED" -> {
        assertEquals("DUPLICATE", second.kind(), "the same request again must be a duplicate");
        assertEquals(first.answer().get("idempotencyKey"), second.answer().get("idempotencyKey"));
        assertEquals(first.answer().get("taskArns"), second.answer().get("taskArns"));
        assertEquals(1, pipeline.launcher().count(), "exactly one task per request");
      }
      case "REJECTED" -> {
        assertEquals(first, second, "the same input must be refused the same way");
        assertEquals(0, pipeline.launcher().count(), "no task for a rejected request");
      }
      case "SQS" -> assertEquals(first.kind(), second.kind());
      default -> fail("a fresh pipeline answered " + first);
    }
    Statistics.label("outcome").collect(first.kind());
    Statistics.label("outcome")
        .coverage(
            coverage -> {
              coverage.check("DISPATCHED").percentage(p -> p >= 10);
              coverage.check("REJECTED").percentage(p -> p >= 30);
            });
  }

  @Property(tries = 500, shrinking = ShrinkingMode.BOUNDED)
  void process_whenSqsRecordsCarryMutatedRequests_failsExactlyTheRecordsInvalidOnTheirOwn(
      @ForAll("sqsBodies") List<SqsBody> bodies) {
    // The expectation: each body run alone as a direct invocation, in order, through a pipeline
    // of their own (so that a reused idempotencyKey conflicts there exactly as in the batch). A
    // body that is itself an SQS event is no request: its record must fail.
    TestPipeline alone = TestPipeline.shippedWithFreeText();
    List<String> expectedFailures = new ArrayList<>();
    for (int i = 0; i < bodies.size(); i++) {
      SqsBody body = bodies.get(i);
      boolean valid =
          body.text() != null
              && !isSqsEvent(body.bytes())
              && !"REJECTED".equals(run(alone, body.bytes()).kind());
      if (!valid) {
        expectedFailures.add(messageId(i));
      }
    }

    TestPipeline sqs = TestPipeline.shippedWithFreeText();
    byte[] answer;
    try {
      answer = sqs.process(sqsEvent(bodies));
    } catch (Throwable e) {
      throw new AssertionError("an SQS invocation must answer, not throw: " + e, e);
    }

    assertEquals(expectedFailures, failedItems(answer), "batchItemFailures");
    assertEquals(alone.launcher().count(), sqs.launcher().count(), "tasks launched");
    sqs.launcher()
        .launches()
        .forEach(launch -> RequestInvariants.assertWithinLimits(sqs.catalog(), launch));
    assertEquals(bodies.size(), sqs.observer().summaries().size(), "one log line per record");

    Statistics.label("records")
        .collect(
            expectedFailures.isEmpty()
                ? "all ok"
                : expectedFailures.size() == bodies.size() ? "all failed" : "some failed");
    Statistics.label("records")
        .coverage(
            coverage -> {
              coverage.check("all ok").count(c -> c > 0);
              coverage.check("some failed").count(c -> c > 0);
            });
  }

  // --- running one invocation and checking the invariant ----------------------------------------

  /** What one invocation came to: its kind, its answer, or its rejection message. */
  record Result(String kind, JsonNode answer, String rejection) {}

  private static Result run(TestPipeline pipeline, byte[] payload) {
    int launchesBefore = pipeline.launcher().count();
    int recordsBefore = pipeline.store().size();
    int summariesBefore = pipeline.observer().summaries().size();
    byte[] answer;
    try {
      answer = pipeline.process(payload);
    } catch (RequestRejectedException e) {
      RequestInvariants.assertWellFormed(e);
      assertEquals(launchesBefore, pipeline.launcher().count(), "launch despite " + e.getMessage());
      assertEquals(recordsBefore, pipeline.store().size(), "record written for a rejection");
      assertEquals(
          summariesBefore + 1, pipeline.observer().summaries().size(), "one log line a request");
      return new Result("REJECTED", null, e.getMessage());
    } catch (Throwable e) {
      throw new AssertionError(
          "neither an answer nor a RequestRejectedException, but " + e.getClass().getName(), e);
    }

    JsonNode tree = readTree(answer);
    if (isSqsEvent(payload)) {
      // An SQS event: per-record answers, however odd its records; never a task without a record.
      assertTrue(tree.path("batchItemFailures").isArray(), "SQS answer " + tree);
      pipeline
          .launcher()
          .launches()
          .forEach(launch -> RequestInvariants.assertWithinLimits(pipeline.catalog(), launch));
      return new Result("SQS", tree, null);
    }

    String outcome = tree.path("outcome").asText();
    int launched = pipeline.launcher().count() - launchesBefore;
    switch (outcome) {
      case "DISPATCHED" -> {
        assertEquals(1, launched, "tasks launched for one DISPATCHED request");
        TaskLaunch launch = pipeline.launcher().launches().get(pipeline.launcher().count() - 1);
        RequestInvariants.assertWithinLimits(pipeline.catalog(), launch);
        assertEquals(
            launch.batchTypeId() + "#" + launch.clientToken(),
            tree.path("idempotencyKey").asText(),
            "the answer's idempotencyKey is the record id of the launch");
        assertEquals(
            RequestStatus.DISPATCHED,
            pipeline.store().get(tree.path("idempotencyKey").asText()).orElseThrow().status());
      }
      case "DUPLICATE" -> assertEquals(0, launched, "a duplicate launched a task");
      default -> fail("answer is neither DISPATCHED nor DUPLICATE: " + tree);
    }
    assertEquals(
        summariesBefore + 1, pipeline.observer().summaries().size(), "one log line a request");
    return new Result(outcome, tree, null);
  }

  /**
   * Whether {@code payload} is an SQS event: an object whose only field is a "Records" array (what
   * Lambda sends; a request with a "Records" field among others is not one).
   */
  private static boolean isSqsEvent(byte[] payload) {
    JsonNode root = lenientTree(payload);
    return root != null && root.isObject() && root.size() == 1 && root.path("Records").isArray();
  }

  private static JsonNode lenientTree(byte[] payload) {
    try {
      return JSON.readTree(payload);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static List<String> failedItems(byte[] answer) {
    JsonNode tree = readTree(answer);
    assertEquals(List.of("batchItemFailures"), fieldNames(tree), "SQS answer " + tree);
    List<String> ids = new ArrayList<>();
    for (JsonNode failure : tree.get("batchItemFailures")) {
      assertEquals(List.of("itemIdentifier"), fieldNames(failure), "failure " + failure);
      ids.add(failure.get("itemIdentifier").textValue());
    }
    return ids;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static JsonNode readTree(byte[] answer) {
    try {
      return JSON.readTree(answer);
    } catch (IOException e) {
      throw new AssertionError("the answer is not JSON: " + new String(answer), e);
    }
  }

  // --- SQS events -------------------------------------------------------------------------------

  /**
   * One SQS record's body: text (a mutated request), or a non-text JSON value when text is null.
   */
  record SqsBody(String text, JsonNode nonText) {
    byte[] bytes() {
      return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return text == null ? "body " + nonText : "body " + RequestInvariants.preview(text);
    }
  }

  private static String messageId(int index) {
    return "msg-" + index + "-0c4f6d1e-7a2b-4c3d-9e8f-" + String.format("%012d", index);
  }

  private static byte[] sqsEvent(List<SqsBody> bodies) {
    ObjectNode event = NODES.objectNode();
    ArrayNode records = event.putArray("Records");
    for (int i = 0; i < bodies.size(); i++) {
      ObjectNode record = records.addObject();
      record.put("messageId", messageId(i));
      record.put("receiptHandle", "AQEB" + i);
      if (bodies.get(i).text() != null) {
        record.put("body", bodies.get(i).text());
      } else {
        record.set("body", bodies.get(i).nonText());
      }
      record.putObject("attributes").put("ApproximateReceiveCount", "1");
      record.putObject("messageAttributes");
      record.put("eventSource", "aws:sqs");
      record.put("eventSourceARN", "arn:aws:sqs:eu-west-1:123456789012:batch-runner-requests");
      record.put("awsRegion", "eu-west-1");
    }
    return write(event);
  }

  @Provide
  Arbitrary<List<SqsBody>> sqsBodies() {
    Arbitrary<SqsBody> text =
        inputs().map(input -> new SqsBody(new String(input.bytes(), StandardCharsets.UTF_8), null));
    Arbitrary<SqsBody> nonText =
        Arbitraries.<JsonNode>of(
                NODES.nullNode(),
                NODES.numberNode(42),
                NODES.booleanNode(true),
                NODES.objectNode().put("batchTypeId", "daily-report"),
                NODES.arrayNode())
            .map(node -> new SqsBody(null, node));
    return Arbitraries.frequencyOf(Tuple.of(12, text), Tuple.of(1, nonText))
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  // --- inputs: seeds, mutations, shapes, corruptions ---------------------------------------------

  /** One generated payload, described by how it was made (the bytes may be 300 KB). */
  record Input(String description, byte[] bytes) {
    @Override
    public String toString() {
      return description
          + " => "
          + RequestInvariants.preview(new String(bytes, StandardCharsets.UTF_8))
          + " ("
          + bytes.length
          + " bytes)";
    }
  }

  /** A change to the request object (the envelope's detail, or the bare request). */
  record Mutation(String description, Consumer<ObjectNode> change) {
    @Override
    public String toString() {
      return description;
    }
  }

  /** How the request is delivered: bare, in an EventBridge envelope, or as an empty schedule. */
  record Shape(String description, Function<ObjectNode, ObjectNode> wrap) {
    @Override
    public String toString() {
      return description;
    }
  }

  /** A change to the serialized bytes. */
  record Corruption(String description, Function<byte[], byte[]> change) {
    @Override
    public String toString() {
      return description;
    }
  }

  @Provide
  Arbitrary<Input> inputs() {
    Arbitrary<Integer> seedIndex = Arbitraries.integers().between(0, SEEDS.size() - 1);
    Arbitrary<List<Mutation>> mutations =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(List.<Mutation>of())),
            Tuple.of(6, mutation().list().ofMinSize(1).ofMaxSize(4)));
    Arbitrary<Shape> shape =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just(new Shape("as sent", root -> root))),
            Tuple.of(2, Arbitraries.just(new Shape("bare", RequestInvariantPropertiesTest::bare))),
            Tuple.of(2, envelope()),
            Tuple.of(1, emptyEnvelope()));
    Arbitrary<Corruption> corruption =
        Arbitraries.frequencyOf(
            Tuple.of(12, Arbitraries.just(new Corruption("intact", bytes -> bytes))),
            Tuple.of(3, corruption()));
    return Combinators.combine(seedIndex, mutations, shape, corruption)
        .as(
            (index, changes, wrap, corrupt) -> {
              ObjectNode root = SEEDS.get(index).deepCopy();
              ObjectNode request = requestOf(root);
              changes.forEach(m -> m.change().accept(request));
              byte[] bytes = corrupt.change().apply(write(wrap.wrap().apply(root)));
              return new Input("seed " + index + " " + changes + " " + wrap + " " + corrupt, bytes);
            });
  }

  private Arbitrary<Mutation> mutation() {
    Arbitrary<String> field = Arbitraries.of(FIELDS);
    Arbitrary<Integer> index = Arbitraries.integers().between(0, 7);
    return Arbitraries.frequencyOf(
        Tuple.of(2, field.map(f -> new Mutation("drop " + f, request -> remove(request, f)))),
        Tuple.of(
            2,
            Combinators.combine(field, caseVariantIndex())
                .as(
                    (f, variant) -> {
                      String name = caseVariant(f, variant);
                      return new Mutation(
                          "rename " + f + " to " + name, request -> rename(request, f, name));
                    })),
        Tuple.of(
            1,
            Combinators.combine(field, hostileFieldName())
                .as(
                    (f, name) ->
                        new Mutation(
                            "rename " + f + " to " + RequestInvariants.preview(name),
                            request -> rename(request, f, name)))),
        Tuple.of(
            1,
            Combinators.combine(field, caseVariantIndex())
                .as(
                    (f, variant) -> {
                      String name = caseVariant(f, variant);
                      return new Mutation(
                          "duplicate " + f + " as " + name, request -> duplicate(request, f, name));
                    })),
        Tuple.of(
            1,
            Combinators.combine(hostileFieldName(), anyJson())
                .as(
                    (name, value) ->
                        new Mutation(
                            "add field " + RequestInvariants.preview(name) + "=" + describe(value),
                            request -> request.set(name, value)))),
        Tuple.of(
            3,
            hostileBatchTypeId()
                .map(
                    value ->
                        new Mutation(
                            "batchTypeId=" + describe(value),
                            request -> set(request, "batchTypeId", value)))),
        Tuple.of(
            2,
            traceIdValue()
                .map(
                    value ->
                        new Mutation(
                            "traceId=" + describe(value),
                            request -> set(request, "traceId", value)))),
        Tuple.of(
            2,
            idempotencyKeyValue()
                .map(
                    value ->
                        new Mutation(
                            "idempotencyKey=" + describe(value),
                            request -> set(request, "idempotencyKey", value)))),
        Tuple.of(
            2,
            anyJson()
                .filter(value -> !value.isObject())
                .map(
                    value ->
                        new Mutation(
                            "parameters=" + describe(value),
                            request -> set(request, "parameters", value)))),
        Tuple.of(
            4,
            Combinators.combine(index, parameterValue())
                .as(
                    (i, value) ->
                        new Mutation(
                            "parameter #" + i + "=" + describe(value),
                            request -> setParameter(request, i, value)))),
        Tuple.of(
            3,
            Combinators.combine(hostileParameterName(), parameterValue())
                .as(
                    (name, value) ->
                        new Mutation(
                            "add parameter "
                                + RequestInvariants.preview(name)
                                + "="
                                + describe(value),
                            request -> parameters(request).set(name, value)))),
        Tuple.of(
            1,
            index.map(
                i -> new Mutation("drop parameter #" + i, request -> dropParameter(request, i)))));
  }

  private Arbitrary<Shape> envelope() {
    Arbitrary<JsonNode> id =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(NODES.textNode("6a7e8feb-b491-4cf7-a9f1-bf3703467718"))),
            Tuple.of(1, Arbitraries.just(NODES.missingNode())),
            Tuple.of(1, hostileString().map(NODES::textNode)),
            Tuple.of(1, anyJson()));
    Arbitrary<JsonNode> detailType =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(NODES.textNode("Batch Requested"))),
            Tuple.of(1, Arbitraries.just(NODES.missingNode())),
            Tuple.of(1, hostileString().map(NODES::textNode)));
    return Combinators.combine(id, detailType)
        .as(
            (eventId, type) ->
                new Shape(
                    "envelope id=" + describe(eventId) + " detail-type=" + describe(type),
                    root -> envelope(bare(root), eventId, type)));
  }

  private Arbitrary<Shape> emptyEnvelope() {
    Arbitrary<JsonNode> detail =
        Arbitraries.of(
            NODES.objectNode(),
            NODES.nullNode(),
            NODES.missingNode(),
            NODES.textNode("daily-report"),
            NODES.arrayNode().add("daily-report"));
    Arbitrary<JsonNode> detailType =
        Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.just(NODES.textNode("Scheduled Event"))),
            Tuple.of(3, hostileString().map(NODES::textNode)),
            Tuple.of(1, anyJson()));
    return Combinators.combine(detail, detailType)
        .as(
            (d, type) ->
                new Shape(
                    "scheduled envelope detail=" + describe(d) + " detail-type=" + describe(type),
                    root -> {
                      ObjectNode envelope =
                          envelope(NODES.objectNode(), NODES.textNode("ev"), type);
                      envelope.remove("detail");
                      if (!d.isMissingNode()) {
                        envelope.set("detail", d);
                      }
                      envelope.put("source", "aws.events");
                      return envelope;
                    }));
  }

  private Arbitrary<Corruption> corruption() {
    Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
    return Arbitraries.oneOf(
        where.map(
            at ->
                new Corruption(
                    "truncated at " + at, bytes -> slice(bytes, 0, (int) (bytes.length * at)))),
        Combinators.combine(
                where,
                Arbitraries.of(
                    new byte[] {(byte) 0xff},
                    new byte[] {(byte) 0xc0, (byte) 0x80},
                    new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                    new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                    new byte[] {(byte) 0xe2, (byte) 0x82},
                    new byte[] {0}))
            .as(
                (at, junk) ->
                    new Corruption(
                        "bytes " + java.util.HexFormat.of().formatHex(junk) + " inserted at " + at,
                        bytes -> insert(bytes, (int) (bytes.length * at), junk))),
        Arbitraries.of(
            new Corruption(
                "UTF-8 BOM",
                bytes -> concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, bytes)),
            new Corruption("as a JSON array", bytes -> concat(utf8("["), bytes, utf8("]"))),
            new Corruption(
                "as a JSON string",
                bytes -> write(NODES.textNode(new String(bytes, StandardCharsets.UTF_8)))),
            new Corruption("empty", bytes -> new byte[0]),
            new Corruption("whitespace", bytes -> utf8(" \n\t ")),
            new Corruption("null", bytes -> utf8("null")),
            new Corruption("number", bytes -> utf8("42")),
            new Corruption("trailing object", bytes -> concat(bytes, utf8(" {}"))),
            new Corruption("trailing NUL", bytes -> concat(bytes, new byte[] {0})),
            new Corruption(
                "same-case duplicate batchTypeId",
                bytes ->
                    bytes.length > 0 && bytes[0] == '{'
                        ? concat(
                            utf8("{\"batchTypeId\":\"daily-report\","),
                            slice(bytes, 1, bytes.length))
                        : bytes),
            new Corruption("arrays 10,000 deep", bytes -> utf8(deep(10_000, '[', ']'))),
            new Corruption(
                "objects 10,000 deep",
                bytes -> utf8("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))),
            new Corruption(
                "Records beside the request",
                bytes ->
                    bytes.length > 0 && bytes[0] == '{'
                        ? concat(utf8("{\"Records\":[],"), slice(bytes, 1, bytes.length))
                        : bytes),
            new Corruption(
                "Records without messageId", bytes -> utf8("{\"Records\":[{\"body\":\"{}\"}]}")),
            new Corruption("Records of strings", bytes -> utf8("{\"Records\":[\"x\"]}"))));
  }

  // --- values
  // -------------------------------------------------------------------------------------

  private static Arbitrary<Integer> caseVariantIndex() {
    return Arbitraries.integers().between(0, 4);
  }

  private static String caseVariant(String name, int variant) {
    return switch (variant) {
      case 0 -> name.toUpperCase(Locale.ROOT);
      case 1 -> name.toLowerCase(Locale.ROOT);
      case 2 -> Character.toUpperCase(name.charAt(0)) + name.substring(1);
      case 3 -> swapCase(name);
      default -> name;
    };
  }

  private static String swapCase(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      out.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
    }
    return out.toString();
  }

  private static Arbitrary<String> hostileFieldName() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "environment",
            "env",
            "Env",
            "ENVIRONMENT",
            "environmentVariables",
            "overrides",
            "containerOverrides",
            "command",
            "taskDefinition",
            "cluster",
            "Records",
            "records",
            "detail",
            "source",
            "detail-type",
            "batch_type_id",
            "batchType",
            "priority",
            "",
            " batchTypeId",
            "batchTypeId\u0000",
            "\u0000",
            "idempotency\u212Aey",
            "b\u0131tchTypeId",
            "batchTypeİd",
            "\u202EdItepyThctab",
            "AWS_ACCESS_KEY_ID"),
        hostileString());
  }

  private static Arbitrary<String> hostileParameterName() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "aws_region",
            "Aws_Region",
            "ECS_CONTAINER_METADATA_URI",
            "LD_PRELOAD",
            "ld_preload",
            "LD_LIBRARY_PATH",
            "JAVA_TOOL_OPTIONS",
            "java_tool_options",
            "_JAVA_OPTIONS",
            "JDK_JAVA_OPTIONS",
            "PATH",
            "path",
            "Path",
            "HOME",
            "home",
            "TRACE_ID",
            "BATCH_TYPE_ID",
            "IDEMPOTENCY_KEY",
            "OUTPUT_BUCKET",
            "REPORT_DATE",
            "TENANT",
            "CUSTOMER_ID",
            "NOTE",
            "MODE",
            "reportdate",
            "REPORTDATE",
            "ReportDate",
            "Tenant",
            "customerid",
            "reportDate",
            "tenant",
            "customerId",
            "accountNumber",
            "format",
            "scheduledTime",
            "retentionDays",
            "note",
            "label",
            "secret",
            "reportDate\u0000",
            "tenant ",
            "${PATH}",
            "{reportDate}",
            "\u0000".repeat(100),
            "\u001b".repeat(90),
            "x".repeat(300)),
        hostileString());
  }

  private static Arbitrary<JsonNode> hostileBatchTypeId() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            3,
            Arbitraries.of(
                    "daily-report",
                    "invoice-export",
                    "nightly-cleanup",
                    "free-text",
                    "../../etc/passwd",
                    "/etc/passwd",
                    "..\\..\\windows\\system32",
                    "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:1",
                    "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
                    "daily-report\u0000",
                    "daily-report\n",
                    "daily-report ",
                    " daily-report",
                    "DAILY-REPORT",
                    "Daily-Report",
                    "daily_report",
                    "daily-report#x",
                    "\u202Etroper-yliad",
                    "daily\u2011report",
                    "${CLUSTER_ARN}",
                    "'; DROP TABLE batches; --",
                    "$(reboot)")
                .map(NODES::textNode)),
        Tuple.of(2, hostileString().map(NODES::textNode)),
        Tuple.of(1, anyJson()));
  }

  private static Arbitrary<JsonNode> traceIdValue() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            3,
            Arbitraries.of(
                    "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
                    "Root=1-5759e988-bd862e3fe1be46a994272793",
                    "a".repeat(128),
                    "a".repeat(129),
                    "has space",
                    "tr\u0000ce",
                    "trace\n",
                    "ünïcode")
                .map(NODES::textNode)),
        Tuple.of(1, hostileString().map(NODES::textNode)),
        Tuple.of(1, anyJson()));
  }

  private static Arbitrary<JsonNode> idempotencyKeyValue() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            3,
            Arbitraries.of(
                    "invoice-export/C1234567/2026-11",
                    "k",
                    "k".repeat(256),
                    "k".repeat(257),
                    "",
                    "a\u0000b",
                    "line\nbreak",
                    "ключ-😀",
                    "\u202Ekey")
                .map(NODES::textNode)),
        Tuple.of(1, hostileString().map(NODES::textNode)),
        Tuple.of(1, anyJson()));
  }

  private static Arbitrary<JsonNode> parameterValue() {
    Arbitrary<String> valid =
        Arbitraries.of(
            "2026-11-22",
            "2026-11-21",
            "acme",
            "all",
            "tenant_01",
            "C1234567",
            "C1234567890",
            "NL91ABNA0417164300",
            "csv",
            "parquet",
            "2026-11-23T02:00:00Z",
            "2026-11-23T02:00Z",
            "7",
            "30",
            "hello",
            "Grüße 😀 مرحبا \u202Eabc",
            "line1\nline2\ttab\r",
            "👩‍💻".repeat(50));
    Arbitrary<String> decorated =
        Combinators.combine(valid, hostileString(), Arbitraries.of(true, false))
            .as((v, junk, before) -> before ? junk + v : v + junk);
    // JSON escapes the generator's own writer never produces: lone surrogates, escaped NUL.
    Arbitrary<JsonNode> escaped =
        Arbitraries.of(
                "\"a\\ud800b\"",
                "\"\\udc00\"",
                "\"x\\ud83d\"",
                "\"a\\u0000\"",
                "\"\\ud83d\\ude00\"")
            .map(text -> NODES.rawValueNode(new RawValue(text)));
    return Arbitraries.frequencyOf(
        Tuple.of(6, valid.map(NODES::textNode)),
        Tuple.of(2, decorated.map(NODES::textNode)),
        Tuple.of(1, escaped),
        Tuple.of(1, numbers()),
        Tuple.of(2, anyJson()));
  }

  /** Strings publishers should not send: control characters, odd unicode, paths, huge ones. */
  private static Arbitrary<String> hostileString() {
    Arbitrary<String> controls =
        Arbitraries.strings()
            .withCharRange('\u0000', '\u001f')
            .withChars('\u007f', '\u0085', '\u009b')
            .ofMinLength(1)
            .ofMaxLength(6);
    Arbitrary<String> unicode =
        Arbitraries.of(
            "😀",
            "👩‍💻",
            "مرحبا",
            "שלום",
            "\u202Eevil\u202C",
            "\u200B",
            "\uFEFF",
            "日本語",
            "e\u0301",
            "İı",
            "\u212A",
            "\uD83D",
            "\uDE00",
            "\u2028\u2029",
            "\uFFFF");
    Arbitrary<String> injections =
        Arbitraries.of(
            "../../etc/passwd",
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/evil:1",
            "${AWS_SECRET_ACCESS_KEY}",
            "{reportDate}",
            "$(id)",
            "`id`",
            "; rm -rf /",
            "%00",
            "\\u0000",
            "<script>alert(1)</script>",
            "' OR '1'='1",
            "LD_PRELOAD=/tmp/evil.so");
    Arbitrary<String> huge =
        Combinators.combine(
                Arbitraries.of("a", "1", "é", "😀", "\u0000", " "),
                Arbitraries.frequencyOf(
                    Tuple.of(6, Arbitraries.integers().between(60, 300)),
                    Tuple.of(3, Arbitraries.integers().between(300, 9_000)),
                    Tuple.of(1, Arbitraries.integers().between(250_000, 300 * 1024))))
            .as((unit, count) -> unit.repeat(count / unit.length()));
    return Arbitraries.frequencyOf(
        Tuple.of(2, controls),
        Tuple.of(2, unicode),
        Tuple.of(2, injections),
        Tuple.of(1, huge),
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)));
  }

  /** Any JSON value: null, booleans, numbers of every size, strings, arrays, objects, deep ones. */
  private static Arbitrary<JsonNode> anyJson() {
    Arbitrary<JsonNode> scalars =
        Arbitraries.oneOf(
            Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.booleanNode(false)),
            Arbitraries.longs().map(NODES::numberNode),
            numbers(),
            hostileString().map(NODES::textNode));
    Arbitrary<JsonNode> containers =
        Arbitraries.oneOf(
            scalars.list().ofMaxSize(3).map(list -> (JsonNode) NODES.arrayNode().addAll(list)),
            scalars.map(value -> (JsonNode) NODES.objectNode().set("x", value)),
            Arbitraries.just(NODES.objectNode().put("reportDate", "2026-11-22")),
            Arbitraries.of(33, 40, 1_000, 10_000)
                .map(depth -> NODES.rawValueNode(new RawValue(deep(depth, '[', ']')))));
    return Arbitraries.frequencyOf(Tuple.of(4, scalars), Tuple.of(1, containers));
  }

  /** Numbers as written in JSON, from plain ones to exponents no BigDecimal can write out. */
  private static Arbitrary<JsonNode> numbers() {
    return Arbitraries.of(
            "0",
            "-0",
            "1.50",
            "-0.0",
            "0.1",
            "1e3",
            "1E-7",
            "-1.5e10",
            "1e400",
            "0e2147483647",
            "123456789012345678901234567890.5",
            "9".repeat(1001),
            "1e2147483647",
            "-1e-2147483647",
            "1E+2147483647",
            "1e-2147483648",
            "1e99999999999")
        .map(text -> NODES.rawValueNode(new RawValue(text)));
  }

  // --- JSON helpers
  // -------------------------------------------------------------------------------

  private static List<ObjectNode> seeds() {
    List<ObjectNode> seeds = new ArrayList<>();
    for (String name :
        List.of(
            "monolith-put-events.json",
            "scheduled-input-transformer.json",
            "direct-explicit-key.json",
            "invalid/missing-required-parameter.json",
            "invalid/pattern-mismatch.json",
            "invalid/undeclared-parameter.json",
            "invalid/unknown-batch-type.json")) {
      seeds.add((ObjectNode) lenientTree(Fixtures.event(name)));
    }
    for (JsonNode record : lenientTree(Fixtures.event("sqs-batch.json")).get("Records")) {
      seeds.add((ObjectNode) lenientTree(utf8(record.get("body").textValue())));
    }
    for (String extra :
        List.of(
            "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\"}}",
            "{\"batchTypeId\":\"invoice-export\",\"parameters\":{\"customerId\":\"C7654321\"}}",
            "{\"batchTypeId\":\"free-text\",\"parameters\":{\"note\":\"hello\",\"label\":\"l\"}}",
            "{\"batchTypeId\":\"free-text\"}")) {
      seeds.add((ObjectNode) lenientTree(utf8(extra)));
    }
    return List.copyOf(seeds);
  }

  private static boolean isEnvelope(ObjectNode root) {
    return root.has("detail-type") && root.path("detail").isObject();
  }

  private static ObjectNode requestOf(ObjectNode root) {
    return isEnvelope(root) ? (ObjectNode) root.get("detail") : root;
  }

  private static ObjectNode bare(ObjectNode root) {
    return requestOf(root);
  }

  private static ObjectNode envelope(ObjectNode request, JsonNode id, JsonNode detailType) {
    ObjectNode envelope = NODES.objectNode();
    envelope.put("version", "0");
    if (!id.isMissingNode()) {
      envelope.set("id", id);
    }
    if (!detailType.isMissingNode()) {
      envelope.set("detail-type", detailType);
    }
    envelope.put("source", "legacy.monolith");
    envelope.put("account", "111122223333");
    envelope.put("time", "2026-11-23T02:00:00Z");
    envelope.put("region", "eu-west-1");
    envelope.putArray("resources");
    envelope.set("detail", request);
    return envelope;
  }

  /** The request's field named {@code canonical} in any case, or null. */
  private static String existingName(ObjectNode request, String canonical) {
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.equalsIgnoreCase(canonical)) {
        return name;
      }
    }
    return null;
  }

  private static void remove(ObjectNode request, String canonical) {
    String name = existingName(request, canonical);
    if (name != null) {
      request.remove(name);
    }
  }

  private static void rename(ObjectNode request, String canonical, String to) {
    String name = existingName(request, canonical);
    if (name != null) {
      JsonNode value = request.remove(name);
      request.set(to, value);
    }
  }

  private static void duplicate(ObjectNode request, String canonical, String as) {
    String name = existingName(request, canonical);
    if (name != null) {
      request.set(as, request.get(name).deepCopy());
    }
  }

  private static void set(ObjectNode request, String canonical, JsonNode value) {
    String name = existingName(request, canonical);
    request.set(name == null ? canonical : name, value);
  }

  /** The request's parameters object, made one if it is absent or not an object. */
  private static ObjectNode parameters(ObjectNode request) {
    String name = existingName(request, "parameters");
    JsonNode parameters = name == null ? null : request.get(name);
    if (parameters instanceof ObjectNode object) {
      return object;
    }
    return request.putObject(name == null ? "parameters" : name);
  }

  private static void setParameter(ObjectNode request, int index, JsonNode value) {
    ObjectNode parameters = parameters(request);
    List<String> names = new ArrayList<>();
    parameters.fieldNames().forEachRemaining(names::add);
    if (!names.isEmpty()) {
      parameters.set(names.get(index % names.size()), value);
    }
  }

  private static void dropParameter(ObjectNode request, int index) {
    ObjectNode parameters = parameters(request);
    List<String> names = new ArrayList<>();
    parameters.fieldNames().forEachRemaining(names::add);
    if (!names.isEmpty()) {
      parameters.remove(names.get(index % names.size()));
    }
  }

  private static String describe(JsonNode value) {
    if (value.isMissingNode()) {
      return "(absent)";
    }
    return RequestInvariants.preview(
        value.isTextual() ? "'" + value.textValue() + "'" : value.toString());
  }

  private static String deep(int depth, char open, char close) {
    return String.valueOf(open).repeat(depth) + String.valueOf(close).repeat(depth);
  }

  /**
   * Serialises through a String so that a lone surrogate in a generated string becomes '?', as any
   * UTF-8 encoder would send it.
   */
  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] slice(byte[] bytes, int from, int to) {
    return java.util.Arrays.copyOfRange(bytes, from, to);
  }

  private static byte[] insert(byte[] bytes, int at, byte[] junk) {
    return concat(slice(bytes, 0, at), junk, slice(bytes, at, bytes.length));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
