package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutTargetsResponse;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code batch-runner replay} in this JVM against moto's SQS and EventBridge: the dead-letter
 * queue, the requests bus and a rule on it that sends what it matches to a queue the test reads
 * back, as the requests rule sends to the function or the intake queue. The function is a WireMock
 * stub of Lambda's Invoke API (moto's Lambda needs Docker) that runs the real function in this JVM:
 * its catalog is the tests' own, its records are in DynamoDB Local, ECS is a dry run.
 */
class ReplayCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUS = "batch-runner-test-batch-requests";
  private static final String FUNCTION =
      "arn:aws:lambda:eu-west-1:" + MotoServer.ACCOUNT_ID + ":function:batch-runner-test:live";
  private static final String MONOLITH = "legacy.monolith";
  private static final AtomicInteger TABLES = new AtomicInteger();

  private static MotoServer moto;
  private static SqsClient sqs;
  private static EventBridgeClient events;
  private static LambdaInvokeStub lambda;
  private static DynamoDbLocal dynamo;

  /** The RunTask requests the function built (its ECS is a dry run), this test's only. */
  private final List<String> runTasks = new CopyOnWriteArrayList<>();

  private String dlq;
  private String busTarget;

  @BeforeAll
  static void start() {
    lambda = LambdaInvokeStub.start();
    dynamo = DynamoDbLocal.start();
    if (!MotoServer.available()) {
      // Each test then skips (fails on CI) in fresh(): reported per test, unlike an abort here.
      return;
    }
    moto = MotoServer.start();
    sqs = moto.configure(SqsClient.builder()).build();
    events = moto.configure(EventBridgeClient.builder()).build();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {sqs, events, moto, lambda, dynamo}) {
      if (closeable != null) {
        try {
          closeable.close();
        } catch (Exception e) {
          // the end of the run: nothing left to do about it
        }
      }
    }
  }

  @BeforeEach
  void fresh() {
    RequiredTool.require(
        MotoServer.available(),
        "ReplayCommandIT needs moto's server for SQS and EventBridge, and moto is not"
            + " installed: pip install 'moto[server]'");
    moto.reset();
    dlq = sqs.createQueue(b -> b.queueName("events-dlq")).queueUrl();
    busTarget = sqs.createQueue(b -> b.queueName("bus-target")).queueUrl();
    String targetArn =
        sqs.getQueueAttributes(
                b -> b.queueUrl(busTarget).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    events.createEventBus(b -> b.name(BUS));
    // The template's BatchRequestedRule: the monolith's source and detail-type only.
    events.putRule(
        b ->
            b.name("batch-requested")
                .eventBusName(BUS)
                .eventPattern(
                    "{\"source\":[\""
                        + MONOLITH
                        + "\"],\"detail-type\":[\""
                        + DeadLetter.BATCH_REQUESTED
                        + "\"]}"));
    PutTargetsResponse targets =
        events.putTargets(
            b ->
                b.rule("batch-requested")
                    .eventBusName(BUS)
                    .targets(Target.builder().id("queue").arn(targetArn).build()));
    assertEquals(0, targets.failedEntryCount(), targets.toString());

    // A fresh table per test: each starts with no request dispatched.
    String table = "replay-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
    Map<String, String> env = new HashMap<>(Fixtures.CATALOG_ENV);
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    LocalFunction function =
        LocalFunction.assemble(
            env,
            dynamo.client(),
            table,
            new LocalFunction.Ecs.DryRun(Region.EU_WEST_1, runTasks::add));
    lambda.clear();
    lambda.answerWith(invocation -> answer(function, invocation));
  }

  @Test
  void replay_whenQueueHoldsThreeKinds_handsEachOnWhereItBelongsAndDeletesAll() throws Exception {
    String monolith = event("monolith-put-events.json");
    String failureRecord = event("dead-letters/failed-invocation.json");
    String taskStateChange = event("task-state-change/stopped-exit-0.json");
    String envelopeId = send(monolith);
    String recordId = send(failureRecord);
    String taskId = send(taskStateChange);

    Run run = replay("--bus", BUS, "--function", FUNCTION);

    assertEquals(0, run.code, run.err);
    // The envelope went back on the bus, as the monolith put it: the rule matched it again.
    List<JsonNode> onBus = receiveAll(busTarget, 1);
    JsonNode republished = onBus.get(0);
    JsonNode original = JSON.readTree(monolith);
    assertEquals(MONOLITH, republished.get("source").asText());
    assertEquals(DeadLetter.BATCH_REQUESTED, republished.get("detail-type").asText());
    assertEquals(original.get("detail"), republished.get("detail"));
    // The failure record's requestPayload and the task state change went to the function.
    List<LambdaInvokeStub.Invocation> invocations = lambda.invocations();
    assertEquals(2, invocations.size(), invocations.toString());
    assertEquals(FUNCTION, invocations.get(0).functionName());
    assertEquals("RequestResponse", invocations.get(0).invocationType());
    assertEquals(
        JSON.readTree(failureRecord).get("requestPayload"),
        JSON.readTree(invocations.get(0).payload()));
    assertEquals(taskStateChange, invocations.get(1).payload());
    assertEquals(1, runTasks.size(), "the failed request is dispatched now: " + runTasks);
    // Each message deleted once handed on.
    assertEquals(0, messagesIn(dlq), "the queue after the replay");

    Map<String, List<String>> rows = rows(run.out);
    assertEquals(
        List.of(
            "BATCH_REQUESTED",
            "daily-report",
            "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
            "bus:" + BUS,
            "REPLAYED"),
        rows.get(envelopeId).subList(1, 6));
    assertEquals(List.of("REQUEST", "nightly-cleanup"), rows.get(recordId).subList(1, 3));
    assertEquals("REPLAYED", rows.get(recordId).get(5));
    assertTrue(rows.get(recordId).get(6).contains("the function answered DISPATCHED"), run.out);
    assertEquals(
        List.of("TASK_STATE_CHANGE", "daily-report", "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11"),
        rows.get(taskId).subList(1, 4));
    // No record of that task in this test's table: the function answers without an error.
    assertTrue(rows.get(taskId).get(6).contains("the function answered IGNORED"), run.out);
    assertTrue(
        run.err.contains(
            "batch-runner replay: 3 received: 3 replayed and deleted, 0 failed, 0 skipped"),
        run.err);
  }

  @Test
  void replay_whenEnvelopeHasNoTraceId_putsItWithTheEnvelopeIdAsItsTraceId() throws Exception {
    ObjectNode envelope = (ObjectNode) JSON.readTree(event("monolith-put-events.json"));
    ((ObjectNode) envelope.get("detail")).remove("TraceId");
    send(envelope.toString());

    Run run = replay("--bus", BUS);

    assertEquals(0, run.code, run.err);
    JsonNode detail = receiveAll(busTarget, 1).get(0).get("detail");
    assertEquals(envelope.get("id").asText(), detail.get("traceId").asText());
    assertEquals(envelope.get("detail").get("Parameters"), detail.get("Parameters"));
  }

  @Test
  void replay_whenHandOnFails_keepsThatMessageDeletesTheOthersAndExits1() throws Exception {
    // The function rejects an unknown batch type (a function error); the bus does not exist.
    ObjectNode unknown = (ObjectNode) JSON.readTree(event("dead-letters/failed-invocation.json"));
    ((ObjectNode) unknown.get("requestPayload")).put("batchTypeId", "no-such-batch");
    String rejectedId = send(unknown.toString());
    String envelopeId = send(event("monolith-put-events.json"));
    String goodId = send(event("task-state-change/running.json"));

    Run run = replay("--bus", "no-such-bus", "--function", FUNCTION, "--json");

    assertEquals(1, run.code, run.err);
    JsonNode summary = JSON.readTree(run.out);
    assertEquals(3, summary.get("received").asInt());
    assertEquals(1, summary.get("replayed").asInt());
    assertEquals(2, summary.get("failed").asInt());
    Map<String, JsonNode> byId = byId(summary);
    assertEquals("FAILED", byId.get(rejectedId).get("result").asText());
    assertTrue(
        byId.get(rejectedId)
            .get("detail")
            .asText()
            .contains("function answered an error (Unhandled)"),
        byId.get(rejectedId).toString());
    assertTrue(
        byId.get(rejectedId).get("detail").asText().contains("batchTypeId"),
        byId.get(rejectedId).toString());
    assertEquals("FAILED", byId.get(envelopeId).get("result").asText());
    assertTrue(
        byId.get(envelopeId).get("detail").asText().startsWith("PutEvents failed: "),
        byId.get(envelopeId).toString());
    assertEquals("REPLAYED", byId.get(goodId).get("result").asText());
    // The two failed messages are still there, and visible again at once.
    assertEquals(
        List.of(envelopeId, rejectedId).stream().sorted().toList(),
        receiveIds(dlq, 2).stream().sorted().toList());
    assertTrue(run.err.contains("2 hand-on(s) failed"), run.err);
  }

  @Test
  void replay_whenPutEventsRefusesTheEntry_keepsTheMessage() throws Exception {
    // PutEvents is not all-or-nothing: a 200 answer can still refuse the entry. moto never does,
    // so EventBridge is a WireMock stub here that answers as EventBridge does.
    WireMockServer bus =
        new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
    bus.start();
    try {
      bus.stubFor(
          WireMock.post(WireMock.anyUrl())
              .willReturn(
                  WireMock.aResponse()
                      .withStatus(200)
                      .withHeader("Content-Type", "application/x-amz-json-1.1")
                      .withBody(
                          "{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"InternalFailure\","
                              + "\"ErrorMessage\":\"Try again\"}]}")));
      String id = send(event("monolith-put-events.json"));
      Map<String, String> env = environment();
      env.put("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://127.0.0.1:" + bus.port());

      Run run = run(env, "replay", "--queue", dlq, "--wait", "1", "--bus", BUS);

      assertEquals(1, run.code, run.err);
      assertEquals(1, bus.getAllServeEvents().size());
      assertTrue(
          bus.getAllServeEvents()
              .get(0)
              .getRequest()
              .getHeader("X-Amz-Target")
              .endsWith("PutEvents"));
      assertTrue(
          rows(run.out).get(id).get(6).contains("PutEvents refused the entry: InternalFailure"),
          run.out);
      assertEquals(List.of(id), receiveIds(dlq, 1));
    } finally {
      bus.stop();
    }
  }

  @Test
  void replay_whenMessageIsNotReplayable_leavesItInTheQueueAndExits2() throws Exception {
    String garbage = send("this is not JSON");
    String tick = send(event("invalid/scheduled-event-empty-detail.json"));
    String good = send(event("monolith-put-events.json"));

    Run run = replay("--bus", BUS, "--function", FUNCTION, "--json");

    assertEquals(2, run.code, run.err);
    Map<String, JsonNode> byId = byId(JSON.readTree(run.out));
    for (String id : List.of(garbage, tick)) {
      assertEquals("UNREPLAYABLE", byId.get(id).get("kind").asText());
      assertEquals("SKIPPED", byId.get(id).get("result").asText());
      assertTrue(byId.get(id).get("target").isNull());
    }
    assertTrue(byId.get(garbage).get("detail").asText().contains("not JSON"), run.out);
    assertTrue(byId.get(tick).get("detail").asText().contains("Scheduled Event"), run.out);
    assertEquals("REPLAYED", byId.get(good).get("result").asText());
    assertEquals(List.of(), lambda.invocations());
    assertEquals(
        List.of(garbage, tick).stream().sorted().toList(),
        receiveIds(dlq, 2).stream().sorted().toList());
    assertTrue(run.err.contains("2 message(s) are not replayable"), run.err);
  }

  @Test
  void replay_whenTheKindsTargetIsNotGiven_leavesThoseAndExits2() throws Exception {
    String task = send(event("task-state-change/stopped-exit-1.json"));
    String envelope = send(event("monolith-put-events.json"));

    Run run = replay("--bus", BUS);

    assertEquals(2, run.code, run.err);
    assertEquals("SKIPPED", rows(run.out).get(task).get(5));
    assertEquals("REPLAYED", rows(run.out).get(envelope).get(5));
    assertEquals(List.of(task), receiveIds(dlq, 1));
    assertTrue(
        run.err.contains("1 task state change(s) or bare request(s) need --function"), run.err);
  }

  @Test
  void replay_whenDryRun_listsWhereEachWouldGoAndHandsOnOrDeletesNothing() throws Exception {
    String envelope = send(event("monolith-put-events.json"));
    String record = send(event("dead-letters/failed-invocation.json"));
    String task = send(event("task-state-change/stopped-exit-0.json"));

    Run run = replay("--bus", BUS, "--function", FUNCTION, "--dry-run", "--json");

    assertEquals(0, run.code, run.err);
    JsonNode summary = JSON.readTree(run.out);
    assertTrue(summary.get("dryRun").asBoolean());
    assertEquals(3, summary.get("received").asInt());
    assertEquals(0, summary.get("replayed").asInt());
    Map<String, JsonNode> byId = byId(summary);
    assertEquals("bus:" + BUS, byId.get(envelope).get("target").asText());
    assertEquals("function:" + FUNCTION, byId.get(record).get("target").asText());
    assertEquals("REQUEST_PAYLOAD", byId.get(record).get("from").asText());
    assertTrue(
        byId.get(record).get("originalError").asText().contains("DispatchFailedException"),
        byId.get(record).toString());
    assertEquals("function:" + FUNCTION, byId.get(task).get("target").asText());
    for (JsonNode message : summary.get("messages")) {
      assertEquals("DRY_RUN", message.get("result").asText());
    }
    assertEquals(List.of(), lambda.invocations());
    assertEquals(0, messagesIn(busTarget));
    // All three still there, and visible at once: a real run right after finds them.
    assertEquals(
        List.of(envelope, record, task).stream().sorted().toList(),
        receiveIds(dlq, 3).stream().sorted().toList());
    assertTrue(run.err.contains("nothing was handed on or deleted"), run.err);
  }

  @Test
  void replay_whenJson_printsOneSummaryDocumentWithEveryField() throws Exception {
    String id = send(event("dead-letters/failed-invocation.json"));

    Run run = replay("--function", FUNCTION, "--json");

    assertEquals(0, run.code, run.err);
    JsonNode summary = JSON.readTree(run.out);
    assertEquals(
        List.of(
            "queue",
            "dryRun",
            "received",
            "replayed",
            "failed",
            "skipped",
            "stopped",
            "error",
            "messages",
            "warnings"),
        fieldNames(summary));
    assertEquals(dlq, summary.get("queue").asText());
    assertEquals(false, summary.get("dryRun").asBoolean());
    assertEquals(1, summary.get("received").asInt());
    assertEquals(1, summary.get("replayed").asInt());
    assertEquals(0, summary.get("failed").asInt());
    assertEquals(0, summary.get("skipped").asInt());
    assertEquals("EMPTY", summary.get("stopped").asText());
    assertTrue(summary.get("error").isNull());
    JsonNode message = summary.get("messages").get(0);
    assertEquals(
        List.of(
            "messageId",
            "kind",
            "from",
            "batchTypeId",
            "traceId",
            "target",
            "result",
            "detail",
            "originalError"),
        fieldNames(message));
    assertEquals(id, message.get("messageId").asText());
    assertEquals("REQUEST", message.get("kind").asText());
    assertEquals("nightly-cleanup", message.get("batchTypeId").asText());
    assertTrue(message.get("traceId").isNull(), "a bare request without one has none yet");
    assertEquals("function:" + FUNCTION, message.get("target").asText());
    assertEquals("REPLAYED", message.get("result").asText());
    assertEquals("the function answered DISPATCHED", message.get("detail").asText());
  }

  @Test
  void replay_whenRunAgainAfterStopping_handsEachMessageOnExactlyOnce() throws Exception {
    List<String> sent = new ArrayList<>();
    for (String date : List.of("2026-11-20", "2026-11-21", "2026-11-22")) {
      sent.add(
          send(
              "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\""
                  + date
                  + "\"}}"));
    }

    Run first = replay("--function", FUNCTION, "--max", "2", "--json");
    Run second = replay("--function", FUNCTION, "--json");
    Run third = replay("--function", FUNCTION, "--json");

    assertEquals(0, first.code, first.err);
    assertEquals("MAX", JSON.readTree(first.out).get("stopped").asText());
    assertEquals(2, JSON.readTree(first.out).get("replayed").asInt());
    assertTrue(first.err.contains("stopped at --max 2"), first.err);
    assertEquals(0, second.code, second.err);
    assertEquals(1, JSON.readTree(second.out).get("replayed").asInt());
    assertEquals(0, third.code, third.err);
    assertEquals(0, JSON.readTree(third.out).get("received").asInt());
    List<String> handedOn = new ArrayList<>();
    for (Run run : List.of(first, second)) {
      byId(JSON.readTree(run.out)).keySet().forEach(handedOn::add);
    }
    assertEquals(sent.stream().sorted().toList(), handedOn.stream().sorted().toList());
    assertEquals(3, lambda.invocations().size(), "each message handed on once");
    assertEquals(3, runTasks.size());
    assertEquals(0, messagesIn(dlq));
  }

  @Test
  void replay_whenTheRequestWasAlreadyDispatched_functionAnswersDuplicateAndStartsNothing()
      throws Exception {
    // The same dead letter twice: as the queue holds it again when a run was stopped between the
    // hand-on and the delete, or when EventBridge delivered the event twice.
    String record = event("dead-letters/failed-invocation.json");
    String first = send(record);
    Run dispatch = replay("--function", FUNCTION, "--json");
    String second = send(record);
    Run again = replay("--function", FUNCTION, "--json");

    assertEquals(0, dispatch.code, dispatch.err);
    assertEquals(0, again.code, again.err);
    assertEquals(
        "the function answered DISPATCHED",
        byId(JSON.readTree(dispatch.out)).get(first).get("detail").asText());
    assertEquals(
        "the function answered DUPLICATE, status DISPATCHED",
        byId(JSON.readTree(again.out)).get(second).get("detail").asText());
    assertEquals(1, runTasks.size(), "one RunTask for the two replays: " + runTasks);
    assertEquals(0, messagesIn(dlq));
  }

  @Test
  void replay_whenDirect_invokesTheFunctionWithTheEnvelopeAsItIs() throws Exception {
    String envelope = event("monolith-put-events.json");
    send(envelope);

    Run run = replay("--function", FUNCTION, "--direct");

    assertEquals(0, run.code, run.err);
    assertEquals(1, lambda.invocations().size());
    assertEquals(envelope, lambda.invocations().get(0).payload());
    assertEquals(0, messagesIn(busTarget));
    assertTrue(run.out.contains("the function answered DISPATCHED"), run.out);
  }

  @Test
  void replay_whenTheQueueDoesNotExist_exits1NamingIt() {
    String missing = dlq.replace("events-dlq", "no-such-queue");

    Run run = run(environment(), "replay", "--queue", missing, "--wait", "1", "--bus", BUS);

    assertEquals(1, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.contains("ReceiveMessage from " + missing + " failed: "), run.err);
    assertTrue(run.err.contains("0 received"), run.err);
  }

  @Test
  void jar_whenReplaying_handsOnThroughThePackagedSdkClients() throws Exception {
    // The shaded jar carries SQS, EventBridge and Lambda with their endpoint rules and service
    // metadata: one run through it, as an operator runs it.
    String envelope = send(event("monolith-put-events.json"));
    String task = send(event("task-state-change/running.json"));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "batch-runner-cli.jar").toString(),
                "replay",
                "--queue",
                dlq,
                "--wait",
                "1",
                "--bus",
                BUS,
                "--function",
                FUNCTION,
                "--json"));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment());
    Path out = Files.createTempFile("replay", ".out");
    Path err = Files.createTempFile("replay", ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    process.getOutputStream().close();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("no exit within 120 s");
    }
    String stderr = Files.readString(err);

    assertEquals(0, process.exitValue(), stderr);
    Map<String, JsonNode> byId = byId(JSON.readTree(Files.readString(out)));
    assertEquals("REPLAYED", byId.get(envelope).get("result").asText());
    assertEquals("REPLAYED", byId.get(task).get("result").asText());
    assertEquals(1, receiveAll(busTarget, 1).size());
    assertEquals(1, lambda.invocations().size());
    assertEquals(0, messagesIn(dlq));
    Files.delete(out);
    Files.delete(err);
  }

  /** The function in this JVM answering an invocation as Lambda would answer for it. */
  private static LambdaInvokeStub.Answer answer(
      LocalFunction function, LambdaInvokeStub.Invocation invocation) {
    LocalFunction.Result result =
        function.invoke(invocation.payload().getBytes(StandardCharsets.UTF_8));
    if (result instanceof LocalFunction.Result.Answered answered) {
      return LambdaInvokeStub.Answer.ok(answered.answer());
    }
    if (result instanceof LocalFunction.Result.Rejected rejected) {
      return LambdaInvokeStub.Answer.thrown(
          "dev.batchrunner.core.request.RequestRejectedException",
          rejected.field() + ": " + rejected.reason());
    }
    return LambdaInvokeStub.Answer.thrown(
        "dev.batchrunner.core.dispatch.DispatchFailedException",
        ((LocalFunction.Result.Failed) result).message());
  }

  private Run replay(String... options) {
    List<String> args = new ArrayList<>(List.of("replay", "--queue", dlq, "--wait", "1"));
    args.addAll(List.of(options));
    return run(environment(), args.toArray(String[]::new));
  }

  /** What an operator's shell would hold, pointed at moto and the Lambda stub. */
  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("AWS_ACCESS_KEY_ID", "testing");
    env.put("AWS_SECRET_ACCESS_KEY", "testing");
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("AWS_ENDPOINT_URL_LAMBDA", lambda.endpoint().toString());
    return env;
  }

  private static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}

  private String send(String body) {
    return sqs.sendMessage(
            b ->
                b.queueUrl(dlq)
                    .messageBody(body)
                    // What EventBridge adds to a dead letter; replay shows it with the message.
                    .messageAttributes(
                        Map.of(
                            "ERROR_CODE",
                            MessageAttributeValue.builder()
                                .dataType("String")
                                .stringValue("SDK_CLIENT_ERROR")
                                .build())))
        .messageId();
  }

  private static String event(String name) {
    return new String(Fixtures.event(name), StandardCharsets.UTF_8);
  }

  /** The table's rows by message id, each row's cells split on runs of two or more spaces. */
  private static Map<String, List<String>> rows(String table) {
    Map<String, List<String>> rows = new TreeMap<>();
    List<String> lines = table.lines().toList();
    for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
      List<String> cells = List.of(line.split(" {2,}"));
      rows.put(cells.get(0), cells);
    }
    return rows;
  }

  private static Map<String, JsonNode> byId(JsonNode summary) {
    Map<String, JsonNode> byId = new TreeMap<>();
    for (JsonNode message : summary.get("messages")) {
      byId.put(message.get("messageId").asText(), message);
    }
    return byId;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Visible plus in-flight messages. */
  private static int messagesIn(String queue) {
    Map<QueueAttributeName, String> attributes =
        sqs.getQueueAttributes(
                b ->
                    b.queueUrl(queue)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(
            attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  /** The ids of exactly {@code expected} visible messages (each hidden for a minute after). */
  private static List<String> receiveIds(String queue, int expected) {
    List<String> ids = new ArrayList<>();
    for (Message message : receive(queue, expected)) {
      ids.add(message.messageId());
    }
    return ids;
  }

  /** Exactly {@code expected} events: receives until they are in, then once more for extras. */
  private static List<JsonNode> receiveAll(String queue, int expected) {
    List<JsonNode> bodies = new ArrayList<>();
    for (Message message : receive(queue, expected)) {
      try {
        bodies.add(JSON.readTree(message.body()));
      } catch (IOException e) {
        throw new UncheckedIOException("not an event: " + message.body(), e);
      }
    }
    return bodies;
  }

  private static List<Message> receive(String queue, int expected) {
    List<Message> messages = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (messages.size() < expected && System.nanoTime() < deadline) {
      messages.addAll(
          sqs.receiveMessage(
                  b ->
                      b.queueUrl(queue)
                          .maxNumberOfMessages(10)
                          .waitTimeSeconds(1)
                          .visibilityTimeout(60))
              .messages());
    }
    assertEquals(expected, messages.size(), messages.toString());
    List<Message> extra =
        sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1))
            .messages();
    assertEquals(List.of(), extra, "more messages than expected");
    return messages;
  }
}
