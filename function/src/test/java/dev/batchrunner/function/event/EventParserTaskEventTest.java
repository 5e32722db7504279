package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.json.JsonValue;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.testing.Processors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link EventParser} on the fourth input shape, ECS "Task State Change" events from {@code
 * events/task-state-change/}: read directly and from SQS, never mistaken for a request (nor a
 * request for one), refused by field when malformed.
 */
class EventParserTaskEventTest {
  /** The record id batch-runner gives the request of {@code events/monolith-put-events.json}. */
  private static final String MONOLITH_KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

  private final EventParser parser = new EventParser(() -> "generated");

  // --- each fixture ---------------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("dev.batchrunner.core.testing.Fixtures#taskStateChangeFixtures")
  void parse_whenTaskStateChangeFixture_isATaskEventOfTheEnvelopesTask(String name) {
    JsonValue envelope = tree(fixture(name));

    ParsedRequest.TaskEvent event = taskEvent(parser.parse(fixture(name)));

    assertEquals(envelope.get("id").textValue(), event.eventId());
    assertEquals(
        envelope.get("resources").get(0).textValue(), event.change().task().taskArn(), name);
    assertEquals(
        envelope.get("detail").get("version").intValue(), event.change().task().version(), name);
  }

  @Test
  void parse_whenRunning_readsTaskStatusTimesContainersAndOverrides() {
    TaskStateChange change = taskEvent(parser.parse(fixture("running.json"))).change();

    assertEquals(
        new TaskStateChange.Task(
            "arn:aws:ecs:eu-west-1:123456789012:task/batch/6f3b9c1e2d4a4b5c8e7f0a1b2c3d4e5f",
            "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:3",
            3,
            "batch-runner",
            "family:daily-report"),
        change.task());
    assertEquals(new TaskStateChange.Status("RUNNING", "RUNNING", null, null), change.status());
    assertEquals(
        new TaskStateChange.Times(
            Instant.parse("2026-11-23T02:00:01.482Z"),
            Instant.parse("2026-11-23T02:00:41.226Z"),
            null,
            null),
        change.times());
    assertEquals(
        List.of(
            new TaskStateChange.Container("app", "RUNNING", null, null),
            new TaskStateChange.Container("log-router", "RUNNING", null, null)),
        change.containers());
    assertEquals(List.of("app", "log-router"), overrideNames(change));
    assertTrue(change.startedByBatchRunner());
    assertFalse(change.isStopped());
    assertEquals(MONOLITH_KEY, change.idempotencyKey());
    assertNull(change.exitCode("app"));
  }

  @Test
  void fixtures_whenOurs_carryTheOverridesBatchRunnerSendsForTheMonolithsRequest() {
    // The fixtures are what a real dispatch of events/monolith-put-events.json would produce.
    BatchRequest request =
        ((ParsedRequest.Valid)
                ((Invocation.Direct) parser.parse(Fixtures.event("monolith-put-events.json")))
                    .request())
            .request();
    Resolution.Valid resolved =
        assertInstanceOf(
            Resolution.Valid.class, new RequestResolver(Processors.catalog()).resolve(request));
    assertEquals(MONOLITH_KEY, resolved.key().id());

    for (String name :
        List.of(
            "running.json",
            "stopped-exit-0.json",
            "stopped-exit-1.json",
            "failed-to-start.json",
            "spot-interruption.json",
            "spot-termination-notice.json")) {
      TaskStateChange change = taskEvent(parser.parse(fixture(name))).change();
      TaskStateChange.EnvironmentOverride app = change.overrides().get(0);

      assertEquals(resolved.launch().container().name(), app.name(), name);
      assertEquals(resolved.launch().container().environment(), app.environment(), name);
      assertEquals(
          List.copyOf(resolved.launch().container().environment().keySet()),
          List.copyOf(app.environment().keySet()),
          name + ": in the order RunTask sent them");
      assertEquals("batch-runner", change.task().startedBy(), name);
      assertEquals("family:daily-report", change.task().group(), name);
      assertEquals(MONOLITH_KEY, change.idempotencyKey(), name);
      assertEquals(request.traceId(), change.environment("TRACE_ID"), name);
      assertEquals(resolved.batch().container().name(), change.containers().get(0).name(), name);
    }
  }

  @Test
  void parse_whenStoppedWithExit0_theAppExited0WhileItsSidecarWasStopped() {
    TaskStateChange change = taskEvent(parser.parse(fixture("stopped-exit-0.json"))).change();

    assertTrue(change.isStopped());
    assertEquals("EssentialContainerExited", change.status().stopCode());
    assertEquals("Essential container in task exited", change.status().stoppedReason());
    assertEquals(0, change.exitCode("app"));
    assertEquals(143, change.exitCode("log-router"));
    assertEquals(Instant.parse("2026-11-23T02:14:31.640Z"), change.times().stoppingAt());
    assertEquals(Instant.parse("2026-11-23T02:14:58.332Z"), change.times().stoppedAt());
  }

  @Test
  void parse_whenStoppedWithExit1_theAppFailedWhileItsSidecarExited0() {
    TaskStateChange change = taskEvent(parser.parse(fixture("stopped-exit-1.json"))).change();

    assertTrue(change.isStopped());
    assertEquals(1, change.exitCode("app"));
    assertEquals(0, change.exitCode("log-router"));
  }

  @Test
  void parse_whenTaskFailedToStart_hasTheReasonAndNoExitCodeOrStart() {
    TaskStateChange change = taskEvent(parser.parse(fixture("failed-to-start.json"))).change();

    assertTrue(change.isStopped());
    assertEquals("TaskFailedToStart", change.status().stopCode());
    assertTrue(
        change.status().stoppedReason().startsWith("ResourceInitializationError: "),
        change.status().stoppedReason());
    assertEquals(
        new TaskStateChange.Container("app", "STOPPED", null, null), change.container("app"));
    assertNull(change.exitCode("app"));
    assertNull(change.times().startedAt());
    assertEquals(MONOLITH_KEY, change.idempotencyKey());
  }

  @Test
  void parse_whenSpotInterrupted_isStoppedWithItsStopCode() {
    TaskStateChange notice =
        taskEvent(parser.parse(fixture("spot-termination-notice.json"))).change();
    TaskStateChange stopped = taskEvent(parser.parse(fixture("spot-interruption.json"))).change();

    assertFalse(notice.isStopped(), "the notice comes while the task still runs");
    assertEquals("STOPPED", notice.status().desiredStatus());
    assertEquals("TerminationNotice", notice.status().stopCode());
    assertEquals(notice.task().taskArn(), stopped.task().taskArn());
    assertTrue(stopped.task().version() > notice.task().version());
    assertTrue(stopped.isStopped());
    assertEquals("SpotInterruption", stopped.status().stopCode());
    assertEquals(137, stopped.exitCode("app"));
  }

  @Test
  void parse_whenAServicesTask_isATaskEventThatIsNotOurs() {
    TaskStateChange change = taskEvent(parser.parse(fixture("not-ours.json"))).change();

    assertFalse(change.startedByBatchRunner());
    assertTrue(change.task().startedBy().startsWith("ecs-svc/"));
    assertEquals("service:storefront", change.task().group());
    assertNull(change.idempotencyKey());
    assertEquals(List.of("web"), overrideNames(change));
    assertEquals(Map.of(), change.overrides().get(0).environment());
  }

  @Test
  void parse_whenEcsAddsFieldsWeDoNotKnow_stillReadsTheEvent() {
    byte[] event =
        mutated(
            "stopped-exit-1.json",
            detail -> detail.set("someFutureField", JsonValue.object().set("x", JsonValue.NULL)));

    assertEquals(1, taskEvent(parser.parse(event)).change().exitCode("app"));
  }

  // --- in SQS ---------------------------------------------------------------------------------

  @Test
  void parse_whenTaskEventIsAnSqsBody_isATaskEventBesideTheRequests() {
    String sqs =
        "{\"Records\":["
            + record("m-task", fixture("stopped-exit-1.json"))
            + ","
            + record("m-request", Fixtures.event("monolith-put-events.json"))
            + ","
            + record("m-foreign", fixture("not-ours.json"))
            + "]}";

    Invocation.SqsBatch batch =
        assertInstanceOf(
            Invocation.SqsBatch.class, parser.parse(sqs.getBytes(StandardCharsets.UTF_8)));

    assertEquals(
        List.of("m-task", "m-request", "m-foreign"),
        batch.messages().stream().map(Invocation.SqsMessage::messageId).toList());
    ParsedRequest.TaskEvent task = taskEvent(batch.messages().get(0).request());
    assertEquals("c3e5a7b9-1d2f-4a6c-8e0b-3d4f5a6b7c8d", task.eventId(), "the envelope's id");
    assertEquals(1, task.change().exitCode("app"));
    assertInstanceOf(ParsedRequest.Valid.class, batch.messages().get(1).request());
    assertFalse(taskEvent(batch.messages().get(2).request()).change().startedByBatchRunner());
  }

  @Test
  void parse_whenSqsTaskEventIsMalformed_onlyThatRecordIsRefused() {
    byte[] bad = mutated("running.json", detail -> detail.set("version", JsonValue.string("3")));
    String sqs =
        "{\"Records\":["
            + record("m-bad", bad)
            + ","
            + record("m-good", fixture("running.json"))
            + "]}";

    Invocation.SqsBatch batch =
        assertInstanceOf(
            Invocation.SqsBatch.class, parser.parse(sqs.getBytes(StandardCharsets.UTF_8)));

    assertEquals("detail.version", rejection(batch.messages().get(0).request()).field());
    assertEquals(
        "9a1c7f3e-58b2-4c6d-a0e1-2f3b4c5d6e7f", batch.messages().get(0).request().eventId());
    taskEvent(batch.messages().get(1).request());
  }

  // --- never mistaken ------------------------------------------------------------------------

  @Test
  void parse_whenRequestEnvelopeComesFromSourceAwsEcs_isStillARequest() {
    String envelope =
        "{\"version\":\"0\",\"id\":\"e-1\",\"detail-type\":\"Batch Requested\","
            + "\"source\":\"aws.ecs\",\"detail\":{\"batchTypeId\":\"daily-report\","
            + "\"parameters\":{\"reportDate\":\"2026-11-22\"}}}";

    ParsedRequest parsed = direct(envelope);

    assertEquals(
        "daily-report",
        assertInstanceOf(ParsedRequest.Valid.class, parsed, parsed::toString)
            .request()
            .batchTypeId());
  }

  @Test
  void parse_whenTaskEventDetailTypeComesFromAnotherSource_isRefusedNotReadAsARequest() {
    String envelope =
        "{\"version\":\"0\",\"id\":\"e-2\",\"detail-type\":\"ECS Task State Change\","
            + "\"source\":\"legacy.monolith\",\"detail\":{\"batchTypeId\":\"daily-report\","
            + "\"parameters\":{\"reportDate\":\"2026-11-22\"}}}";

    Rejection rejection = rejection(direct(envelope));

    assertEquals("source", rejection.field());
    assertTrue(rejection.reason().contains("'aws.ecs'"), rejection.reason());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ecs task state change", "ECS TASK STATE CHANGE", " ECS Task State Change"})
  void parse_whenDetailTypePlaysCaseGames_isRefusedEitherWay(String detailType) {
    String requestDetail =
        "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\"}}";
    for (String source : List.of("aws.ecs", "legacy.monolith")) {
      String envelope =
          "{\"id\":\"e-3\",\"detail-type\":\""
              + detailType
              + "\",\"source\":\""
              + source
              + "\",\"detail\":"
              + requestDetail
              + "}";

      assertEquals("detail-type", rejection(direct(envelope)).field(), source);
    }
    byte[] task = mutated("running.json", null, "detail-type", JsonValue.string(detailType));
    assertEquals("detail-type", rejection(parser.parse(task)).field());
  }

  @Test
  void parse_whenSourcePlaysCaseGames_isRefused() {
    byte[] task = mutated("stopped-exit-0.json", null, "source", JsonValue.string("AWS.ECS"));

    Rejection rejection = rejection(parser.parse(task));

    assertEquals("source", rejection.field());
    assertTrue(rejection.reason().contains("'AWS.ECS'"), rejection.reason());
  }

  @Test
  void parse_whenEnvelopeFieldNamesPlayCaseGames_isNeitherATaskEventNorARequest() {
    String text = new String(fixture("running.json"), StandardCharsets.UTF_8);
    String renamed =
        text.replace("\"source\":", "\"Source\":").replace("\"detail-type\":", "\"Detail-Type\":");

    ParsedRequest parsed = direct(renamed);

    assertInstanceOf(ParsedRequest.Invalid.class, parsed, parsed::toString);
  }

  @Test
  void parse_whenTaskEventCarriesARequestAsItsDetail_isRefusedAsATaskEventNotDispatched() {
    String envelope =
        "{\"version\":\"0\",\"id\":\"e-4\",\"detail-type\":\"ECS Task State Change\","
            + "\"source\":\"aws.ecs\",\"detail\":{\"batchTypeId\":\"daily-report\","
            + "\"parameters\":{\"reportDate\":\"2026-11-22\"}}}";

    Rejection rejection = rejection(direct(envelope));

    assertEquals("detail.taskArn", rejection.field());
  }

  @Test
  void parse_whenOtherEcsEvent_isNotATaskEvent() {
    String serviceAction =
        "{\"version\":\"0\",\"id\":\"e-5\",\"detail-type\":\"ECS Service Action\","
            + "\"source\":\"aws.ecs\",\"detail\":{\"eventType\":\"INFO\","
            + "\"eventName\":\"SERVICE_STEADY_STATE\"}}";

    ParsedRequest parsed = direct(serviceAction);

    // Not the fourth shape: read as a request envelope, whose detail is no request.
    assertEquals("eventType", rejection(parsed).field());
  }

  // --- malformed task events -------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "taskArn|null|detail.taskArn|required",
        "taskArn|\"\"|detail.taskArn|required",
        "taskArn|42|detail.taskArn|must be a string",
        "clusterArn|null|detail.clusterArn|required",
        "lastStatus|null|detail.lastStatus|required",
        "version|null|detail.version|required",
        "version|\"5\"|detail.version|whole number",
        "version|5.5|detail.version|whole number",
        "version|-1|detail.version|whole number",
        "version|1e3|detail.version|whole number",
        "version|99999999999999999999|detail.version|whole number",
        "startedBy|true|detail.startedBy|must be a string",
        "stopCode|[]|detail.stopCode|must be a string",
        "stoppedAt|\"yesterday\"|detail.stoppedAt|ISO-8601",
        "createdAt|1763863201|detail.createdAt|must be a string",
        "containers|{}|detail.containers|must be an array",
        "containers|[\"app\"]|detail.containers[0]|must be a JSON object",
        "containers|[{\"lastStatus\":\"STOPPED\"}]|detail.containers[0].name|required",
        "containers|[{\"name\":\"app\"},{\"name\":\"x\",\"exitCode\":\"1\"}]"
            + "|detail.containers[1].exitCode|whole number",
        "containers|[{\"name\":\"app\",\"exitCode\":1.5}]|detail.containers[0].exitCode|whole number",
        "containers|[{\"name\":\"app\",\"exitCode\":4294967296}]"
            + "|detail.containers[0].exitCode|whole number",
        "overrides|[]|detail.overrides|must be a JSON object",
        "overrides|{\"containerOverrides\":{}}|detail.overrides.containerOverrides|must be an array",
        "overrides|{\"containerOverrides\":[{\"name\":\"app\",\"environment\":"
            + "[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":2}]}]}"
            + "|detail.overrides.containerOverrides[0].environment[1].value|must be a string",
        "overrides|{\"containerOverrides\":[{\"name\":\"app\",\"environment\":[{\"value\":\"1\"}]}]}"
            + "|detail.overrides.containerOverrides[0].environment[0].name|required"
      })
  void parse_whenTaskEventFieldIsMalformed_isRefusedNamingTheField(String testCase) {
    String[] parts = testCase.split("\\|");
    byte[] event = mutated("stopped-exit-1.json", parts[0], tree(parts[1]));

    ParsedRequest parsed = ((Invocation.Direct) parser.parse(event)).request();
    Rejection rejection = rejection(parsed);

    assertEquals(parts[2], rejection.field(), rejection::toString);
    assertTrue(rejection.reason().contains(parts[3]), rejection.reason());
    assertEquals("c3e5a7b9-1d2f-4a6c-8e0b-3d4f5a6b7c8d", parsed.eventId());
  }

  @Test
  void parse_whenDetailIsNoObject_isRefusedNamingDetail() {
    assertEquals(
        "detail",
        rejection(parser.parse(mutated("running.json", null, "detail", JsonValue.NULL))).field());
    assertEquals(
        "detail",
        rejection(parser.parse(mutated("running.json", null, "detail", JsonValue.string("x"))))
            .field());
  }

  @Test
  void parse_whenMalformedTaskTextIsQuoted_itStaysShortAndEscaped() {
    String hostile = "\u202e" + "x".repeat(10_000);
    byte[] event = mutated("running.json", "startedAt", JsonValue.string(hostile));

    Rejection rejection = rejection(parser.parse(event));

    assertEquals("detail.startedAt", rejection.field());
    assertTrue(rejection.reason().length() < 300, rejection.reason());
    assertFalse(rejection.reason().contains("\u202e"), rejection.reason());
  }

  // --- the existing protections hold for task events --------------------------------------------

  @Test
  void parse_whenTaskEventIsNestedTooDeep_isRefusedBeforeItIsRead() {
    byte[] event = mutated("running.json", "attachments", tree("[".repeat(40) + "]".repeat(40)));

    Rejection rejection = rejection(parser.parse(event));

    assertEquals("event", rejection.field());
    assertTrue(rejection.reason().contains("nested deeper"), rejection.reason());
  }

  @Test
  void parse_whenSqsTaskEventIsOverTheSizeLimit_isRefusedAsTheRecordsBody() {
    byte[] big =
        mutated(
            "running.json",
            "stoppedReason",
            JsonValue.string("x".repeat(EventParser.MAX_REQUEST_BYTES)));
    String sqs = "{\"Records\":[" + record("m-big", big) + "]}";

    Invocation.SqsBatch batch =
        assertInstanceOf(
            Invocation.SqsBatch.class, parser.parse(sqs.getBytes(StandardCharsets.UTF_8)));

    assertEquals("body", rejection(batch.messages().get(0).request()).field());
  }

  // --- helpers --------------------------------------------------------------------------------

  private static byte[] fixture(String name) {
    return Fixtures.event("task-state-change/" + name);
  }

  private ParsedRequest direct(String json) {
    return assertInstanceOf(
            Invocation.Direct.class, parser.parse(json.getBytes(StandardCharsets.UTF_8)))
        .request();
  }

  private static ParsedRequest.TaskEvent taskEvent(Invocation invocation) {
    return taskEvent(assertInstanceOf(Invocation.Direct.class, invocation).request());
  }

  private static ParsedRequest.TaskEvent taskEvent(ParsedRequest parsed) {
    return assertInstanceOf(ParsedRequest.TaskEvent.class, parsed, parsed::toString);
  }

  private static Rejection rejection(Invocation invocation) {
    return rejection(assertInstanceOf(Invocation.Direct.class, invocation).request());
  }

  private static Rejection rejection(ParsedRequest parsed) {
    return assertInstanceOf(ParsedRequest.Invalid.class, parsed, parsed::toString)
        .outcome()
        .rejection();
  }

  private static List<String> overrideNames(TaskStateChange change) {
    return change.overrides().stream().map(TaskStateChange.EnvironmentOverride::name).toList();
  }

  private static JsonValue tree(byte[] json) {
    try {
      return Json.reader(64).read(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonValue tree(String json) {
    return tree(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The fixture with one detail field set ({@code detailField}), or one envelope field. */
  private static byte[] mutated(String name, String detailField, JsonValue value) {
    return mutated(name, detailField, null, value);
  }

  private static byte[] mutated(
      String name, String detailField, String envelopeField, JsonValue value) {
    JsonValue.JsonObject envelope = (JsonValue.JsonObject) tree(fixture(name));
    if (detailField != null) {
      ((JsonValue.JsonObject) envelope.get("detail")).set(detailField, value);
    } else {
      envelope.set(envelopeField, value);
    }
    return Json.write(json -> Json.writeValue(json, envelope));
  }

  private static byte[] mutated(String name, Consumer<JsonValue.JsonObject> change) {
    JsonValue.JsonObject envelope = (JsonValue.JsonObject) tree(fixture(name));
    change.accept((JsonValue.JsonObject) envelope.get("detail"));
    return Json.write(json -> Json.writeValue(json, envelope));
  }

  /** One SQS record whose body is {@code body}'s JSON text. */
  private static String record(String messageId, byte[] body) {
    return "{\"messageId\":\""
        + messageId
        + "\",\"body\":\""
        + new String(
            JsonStringEncoder.getInstance().quoteAsString(new String(body, StandardCharsets.UTF_8)))
        + "\",\"eventSource\":\"aws:sqs\"}";
  }
}
