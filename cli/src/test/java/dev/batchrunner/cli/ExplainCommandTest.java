package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code batch-runner explain}: what the function would make of each sample event, offline, with
 * the tests' catalog. Goldens pin the human output; {@link OfflineShapes} the JSON.
 */
class ExplainCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The record id of events/monolith-put-events.json: what the task events' override carries. */
  private static final String MONOLITH_KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

  /**
   * Each sample of events/invalid/ and the field its rejection names: the function's own answers
   * (see LocalCommandIT and the function's tests). A new sample must be added here.
   */
  private static final Map<String, String> INVALID_FIELDS =
      new TreeMap<>(
          Map.of(
              "missing-required-parameter.json", "parameters.reportDate",
              "parameters-not-an-object.json", "parameters",
              "pattern-mismatch.json", "parameters.reportDate",
              "scheduled-event-empty-detail.json", "detail",
              "undeclared-parameter.json", "parameters.LD_PRELOAD",
              "unknown-batch-type.json", "batchTypeId"));

  private static final Pattern GENERATED_TRACE_ID =
      Pattern.compile(
          "trace id +([0-9a-f-]{36}) \\(none given and no envelope id: the function draws");

  @TempDir Path dir;

  // ---- goldens ---------------------------------------------------------------------------

  @Test
  void explain_whenMonolithEnvelope_printsTheGoldenExplanation() {
    CliRun run = explain("monolith-put-events.json");

    assertEquals(0, run.code(), run.err());
    assertEquals("", run.err());
    Golden.assertMatches("explain-monolith.txt", portable(run.out()));
  }

  @Test
  void explain_whenExplicitKeyWithSensitiveParameter_printsTheGoldenWithTheValueMasked() {
    CliRun run = explain("direct-explicit-key.json");

    assertEquals(0, run.code(), run.err());
    Golden.assertMatches("explain-direct-explicit-key.txt", portable(run.out()));
    assertFalse(run.out().contains("NL91ABNA0417164300"), "the account number leaked");
  }

  @Test
  void explain_whenSqsBatch_printsTheGoldenOneEntryPerRecordAndExits2ForItsRejectedOne() {
    CliRun run = explain("sqs-batch.json");

    assertEquals(2, run.code(), run.err());
    Golden.assertMatches("explain-sqs-batch.txt", portable(run.out()));
    assertEquals(
        "batch-runner explain: EVENT_FILE "
            + event("sqs-batch.json")
            + ": 1 of 3 records rejected:\n"
            + "  - message 9a8b7c6d-5e4f-4321-8fed-cba987654321: batchTypeId: unknown batch type"
            + " 'no-such-batch' (known: daily-report, invoice-export, nightly-cleanup)\n",
        run.err());
  }

  @Test
  void explain_whenTaskStoppedWithExit1_printsTheGolden() {
    CliRun run = explain("task-state-change/stopped-exit-1.json");

    assertEquals(0, run.code(), run.err());
    Golden.assertMatches("explain-stopped-exit-1.txt", portable(run.out()));
  }

  @Test
  void explain_whenTaskNotOurs_printsTheGoldenSayingTheFunctionIgnoresIt() {
    CliRun run = explain("task-state-change/not-ours.json");

    assertEquals(0, run.code(), run.err());
    Golden.assertMatches("explain-not-ours.txt", portable(run.out()));
  }

  @Test
  void explain_whenPatternMismatch_printsTheGoldenRejectionAndExits2NamingTheField() {
    CliRun run = explain("invalid/pattern-mismatch.json");

    assertEquals(2, run.code());
    Golden.assertMatches("explain-pattern-mismatch.txt", portable(run.out()));
    assertTrue(
        run.err()
            .startsWith(
                "batch-runner explain: EVENT_FILE "
                    + event("invalid/pattern-mismatch.json")
                    + ": rejected: parameters.reportDate: "),
        run.err());
  }

  // ---- every sample ------------------------------------------------------------------------

  static Stream<String> validSamples() throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.events())) {
      List<String> names =
          new ArrayList<>(
              files
                  .map(f -> f.getFileName().toString())
                  // The SQS batches have one item per record: tested on their own.
                  .filter(n -> n.endsWith(".json") && !n.startsWith("sqs-"))
                  .sorted()
                  .toList());
      Fixtures.taskStateChangeFixtures().forEach(n -> names.add("task-state-change/" + n));
      return names.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("validSamples")
  void explain_whenValidSample_exits0WithOneValidItemOfItsKindsShape(String sample)
      throws Exception {
    CliRun run = explain(sample, "--json");

    assertEquals(0, run.code(), run.err());
    assertEquals("", run.err());
    JsonNode doc = JSON.readTree(run.out());
    boolean task = sample.startsWith("task-state-change/");
    OfflineShapes.explanation(task ? OfflineShapes.TASK_EVENT : OfflineShapes.REQUEST).check(doc);
    assertTrue(doc.get("valid").asBoolean());
    assertEquals(1, doc.get("items").size());
    assertTrue(doc.at("/items/0/valid").asBoolean());
    assertEquals(event(sample).toString(), doc.get("eventFile").asText());
    assertEquals(Fixtures.catalogFile().toString(), doc.get("catalog").asText());
  }

  @Test
  void invalidSamples_areExactlyTheOnesThisTestKnows() throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.events().resolve("invalid"))) {
      assertEquals(
          INVALID_FIELDS.keySet(),
          files
              .map(f -> f.getFileName().toString())
              .collect(TreeSet::new, TreeSet::add, TreeSet::addAll));
    }
  }

  static Stream<String> invalidSamples() {
    return INVALID_FIELDS.keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("invalidSamples")
  void explain_whenInvalidSample_exits2NamingItsField(String sample) throws Exception {
    String field = INVALID_FIELDS.get(sample);

    CliRun text = explain("invalid/" + sample);
    CliRun json = explain("invalid/" + sample, "--json");

    assertEquals(2, text.code());
    assertTrue(
        text.err()
            .startsWith(
                "batch-runner explain: EVENT_FILE "
                    + event("invalid/" + sample)
                    + ": rejected: "
                    + field
                    + ": "),
        text.err());
    assertTrue(text.out().contains("\n  field       " + field + "\n"), text.out());
    assertEquals(2, json.code());
    JsonNode doc = JSON.readTree(json.out());
    OfflineShapes.explanation(OfflineShapes.REJECTED).check(doc);
    assertFalse(doc.get("valid").asBoolean());
    assertEquals(field, doc.at("/items/0/rejection/field").asText());
  }

  // ---- requests ----------------------------------------------------------------------------

  @Test
  void explain_whenMonolithJson_hasTheKeyTheTaskEventsCarryAndTheRunTaskRequest() throws Exception {
    JsonNode item =
        JSON.readTree(explain("monolith-put-events.json", "--json").out()).at("/items/0");

    // The task-state-change samples were made from this request's dispatch: same record id.
    assertEquals(MONOLITH_KEY, item.get("idempotencyKey").asText());
    assertEquals(
        MONOLITH_KEY.substring("daily-report#".length()), item.get("clientToken").asText());
    assertEquals("eventbridge-envelope", item.get("shape").asText());
    assertEquals("6a7e8feb-b491-4cf7-a9f1-bf3703467718", item.get("eventId").asText());
    assertEquals("request", item.get("traceIdSource").asText());
    JsonNode runTask = item.get("runTask");
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:cluster/batch", runTask.get("cluster").asText());
    assertEquals("daily-report", runTask.get("taskDefinition").asText());
    assertEquals("batch-runner", runTask.get("startedBy").asText());
    assertEquals(item.get("clientToken"), runTask.get("clientToken"));
    JsonNode container = runTask.at("/overrides/containerOverrides/0");
    assertEquals("app", container.get("name").asText());
    assertEquals(
        List.of(
            "TRACE_ID=8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
            "BATCH_TYPE_ID=daily-report",
            "IDEMPOTENCY_KEY=" + MONOLITH_KEY,
            "OUTPUT_BUCKET=acme-reports",
            "REPORT_DATE=2026-11-22",
            "TENANT=acme"),
        environment(container));
    assertEquals(
        "[\"report\",\"--date\",\"2026-11-22\",\"--tenant\",\"acme\"]",
        container.get("command").toString());
    assertEquals(
        "[{\"key\":\"batch-runner:batch-type\",\"value\":\"daily-report\"},"
            + "{\"key\":\"batch-runner:trace-id\",\"value\":\"8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11\"}]",
        runTask.get("tags").toString());
    assertEquals(
        List.of("subnet-0aaa1111", "subnet-0bbb2222"),
        texts(runTask.at("/networkConfiguration/awsvpcConfiguration/subnets")));
  }

  @Test
  void explain_whenSensitiveParameter_masksItInParametersAndRunTaskAsTheDryRunDoes()
      throws Exception {
    CliRun run = explain("direct-explicit-key.json", "--json");

    assertFalse(run.out().contains("NL91ABNA0417164300"), run.out());
    JsonNode item = JSON.readTree(run.out()).at("/items/0");
    assertEquals("****", item.at("/parameters/0/value").asText());
    assertEquals("accountNumber", item.at("/parameters/0/name").asText());
    assertTrue(
        environment(item.at("/runTask/overrides/containerOverrides/0"))
            .contains("ACCOUNT_NUMBER=****"));
    assertEquals("invoice-export/C1234567/2026-11", item.get("explicitIdempotencyKey").asText());
    assertEquals("PT168H", item.get("idempotencyWindow").asText());
  }

  @Test
  void explain_whenParameterOmitted_showsTheCatalogDefaultAsSuch() throws Exception {
    JsonNode item =
        JSON.readTree(explain("scheduled-input-transformer.json", "--json").out()).at("/items/0");

    assertEquals(
        "{\"name\":\"retentionDays\",\"value\":\"30\",\"env\":\"RETENTION_DAYS\",\"from\":\"default\"}",
        item.at("/parameters/0").toString());
    assertEquals("request", item.at("/parameters/1/from").asText());
    assertTrue(
        environment(item.at("/runTask/overrides/containerOverrides/0"))
            .contains("RETENTION_DAYS=30"));
  }

  @Test
  void explain_whenNoTraceIdAnywhere_saysItIsGeneratedAndTheKeyDoesNotDependOnIt()
      throws Exception {
    JsonNode first =
        JSON.readTree(explain("scheduled-input-transformer.json", "--json").out()).at("/items/0");
    JsonNode second =
        JSON.readTree(explain("scheduled-input-transformer.json", "--json").out()).at("/items/0");
    CliRun text = explain("scheduled-input-transformer.json");

    assertEquals("generated", first.get("traceIdSource").asText());
    assertNotEquals(first.get("traceId"), second.get("traceId"));
    assertEquals(first.get("idempotencyKey"), second.get("idempotencyKey"));
    assertEquals(first.get("clientToken"), second.get("clientToken"));
    assertTrue(
        text.out().contains("(none given and no envelope id: the function draws a fresh UUID"),
        text.out());
  }

  @Test
  void explain_whenEnvelopeWithoutTraceId_saysTheEnvelopeIdIsTheTraceId() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("envelope.json"),
            "{\"version\":\"0\",\"id\":\"1b2c3d4e-0000-4000-8000-000000000001\","
                + "\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\","
                + "\"detail\":{\"batchTypeId\":\"daily-report\","
                + "\"parameters\":{\"reportDate\":\"2026-11-22\"}}}");

    CliRun run = explainFile(file, "--json");

    JsonNode item = JSON.readTree(run.out()).at("/items/0");
    assertEquals("1b2c3d4e-0000-4000-8000-000000000001", item.get("traceId").asText());
    assertEquals("envelope-id", item.get("traceIdSource").asText());
    assertTrue(
        explainFile(file)
            .out()
            .contains("(none given: the envelope's id, as the function defaults"));
  }

  @Test
  void explain_whenSqsEnvelopeWithoutId_saysTheMessageIdIsTheTraceId() throws Exception {
    String body =
        "{\\\"detail-type\\\":\\\"Batch Requested\\\",\\\"source\\\":\\\"legacy.monolith\\\","
            + "\\\"detail\\\":{\\\"batchTypeId\\\":\\\"daily-report\\\","
            + "\\\"parameters\\\":{\\\"reportDate\\\":\\\"2026-11-22\\\"}}}";
    Path file =
        Files.writeString(
            dir.resolve("sqs.json"),
            "{\"Records\":[{\"messageId\":\"m-1\",\"body\":\"" + body + "\"}]}");

    JsonNode item = JSON.readTree(explainFile(file, "--json").out()).at("/items/0");

    assertEquals("m-1", item.get("traceId").asText());
    assertEquals("message-id", item.get("traceIdSource").asText());
  }

  @Test
  void explain_whenSqsFifoJson_takesEveryRecordAndDefaultsTheTraceIdToTheMessageId()
      throws Exception {
    CliRun run = explain("sqs-fifo-batch.json", "--json");

    assertEquals(0, run.code(), run.err());
    JsonNode doc = JSON.readTree(run.out());
    OfflineShapes.sqsExplanation().check(doc);
    assertEquals(3, doc.get("records").asInt());
    for (JsonNode item : doc.get("items")) {
      OfflineShapes.REQUEST.check(item);
      // The FifoQueue rule's body is an envelope without id (see template.yaml).
      assertEquals("eventbridge-envelope", item.get("shape").asText());
    }
    assertEquals(List.of(), texts(doc.get("batchItemFailures")));
    assertEquals("request", doc.at("/items/0/traceIdSource").asText());
    assertEquals("message-id", doc.at("/items/2/traceIdSource").asText());
    assertEquals(doc.at("/items/2/messageId").asText(), doc.at("/items/2/traceId").asText());
    assertTrue(doc.get("valid").asBoolean());
  }

  @Test
  void explain_whenSqsJson_hasOneItemPerRecordByMessageIdAndTheBatchItemFailures()
      throws Exception {
    CliRun run = explain("sqs-batch.json", "--json");

    assertEquals(2, run.code());
    JsonNode doc = JSON.readTree(run.out());
    OfflineShapes.sqsExplanation().check(doc);
    OfflineShapes.REQUEST.check(doc.at("/items/0"));
    OfflineShapes.REQUEST.check(doc.at("/items/1"));
    OfflineShapes.REJECTED.check(doc.at("/items/2"));
    assertEquals(3, doc.get("records").asInt());
    List<String> ids = new ArrayList<>();
    doc.get("items").forEach(i -> ids.add(i.get("messageId").asText()));
    assertEquals(
        List.of(
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6da",
            "9a8b7c6d-5e4f-4321-8fed-cba987654321"),
        ids);
    assertEquals(
        List.of("9a8b7c6d-5e4f-4321-8fed-cba987654321"), texts(doc.get("batchItemFailures")));
    assertEquals("eventbridge-envelope", doc.at("/items/0/shape").asText());
    assertEquals("d2b5a1c4-5e3f-4a4b-9c1d-7e8f9a0b1c2d", doc.at("/items/0/traceId").asText());
    assertEquals("envelope-id", doc.at("/items/0/traceIdSource").asText());
    assertEquals("bare-request", doc.at("/items/1/shape").asText());
    assertEquals("generated", doc.at("/items/1/traceIdSource").asText());
    assertEquals("7", doc.at("/items/1/parameters/0/value").asText());
    assertEquals("catalog", doc.at("/items/2/rejection/stage").asText());
    assertFalse(doc.get("valid").asBoolean());
  }

  @Test
  void explain_whenSqsHoldsATaskStateChange_explainsItAsSuch() throws Exception {
    String body =
        JSON.writeValueAsString(
            new String(
                Files.readAllBytes(event("task-state-change/running.json")),
                java.nio.charset.StandardCharsets.UTF_8));
    Path file =
        Files.writeString(
            dir.resolve("sqs.json"),
            "{\"Records\":[{\"messageId\":\"m-1\",\"body\":" + body + "}]}");

    CliRun run = explainFile(file, "--json");

    assertEquals(0, run.code(), run.err());
    JsonNode item = JSON.readTree(run.out()).at("/items/0");
    OfflineShapes.TASK_EVENT.check(item);
    assertEquals("m-1", item.get("messageId").asText());
    assertEquals("RUNNING", item.at("/task/lastStatus").asText());
  }

  @Test
  void explain_whenSqsRecordHasNoMessageId_exits2NamingTheRecordsField() throws Exception {
    Path file = Files.writeString(dir.resolve("sqs.json"), "{\"Records\":[{\"body\":\"{}\"}]}");

    CliRun run = explainFile(file, "--json");

    assertEquals(2, run.code());
    JsonNode doc = JSON.readTree(run.out());
    OfflineShapes.explanation(OfflineShapes.REJECTED).check(doc);
    assertEquals("not-an-event", doc.get("shape").asText());
    assertEquals("Records[0].messageId", doc.at("/items/0/rejection/field").asText());
    assertTrue(run.err().contains(": rejected: Records[0].messageId: required"), run.err());
  }

  @Test
  void explain_whenEmptySqsBatch_exits0WithNothingToDo() {
    Path file = write("sqs.json", "{\"Records\":[]}");

    CliRun run = explainFile(file);

    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("result      nothing to do (no records)"), run.out());
  }

  // ---- task state changes -------------------------------------------------------------------

  static Stream<String> taskSamples() {
    return Fixtures.taskStateChangeFixtures();
  }

  @ParameterizedTest
  @MethodSource("taskSamples")
  void explain_whenTaskStateChange_reportsWhatTheEventSays(String sample) throws Exception {
    JsonNode detail = JSON.readTree(event("task-state-change/" + sample).toFile()).get("detail");

    CliRun run = explain("task-state-change/" + sample, "--json");

    assertEquals(0, run.code(), run.err());
    JsonNode task = JSON.readTree(run.out()).at("/items/0/task");
    assertEquals(detail.get("taskArn"), task.get("taskArn"));
    assertEquals(detail.get("lastStatus"), task.get("lastStatus"));
    assertEquals(detail.get("version").asLong(), task.get("version").asLong());
    assertEquals(detail.path("stopCode").asText(null), task.get("stopCode").asText(null));
    List<String> expected = new ArrayList<>();
    detail
        .get("containers")
        .forEach(c -> expected.add(c.get("name").asText() + "=" + c.path("exitCode").asText("-")));
    List<String> actual = new ArrayList<>();
    task.get("containers")
        .forEach(c -> actual.add(c.get("name").asText() + "=" + c.get("exitCode").asText("-")));
    assertEquals(expected, actual);
    boolean ours = "batch-runner".equals(detail.path("startedBy").asText());
    // An EcsDirect rule's task carries no IDEMPOTENCY_KEY: its key is its request's.
    boolean direct = detail.path("startedBy").asText().startsWith("events-rule/");
    assertEquals(ours, task.get("startedByBatchRunner").asBoolean());
    assertEquals(ours || direct ? MONOLITH_KEY : null, task.get("idempotencyKey").asText(null));
  }

  @Test
  void explain_whenAnEcsDirectRulesTask_givesTheKeyOfItsRequest_andSaysItIsNeverAdopted()
      throws Exception {
    JsonNode task =
        JSON.readTree(explain("task-state-change/ecs-direct-stopped-exit-0.json", "--json").out())
            .at("/items/0/task");
    CliRun text = explain("task-state-change/ecs-direct-duplicate-stopped.json");

    assertTrue(task.get("followed").asBoolean());
    assertEquals(MONOLITH_KEY, task.get("idempotencyKey").asText());
    assertEquals("SUCCEEDED", task.get("attemptResult").asText(), "app's exit code, not guard's");
    assertTrue(task.get("note").asText().contains("started by an EcsDirect rule"), task.toString());
    assertEquals(0, text.code(), text.err());
    assertTrue(text.out().contains("never adopted"), text.out());
    assertTrue(text.out().contains("guard"), text.out());
  }

  @Test
  void explain_whenTaskStoppedWithExit0_saysTheAttemptSucceeded() throws Exception {
    JsonNode task =
        JSON.readTree(explain("task-state-change/stopped-exit-0.json", "--json").out())
            .at("/items/0/task");

    assertEquals("SUCCEEDED", task.get("attemptResult").asText());
    assertTrue(task.get("followed").asBoolean());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", task.get("traceId").asText());
  }

  @Test
  void explain_whenTaskFailedToStart_saysTheAttemptFailedWithoutExitCode() {
    CliRun run = explain("task-state-change/failed-to-start.json");

    assertTrue(
        run.out().contains("STOPPED and container app has no exit code: the attempt FAILED"),
        run.out());
  }

  @Test
  void explain_whenStoppedTaskOfABatchWithRetries_saysWhatThePolicyDecides() throws Exception {
    String event =
        Files.readString(event("task-state-change/spot-interruption.json"))
            .replace("daily-report#", "nightly-cleanup#");
    Path file = write("spot.json", event);

    CliRun run = explainFile(file);

    assertEquals(0, run.code(), run.err());
    assertTrue(
        run.out()
            .contains(
                "STOPPED and container app exited 137: the attempt FAILED; as attempt 1 of 3 the"
                    + " retry policy says RETRY (attempt 2 starts at once)"),
        run.out());
  }

  @Test
  void explain_whenTaskOfAnUnknownBatchType_saysTheFunctionWouldIgnoreIt() throws Exception {
    String event =
        Files.readString(event("task-state-change/running.json"))
            .replace("daily-report#", "gone-batch#");
    Path file = write("gone.json", event);

    JsonNode task = JSON.readTree(explainFile(file, "--json").out()).at("/items/0/task");

    assertTrue(task.get("startedByBatchRunner").asBoolean());
    assertFalse(task.get("followed").asBoolean());
    assertTrue(task.get("note").asText().contains("no batch type 'gone-batch'"), task.toString());
  }

  @Test
  void explain_whenTaskStateChangeMalformed_exits2NamingTheField() throws Exception {
    String event =
        Files.readString(event("task-state-change/running.json"))
            .replaceFirst("\"version\": 3", "\"version\": \"three\"");
    Path file = write("bad-task.json", event);

    CliRun run = explainFile(file, "--json");

    assertEquals(2, run.code());
    JsonNode item = JSON.readTree(run.out()).at("/items/0");
    OfflineShapes.REJECTED.check(item);
    assertEquals("task-state-change", item.get("kind").asText());
    assertEquals("detail.version", item.at("/rejection/field").asText());
    assertTrue(run.err().contains(": rejected: detail.version: "), run.err());
  }

  // ---- files and the catalog ------------------------------------------------------------------

  @Test
  void explain_whenFileIsNoJson_exits2SayingItIsNotAnEvent() throws Exception {
    Path file = write("notes.txt", "run the report please");

    CliRun text = explainFile(file);
    CliRun json = explainFile(file, "--json");

    assertEquals(2, text.code());
    assertTrue(text.out().contains("shape       not an event\n"), text.out());
    assertTrue(text.err().contains(": rejected: event: not valid JSON"), text.err());
    assertEquals("not-an-event", JSON.readTree(json.out()).get("shape").asText());
    assertEquals("event", JSON.readTree(json.out()).at("/items/0/kind").asText());
  }

  @Test
  void explain_whenEventFileMissing_exits2NamingTheArgument() {
    CliRun run = CliRun.run(CliRun.catalogEnv(), "explain", "events/nope.json");

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertEquals("batch-runner explain: EVENT_FILE events/nope.json: no such file\n", run.err());
  }

  @Test
  void explain_whenEventFileIsAFolder_exits2NamingTheArgument() {
    CliRun run = explainFile(Fixtures.events());

    assertEquals(2, run.code());
    assertTrue(
        run.err()
            .startsWith("batch-runner explain: EVENT_FILE " + Fixtures.events() + ": is a folder"),
        run.err());
  }

  @Test
  void explain_whenEventFileCannotBeRead_exits1() {
    Path unreadable = Path.of("/proc/self/mem");
    assumeTrue(Files.isRegularFile(unreadable), "needs Linux's /proc");

    CliRun run = explainFile(unreadable);

    assertEquals(1, run.code(), run.err());
    assertTrue(
        run.err().startsWith("batch-runner explain: EVENT_FILE /proc/self/mem: cannot be read:"),
        run.err());
  }

  @Test
  void explain_whenNoEventFile_isAUsageError() {
    CliRun run = CliRun.run(CliRun.catalogEnv(), "explain");

    assertEquals(2, run.code());
    assertTrue(run.err().contains("Missing required parameter: 'EVENT_FILE'"), run.err());
  }

  @Test
  void explain_whenPlaceholdersUnset_exits2WithTheCatalogsProblemsAndTheHint() {
    CliRun run =
        CliRun.run(
            Map.of(),
            "explain",
            event("monolith-put-events.json").toString(),
            "--catalog",
            Fixtures.catalogFile().toString());

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertTrue(run.err().startsWith("batch-runner explain: invalid batch catalog "), run.err());
    assertTrue(
        run.err().contains("CLUSTER_ARN=... batch-runner explain) or give --env"), run.err());
  }

  @Test
  void explain_whenPlaceholdersGivenWithEnv_explains() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "explain",
                event("monolith-put-events.json").toString(),
                "--catalog",
                Fixtures.catalogFile().toString()));
    Fixtures.CATALOG_ENV.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));

    CliRun run = CliRun.run(Map.of(), args.toArray(String[]::new));

    assertEquals(0, run.code(), run.err());
    assertEquals(portable(explain("monolith-put-events.json").out()), portable(run.out()));
  }

  @Test
  void explain_whenHelp_showsUsageExampleAndExitStatus() {
    CliRun run = CliRun.run(Map.of(), "explain", "--help");

    assertEquals(0, run.code());
    assertTrue(run.out().contains("Usage: batch-runner explain"), run.out());
    assertTrue(run.out().contains("EVENT_FILE"), run.out());
    assertTrue(
        run.out().contains("Example:\n  batch-runner explain events/monolith-put-events.json"),
        run.out());
    assertTrue(run.out().contains("Exit status:\n  0   every request"), run.out());
    assertTrue(run.out().lines().allMatch(l -> l.length() <= 80), run.out());
  }

  @Test
  void topLevelHelp_listsTheOfflineCommands() {
    CliRun run = CliRun.run(Map.of(), "--help");
    CliRun none = CliRun.run(Map.of());

    assertEquals(0, run.code());
    for (String command : List.of("validate", "explain", "completion")) {
      assertTrue(run.out().contains("\n  " + command + " "), run.out());
      assertTrue(none.err().contains(command), none.err());
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static CliRun explain(String sample, String... options) {
    return explainFile(event(sample), options);
  }

  private static CliRun explainFile(Path file, String... options) {
    List<String> args = new ArrayList<>();
    args.add("explain");
    args.add(file.toString());
    args.addAll(List.of("--catalog", Fixtures.catalogFile().toString()));
    args.addAll(List.of(options));
    return CliRun.run(CliRun.catalogEnv(), args.toArray(String[]::new));
  }

  private static Path event(String sample) {
    return Fixtures.events().resolve(sample);
  }

  private Path write(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The output with the project root as {@code $ROOT} and each trace id the function drew (a
   * request without one) as {@code <generated-trace-id-N>}: the rest is deterministic.
   */
  static String portable(String text) {
    String out = CliRun.portable(text);
    Matcher m = GENERATED_TRACE_ID.matcher(out);
    List<String> ids = new ArrayList<>();
    while (m.find()) {
      ids.add(m.group(1));
    }
    for (int i = 0; i < ids.size(); i++) {
      out = out.replace(ids.get(i), "<generated-trace-id-" + (i + 1) + ">");
    }
    return out;
  }

  private static List<String> environment(JsonNode container) {
    List<String> env = new ArrayList<>();
    container
        .get("environment")
        .forEach(e -> env.add(e.get("name").asText() + "=" + e.get("value").asText()));
    return env;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }
}
