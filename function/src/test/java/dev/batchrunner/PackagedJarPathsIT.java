package dev.batchrunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.text.SafeText;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.testing.Completions;
import dev.batchrunner.function.testing.EcsDirectTasks;
import dev.batchrunner.function.testing.PackagedFunction;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EcsStub;
import dev.batchrunner.testkit.LocalRuntimeApi.Answer;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Every user-visible path of the function through the Lambda jar as ProGuard shrank it, run as
 * Lambda runs it (see {@link PackagedJarIT}): ProGuard keeps only what is statically reachable, so
 * a path whose SDK code is reached by reflection, a ServiceLoader or a resource could break in this
 * jar alone. Here the task lifecycle with completion events on moto's EventBridge, RunTask's
 * failures and errors (the SDK's exception unmarshalling), DynamoDB faults, the FIFO queue's batch,
 * the EcsDirect mode's task events, {@code DRY_RUN} and {@code LOG_LEVEL=DEBUG}, each asserted on
 * the function's answer and on what it left in DynamoDB, sent to ECS and put on the bus.
 *
 * <p>One execution environment per distinct configuration ({@link Config}), started by the first
 * test that needs it and kept for the class; each test sends requests of its own (their keys
 * differ) so that the tests sharing an environment and its table do not meet.
 */
class PackagedJarPathsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUS = "batch-runner-completions";
  private static final String DYNAMO_TARGET = "DynamoDB_20120810.";
  private static final String DYNAMO_ERROR = "com.amazonaws.dynamodb.v20120810#";

  /** The configurations the tests run the jar in; one execution environment each. */
  private enum Config {
    /** The template's defaults; DynamoDB through {@link #dynamoFaults}, which tests can fail. */
    PLAIN,
    /** {@code COMPLETION_EVENT_BUS} on moto's EventBridge. */
    COMPLETIONS,
    /** {@code DRY_RUN=true}. */
    DRY_RUN,
    /** {@code LOG_LEVEL=DEBUG}. */
    DEBUG;

    String table() {
      return "paths-" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private static DynamoDbLocal dynamo;
  private static EcsStub ecs;

  /** A WireMock proxy in front of DynamoDB Local that fails chosen calls (FaultInjectionIT's). */
  private static WireMockServer dynamoFaults;

  private static MotoServer moto;
  private static EventBridgeClient events;
  private static SqsClient sqs;
  private static String queueUrl;

  private static final Map<Config, PackagedFunction> FUNCTIONS = new EnumMap<>(Config.class);

  @BeforeAll
  static void startEmulators() {
    dynamo = DynamoDbLocal.start();
    ecs = EcsStub.start();
    for (Config config : Config.values()) {
      dynamo.createIdempotencyTable(config.table());
    }
    dynamoFaults = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    dynamoFaults.start();
    if (MotoServer.available()) {
      moto = MotoServer.start();
      events = moto.configure(EventBridgeClient.builder()).build();
      sqs = moto.configure(SqsClient.builder()).build();
      queueUrl = Completions.subscribe(events, sqs, BUS);
    }
  }

  @AfterAll
  static void stopAll() {
    // The functions first: each drops its Runtime API's held /next, unanswered.
    FUNCTIONS.values().forEach(PackagedFunction::close);
    FUNCTIONS.clear();
    if (moto != null) {
      events.close();
      sqs.close();
      moto.close();
    }
    if (dynamoFaults != null) {
      dynamoFaults.stop();
    }
    if (ecs != null) {
      ecs.close();
    }
    if (dynamo != null) {
      dynamo.close();
    }
  }

  @BeforeEach
  void freshStubs() {
    ecs.reset();
    dynamoFaults.resetAll();
    dynamoFaults.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(aResponse().proxiedFrom(dynamo.endpoint().toString())));
    if (moto != null) {
      Completions.receiveAll(sqs, queueUrl);
    }
  }

  // --- 1, 2. The task lifecycle and its completion events ------------------------------------

  @Test
  void taskEvents_whenRunningThenStoppedExit0_recordSucceedsAndOneBatchSucceededIsPut()
      throws Exception {
    PackagedFunction function = completions();
    MutableClock clock = new MutableClock(Instant.now());
    ecs.useClock(clock);
    String account = "DE44500105175407324931";
    JsonNode dispatched =
        response(function.invoke(invoice("C7000001", account, "trace-succeeded")));
    assertEquals("DISPATCHED", dispatched.path("outcome").asText(), dispatched::toString);
    String key = dispatched.path("idempotencyKey").asText();
    String task = dispatched.at("/taskArns/0").asText();
    assertEquals("DISPATCHED", record(Config.COMPLETIONS, key).get("status").s());
    assertEquals(
        account,
        ecs.task(task).environment("exporter", "ACCOUNT_NUMBER"),
        "ECS gets the real value; only logs and events mask it");

    JsonNode running = response(function.invoke(ecs.stateChangeEvent(ecs.run(task).taskArn())));
    assertEquals("UPDATED", running.path("outcome").asText(), running::toString);
    assertEquals("RUNNING", running.path("status").asText(), running::toString);
    assertEquals("RUNNING", record(Config.COMPLETIONS, key).get("status").s());

    clock.advance(Duration.ofMinutes(7));
    ecs.stop(task, Map.of("exporter", 0), "EssentialContainerExited", "Essential container exited");
    String stopped = ecs.stateChangeEvent(task);
    JsonNode succeeded = response(function.invoke(stopped));
    JsonNode again = response(function.invoke(stopped));

    assertEquals("SUCCEEDED", succeeded.path("outcome").asText(), succeeded::toString);
    assertEquals(key, succeeded.path("idempotencyKey").asText());
    assertEquals(0, succeeded.path("exitCode").asInt(-1), succeeded::toString);
    assertEquals("IGNORED", again.path("outcome").asText(), "ECS delivers at least once");
    Map<String, AttributeValue> record = record(Config.COMPLETIONS, key);
    assertEquals("SUCCEEDED", record.get("status").s());
    assertEquals("1", record.get("attempt").n());
    Map<String, AttributeValue> attempt = record.get("attempts").l().get(0).m();
    assertEquals(task, attempt.get("taskArn").s());
    assertEquals("STOPPED", attempt.get("lastStatus").s());
    assertEquals("0", attempt.get("exitCode").n());
    assertEquals("EssentialContainerExited", attempt.get("stopCode").s());
    assertFalse(record.containsKey("completionDue"), "announced: nothing left due");

    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);
    assertEquals(1, received.size(), received::toString);
    JsonNode event = received.get(0);
    assertEquals(Completion.SOURCE, event.path("source").asText());
    assertEquals(Completion.SUCCEEDED, event.path("detail-type").asText());
    JsonNode detail = event.path("detail");
    assertEquals("SUCCEEDED", detail.path("status").asText());
    assertEquals("invoice-export", detail.path("batchTypeId").asText());
    assertEquals("trace-succeeded", detail.path("traceId").asText());
    assertEquals(key, detail.path("idempotencyKey").asText());
    assertEquals(1, detail.path("attempt").asInt());
    assertEquals(task, detail.path("taskArn").asText());
    assertEquals(0, detail.path("exitCode").asInt(-1));
    assertEquals("EssentialContainerExited", detail.path("stopCode").asText());
    assertEquals(Duration.ofMinutes(7).toMillis(), detail.path("durationMs").asLong());
    assertEquals("C7000001", detail.at("/parameters/customerId").asText());
    assertEquals("csv", detail.at("/parameters/format").asText(), "defaults included");
    assertEquals(SafeText.MASK, detail.at("/parameters/accountNumber").asText());
    assertFalse(event.toString().contains(account), "never the sensitive value");

    JsonNode line =
        function.awaitLine(
            l ->
                "batch-runner.task".equals(l.path("logger").asText())
                    && key.equals(l.path("idempotencyKey").asText())
                    && "SUCCEEDED".equals(l.path("outcome").asText()));
    assertEquals("trace-succeeded", line.path("traceId").asText(), line::toString);
    assertFalse(function.output().contains(account), "a sensitive value reached the log");

    JsonNode resent = response(function.invoke(invoice("C7000001", account, "trace-resent")));
    assertEquals("DUPLICATE", resent.path("outcome").asText(), resent::toString);
    assertEquals("SUCCEEDED", resent.path("status").asText(), resent::toString);
    assertEquals(1, resent.path("attempt").asInt(), resent::toString);
    assertEquals(0, resent.path("exitCode").asInt(-1), resent::toString);
    assertEquals("trace-succeeded", resent.path("firstTraceId").asText(), resent::toString);
    assertEquals(1, ecs.runTaskCount(), "a duplicate launches nothing");
  }

  @Test
  void taskEvents_whenTheExitCodeIsRetried_startEachNextAttempt_andTheLastPutsOneBatchFailed()
      throws Exception {
    PackagedFunction function = completions();
    String scheduledTime = "2026-10-01T02:00:00Z";
    JsonNode dispatched = response(function.invoke(cleanup(scheduledTime, "trace-retried")));
    assertEquals("DISPATCHED", dispatched.path("outcome").asText(), dispatched::toString);
    String key = dispatched.path("idempotencyKey").asText();
    String hash = key.split("#", 2)[1];
    List<String> tasks = new ArrayList<>(List.of(dispatched.at("/taskArns/0").asText()));

    JsonNode last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      String task = tasks.get(attempt - 1);
      JsonNode running = response(function.invoke(ecs.stateChangeEvent(ecs.run(task).taskArn())));
      assertEquals("UPDATED", running.path("outcome").asText(), running::toString);
      // Exit code 137 matches the catalog's RETRY rule; nightly-cleanup has 3 attempts.
      ecs.stop(task, Map.of("app", 137), "EssentialContainerExited", "OutOfMemoryError");
      last = response(function.invoke(ecs.stateChangeEvent(task)));
      if (attempt == 3) {
        break;
      }
      assertEquals("RETRIED", last.path("outcome").asText(), last::toString);
      String next = last.path("nextTaskArn").asText();
      assertNotEquals(task, next, last::toString);
      tasks.add(next);
      Map<String, AttributeValue> record = record(Config.COMPLETIONS, key);
      assertEquals("DISPATCHED", record.get("status").s());
      assertEquals(String.valueOf(attempt + 1), record.get("attempt").n());
      JsonNode runTask = ecs.runTaskRequests().get(attempt);
      assertEquals(
          IdempotencyKey.clientToken(hash, attempt + 1),
          runTask.path("clientToken").asText(),
          "each attempt its own token");
      assertEquals(key, ecs.task(next).environment("app", "IDEMPOTENCY_KEY"));
      assertEquals(scheduledTime, ecs.task(next).environment("app", "SCHEDULED_TIME"));
      assertTrue(
          Completions.receiveAll(sqs, queueUrl).isEmpty(),
          "a retried attempt is no end of the request");
    }

    assertEquals("FAILED", last.path("outcome").asText(), last::toString);
    assertEquals(137, last.path("exitCode").asInt(), last::toString);
    assertEquals(3, ecs.runTaskCount(), ecs::toString);
    Map<String, AttributeValue> record = record(Config.COMPLETIONS, key);
    assertEquals("FAILED", record.get("status").s());
    assertEquals("3", record.get("attempt").n());
    List<AttributeValue> attempts = record.get("attempts").l();
    assertEquals(3, attempts.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(tasks.get(i), attempts.get(i).m().get("taskArn").s());
      assertEquals("137", attempts.get(i).m().get("exitCode").n());
    }
    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);
    assertEquals(1, received.size(), received::toString);
    assertEquals(Completion.FAILED, received.get(0).path("detail-type").asText());
    JsonNode detail = received.get(0).path("detail");
    assertEquals("FAILED", detail.path("status").asText());
    assertEquals(3, detail.path("attempt").asInt());
    assertEquals(tasks.get(2), detail.path("taskArn").asText());
    assertEquals(137, detail.path("exitCode").asInt());
    assertEquals("trace-retried", detail.path("traceId").asText());

    // No automatic retry left: the request sent again starts a new attempt.
    JsonNode resent = response(function.invoke(cleanup(scheduledTime, "trace-retried-again")));
    assertEquals("DISPATCHED", resent.path("outcome").asText(), resent::toString);
    assertEquals(4, resent.path("attempt").asInt(), resent::toString);
    assertEquals(
        IdempotencyKey.clientToken(hash, 4),
        ecs.runTaskRequests().get(3).path("clientToken").asText());
    assertEquals("DISPATCHED", record(Config.COMPLETIONS, key).get("status").s());
  }

  @Test
  void taskEvents_whenTheRetrysRunTaskIsRefused_failTheRequestWithTheReasonAndPutBatchFailed()
      throws Exception {
    PackagedFunction function = completions();
    JsonNode dispatched =
        response(function.invoke(cleanup("2026-10-02T02:00:00Z", "trace-retry-refused")));
    String key = dispatched.path("idempotencyKey").asText();
    String task = dispatched.at("/taskArns/0").asText();
    ecs.run(task);
    ecs.stop(task, Map.of(), "SpotInterruption", "Your Spot Task was interrupted.");
    ecs.scriptError(400, "ClientException", "TaskDefinition is inactive");

    JsonNode answer = response(function.invoke(ecs.stateChangeEvent(task)));

    assertEquals("FAILED", answer.path("outcome").asText(), answer::toString);
    assertTrue(
        answer.path("reason").asText().contains("TaskDefinition is inactive"), answer::toString);
    assertEquals(2, ecs.runTaskCount(), "the retry's RunTask was sent once, not retried");
    assertEquals(1, ecs.tasksStarted());
    Map<String, AttributeValue> record = record(Config.COMPLETIONS, key);
    assertEquals("FAILED", record.get("status").s());
    assertEquals("2", record.get("attempt").n());
    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);
    assertEquals(1, received.size(), received::toString);
    assertEquals(Completion.FAILED, received.get(0).path("detail-type").asText());
    assertEquals(2, received.get(0).at("/detail/attempt").asInt(), received::toString);
    assertTrue(
        received.get(0).at("/detail/stoppedReason").asText().contains("TaskDefinition is inactive"),
        received::toString);
  }

  // --- 3. RunTask's failures and errors --------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource({"'RESOURCE:MEMORY', ECS_TRANSIENT, true", "MISSING, ECS_PERMANENT, false"})
  void dispatch_whenRunTaskAnswersFailures_failsTheInvocationAndReleasesTheClaim(
      String reason, String failureReason, boolean retryable) throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String tenant = reason.replaceAll("[^A-Za-z0-9]", "-");
    String trace = "trace-failures-" + tenant;
    String request = report("2026-09-01", tenant, trace);
    String key = reportKey("2026-09-01", tenant);
    ecs.scriptFailure(reason);

    Answer answer = function.invoke(request);

    JsonNode error = error(answer, "DispatchFailedException");
    String message = error.path("errorMessage").asText();
    assertTrue(message.contains("batch 'daily-report'"), message);
    assertTrue(message.contains("RunTask failures: " + reason), message);
    JsonNode line = requestLine(function, trace, "FAILED");
    assertEquals(failureReason, line.path("failureReason").asText(), line::toString);
    assertEquals(retryable, line.path("retryable").asBoolean(), line::toString);
    assertEquals(1, ecs.runTaskCount(), ecs::toString);
    assertEquals(0, ecs.tasksStarted());
    assertNoRecord(Config.PLAIN, key);

    JsonNode redelivered = response(function.invoke(request));
    assertEquals("DISPATCHED", redelivered.path("outcome").asText(), "the claim was released");
    assertEquals("DISPATCHED", record(Config.PLAIN, key).get("status").s());
    assertEquals(1, ecs.tasksStarted());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ClientException", "InvalidParameterException"})
  void dispatch_whenEcsRefusesRunTask_failsNamingTheErrorWithoutRetryingOrKeepingARecord(
      String type) throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String trace = "trace-refused-" + type;
    String request = report("2026-09-02", type, trace);
    ecs.scriptError(400, type, "refused by ECS: " + type);
    int from = function.output().length();

    Answer answer = function.invoke(request);

    JsonNode error = error(answer, "DispatchFailedException");
    String message = error.path("errorMessage").asText();
    assertTrue(message.contains("task definition daily-report"), message);
    assertTrue(message.contains(type + " (HTTP 400): refused by ECS: " + type), message);
    JsonNode line = requestLine(function, trace, "FAILED");
    assertEquals("ECS_PERMANENT", line.path("failureReason").asText(), line::toString);
    assertFalse(line.path("retryable").asBoolean(true), line::toString);
    assertEquals(1, ecs.runTaskCount(), "a refusal is not retried");
    assertNoRecord(Config.PLAIN, reportKey("2026-09-02", type));
    // The runtime logs the error's causes: the SDK unmarshalled ECS's __type to its model class.
    function.awaitOutput(
        from,
        "Caused by: software.amazon.awssdk.services.ecs.model."
            + type
            + ": refused by ECS: "
            + type
            + " (Service: Ecs, Status Code: 400");
  }

  @Test
  void dispatch_whenEcsThrottlesOnce_theSdkRetryDispatchesWithTheSameToken() throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String key = reportKey("2026-09-03", "throttled-once");
    ecs.scriptError(400, "ThrottlingException", "Rate exceeded");

    JsonNode answer =
        response(function.invoke(report("2026-09-03", "throttled-once", "trace-throttled-once")));

    assertEquals("DISPATCHED", answer.path("outcome").asText(), answer::toString);
    assertEquals(2, ecs.runTaskCount(), ecs::toString);
    List<JsonNode> sent = ecs.runTaskRequests();
    assertEquals(sent.get(0), sent.get(1), "the SDK's retry sends the same request");
    assertEquals(key.split("#", 2)[1], sent.get(1).path("clientToken").asText());
    assertEquals(1, ecs.tasksStarted());
    Map<String, AttributeValue> record = record(Config.PLAIN, key);
    assertEquals("DISPATCHED", record.get("status").s());
    assertEquals(answer.at("/taskArns/0").asText(), record.get("taskArns").l().get(0).s());
  }

  @Test
  void dispatch_whenEcsThrottlesEveryAttempt_failsRetryablyAndTheRedeliveryDispatches()
      throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String request = report("2026-09-04", "throttled", "trace-throttled");
    String key = reportKey("2026-09-04", "throttled");
    for (int i = 0; i < 4; i++) {
      ecs.scriptError(400, "ThrottlingException", "Rate exceeded");
    }
    int from = function.output().length();

    Answer answer = function.invoke(request);

    String message = error(answer, "DispatchFailedException").path("errorMessage").asText();
    assertTrue(message.contains("ThrottlingException (HTTP 400): Rate exceeded"), message);
    JsonNode line = requestLine(function, "trace-throttled", "FAILED");
    assertEquals("ECS_TRANSIENT", line.path("failureReason").asText(), line::toString);
    assertTrue(line.path("retryable").asBoolean(), line::toString);
    assertEquals(4, ecs.runTaskCount(), "the SDK retried with backoff up to its 4 attempts");
    assertEquals(0, ecs.tasksStarted());
    assertNoRecord(Config.PLAIN, key);
    // ECS models no ThrottlingException: the SDK's generic one, recognised as throttling.
    function.awaitOutput(
        from,
        "Caused by: software.amazon.awssdk.services.ecs.model.EcsException: Rate exceeded"
            + " (Service: Ecs, Status Code: 400");
    function.awaitOutput(from, "(SDK Attempt Count: 4)");

    JsonNode redelivered = response(function.invoke(request));
    assertEquals("DISPATCHED", redelivered.path("outcome").asText(), redelivered::toString);
    assertEquals(1, ecs.tasksStarted());
  }

  // --- 4. DynamoDB faults ----------------------------------------------------------------------

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "ProvisionedThroughputExceededException, 400, ProvisionedThroughputExceededException, 4",
    "InternalServerError, 500, InternalServerErrorException, 4",
    "ResourceNotFoundException, 400, ResourceNotFoundException, 1",
  })
  void dispatch_whenDynamoDbFailsTheClaim_failsRetryablyAndLaunchesNothing(
      String type, int status, String modelClass, int calls) throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String trace = "trace-claim-" + type;
    failDynamoDb("PutItem", "", status, type);
    int from = function.output().length();

    Answer answer = function.invoke(report("2026-09-05", type, trace));

    String message = error(answer, "DispatchFailedException").path("errorMessage").asText();
    assertTrue(message.contains("in table " + Config.PLAIN.table()), message);
    assertTrue(message.contains("injected PutItem fault"), message);
    assertTrue(message.contains("no task was launched"), message);
    JsonNode line = requestLine(function, trace, "FAILED");
    assertEquals("IDEMPOTENCY_STORE", line.path("failureReason").asText(), line::toString);
    assertTrue(line.path("retryable").asBoolean(), line::toString);
    assertEquals(0, ecs.runTaskCount(), "no launch without a record");
    assertEquals(calls, dynamoCalls("PutItem"), "the SDK retries throttling and 5xx, nothing else");
    assertNoRecord(Config.PLAIN, reportKey("2026-09-05", type));
    function.awaitOutput(
        from,
        "Caused by: software.amazon.awssdk.services.dynamodb.model."
            + modelClass
            + ": injected PutItem fault (Service: DynamoDb, Status Code: "
            + status);
  }

  @Test
  void dispatch_whenDynamoDbResetsTheConnection_failsRetryablyAndLaunchesNothing()
      throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    dynamoFaults.stubFor(
        any(anyUrl())
            .atPriority(1)
            .withHeader("X-Amz-Target", equalTo(DYNAMO_TARGET + "PutItem"))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    int from = function.output().length();

    Answer answer = function.invoke(report("2026-09-06", "reset", "trace-reset"));

    String message = error(answer, "DispatchFailedException").path("errorMessage").asText();
    assertTrue(message.contains("no task was launched"), message);
    JsonNode line = requestLine(function, "trace-reset", "FAILED");
    assertEquals("IDEMPOTENCY_STORE", line.path("failureReason").asText(), line::toString);
    assertEquals(0, ecs.runTaskCount());
    assertEquals(4, dynamoCalls("PutItem"), "an I/O error is retried");
    function.awaitOutput(
        from,
        "Caused by: software.amazon.awssdk.core.exception.SdkClientException: Unable to execute HTTP request");
  }

  @Test
  void dispatch_whenTheRecordUpdateFailsAfterRunTask_keepsTheClaim_andTheTasksEventAdoptsIt()
      throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    String request = report("2026-09-07", "update-fails", "trace-update-fails");
    String key = reportKey("2026-09-07", "update-fails");
    // The record update is the PutItem conditioned on the claim's revision (the claim is not).
    failDynamoDb("PutItem", "#revision = :expected", 500, "InternalServerError");

    Answer answer = function.invoke(request);

    assertEquals(1, ecs.tasksStarted());
    String task = ecs.startedTaskArns().get(0);
    String message = error(answer, "DispatchFailedException").path("errorMessage").asText();
    assertTrue(message.contains(task), message);
    JsonNode line = requestLine(function, "trace-update-fails", "FAILED");
    assertEquals("RECORD_UPDATE", line.path("failureReason").asText(), line::toString);
    assertEquals(
        "IN_PROGRESS",
        record(Config.PLAIN, key).get("status").s(),
        "the running task keeps its claim");

    dynamoFaults.resetAll();
    dynamoFaults.stubFor(
        any(anyUrl()).willReturn(aResponse().proxiedFrom(dynamo.endpoint().toString())));
    Answer redelivered = function.invoke(request);
    String held = error(redelivered, "DispatchFailedException").path("errorMessage").asText();
    assertTrue(held.contains("being dispatched by another invocation"), held);
    assertEquals(1, ecs.runTaskCount(), "the claim's holder may still record its task");

    JsonNode adopted = response(function.invoke(ecs.stateChangeEvent(ecs.run(task).taskArn())));
    assertEquals("ADOPTED", adopted.path("outcome").asText(), adopted::toString);
    Map<String, AttributeValue> record = record(Config.PLAIN, key);
    assertEquals("RUNNING", record.get("status").s());
    assertEquals(task, record.get("attempts").l().get(0).m().get("taskArn").s());
  }

  @Test
  void dispatch_whenAnExplicitKeyComesBackWithOtherParameters_rejectsItAsAConflict()
      throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    ObjectNode request = (ObjectNode) JSON.readTree(Fixtures.event("direct-explicit-key.json"));
    request.put("idempotencyKey", "invoice-export/C1234567/2026-10");
    JsonNode first = response(function.invoke(request.toString()));
    assertEquals("DISPATCHED", first.path("outcome").asText(), first::toString);
    ((ObjectNode) request.get("parameters")).put("format", "csv");

    Answer answer = function.invoke(request.toString());

    String message = error(answer, "RequestRejectedException").path("errorMessage").asText();
    assertTrue(message.startsWith("idempotencyKey:"), message);
    assertTrue(message.contains("different request"), message);
    assertEquals(1, ecs.runTaskCount(), ecs::toString);
    assertEquals(
        "parquet",
        record(Config.PLAIN, first.path("idempotencyKey").asText())
            .get("parameters")
            .m()
            .get("format")
            .s(),
        "the first request's record is kept");
  }

  // --- 6. The FIFO queue's batch and the EcsDirect mode's task events ------------------------

  @Test
  void sqsFifoBatch_whenARecordFails_reportsItAndEveryLaterRecordAndRunsNoLaterTask()
      throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    JsonNode batch = JSON.readTree(Fixtures.event("sqs-fifo-batch.json"));
    JsonNode records = batch.path("Records");
    // An earlier delivery dispatched the first record: now it is a duplicate, with no RunTask.
    assertEquals(
        JSON.readTree("{\"batchItemFailures\":[]}"),
        response(function.invoke(JSON.writeValueAsString(firstRecordOf(batch)))));
    ecs.scriptError(400, "ClientException", "Unable to assume role");

    JsonNode answer = response(function.invoke(JSON.writeValueAsString(batch)));

    assertEquals(failures(batch, 1, 2), answer);
    assertEquals(2, ecs.runTaskCount(), "the first delivery's, and the failed one's");
    assertEquals(1, ecs.tasksStarted());
    String failedKey =
        Completions.environmentOf(
                ecs.runTaskRequests().get(1).at("/overrides/containerOverrides"), "exporter")
            .get("IDEMPOTENCY_KEY");
    assertTrue(failedKey.startsWith("invoice-export#"), failedKey);
    assertEquals(
        "DISPATCHED", record(Config.PLAIN, reportKey("2026-11-22", "acme")).get("status").s());
    assertNoRecord(Config.PLAIN, failedKey);
    assertNoRecord(Config.PLAIN, reportKey("2026-11-23", "globex"));
    String second = records.get(1).path("messageId").asText();
    String third = records.get(2).path("messageId").asText();
    JsonNode failed =
        function.awaitLine(
            l ->
                "batch-runner.request".equals(l.path("logger").asText())
                    && second.equals(l.path("messageId").asText()));
    assertEquals("FAILED", failed.path("outcome").asText(), failed::toString);
    assertTrue(
        function.jsonLines().stream().noneMatch(l -> third.equals(l.path("messageId").asText())),
        "the record after the failed one is not processed: it comes back with it");
  }

  @Test
  void
      ecsDirectTaskEvents_whenTheGuardClaimedTheRecord_followItToSucceeded_andADuplicatesAreIgnored()
          throws Exception {
    PackagedFunction function = function(Config.PLAIN);
    Map<String, String> request = ruleEnvironment("2026-10-10", "initech");
    String first;
    String second;
    try (EcsClient eventBridge = ecs.client(false)) {
      // EventBridge delivers the event twice: the rule's target starts two tasks.
      first = EcsDirectTasks.runTaskAsTheRule(eventBridge, request);
      second = EcsDirectTasks.runTaskAsTheRule(eventBridge, request);
    }
    Dispatched claimed = assertInstanceOf(Dispatched.class, guard(first));
    assertInstanceOf(Duplicate.class, guard(second), "the second guard exits 10");
    String key = claimed.idempotencyKey();
    assertEquals(reportKey("2026-10-10", "initech"), key);

    // The RUNNING event as an SQS record's body: the queue intakes carry task events too.
    String running = ecs.stateChangeEvent(ecs.run(first).taskArn());
    JsonNode fromQueue = response(function.invoke(sqsEvent("m-running", running)));
    assertEquals(JSON.readTree("{\"batchItemFailures\":[]}"), fromQueue);
    assertEquals("RUNNING", record(Config.PLAIN, key).get("status").s());

    ecs.run(second);
    ecs.stop(
        second,
        Map.of("guard", 10, "app", 143),
        "EssentialContainerExited",
        "Essential container in task exited");
    Map<String, AttributeValue> before = record(Config.PLAIN, key);
    JsonNode ignored = response(function.invoke(ecs.stateChangeEvent(second)));
    assertEquals("IGNORED", ignored.path("outcome").asText(), ignored::toString);
    assertTrue(ignored.path("reason").asText().contains("never adopted"), ignored::toString);
    assertEquals(before, record(Config.PLAIN, key), "a duplicate's task changes nothing");

    ecs.stop(
        first,
        Map.of("guard", 0, "app", 0),
        "EssentialContainerExited",
        "Essential container in task exited");
    JsonNode succeeded = response(function.invoke(ecs.stateChangeEvent(first)));

    assertEquals("SUCCEEDED", succeeded.path("outcome").asText(), succeeded::toString);
    Map<String, AttributeValue> record = record(Config.PLAIN, key);
    assertEquals("SUCCEEDED", record.get("status").s());
    List<AttributeValue> attempts = record.get("attempts").l();
    assertEquals(1, attempts.size());
    assertEquals(first, attempts.get(0).m().get("taskArn").s());
    assertEquals("0", attempts.get(0).m().get("exitCode").n());
    assertEquals(2, ecs.runTaskCount(), "the rule started both tasks, the function none");
  }

  // --- 5. DRY_RUN ------------------------------------------------------------------------------

  @Test
  void dryRun_dispatchBuildsAndLogsTheMaskedRunTaskRequest_andSendsNothing() throws Exception {
    PackagedFunction function = function(Config.DRY_RUN);

    JsonNode answer = response(function.invoke(Fixtures.event("direct-explicit-key.json")));

    assertEquals("DISPATCHED", answer.path("outcome").asText(), answer::toString);
    assertTrue(answer.path("dryRun").asBoolean(), answer::toString);
    assertEquals(0, answer.path("taskArns").size(), answer::toString);
    String key = answer.path("idempotencyKey").asText();
    assertEquals(
        IdempotencyKey.of("invoice-export", Map.of(), "invoice-export/C1234567/2026-11").id(), key);
    assertEquals(0, ecs.runTaskCount(), "no RunTask reached ECS");
    JsonNode line = function.awaitLine(l -> l.has("runTaskRequest"));
    JsonNode sent = line.path("runTaskRequest");
    assertEquals("invoice-export", sent.path("taskDefinition").asText(), line::toString);
    assertEquals(key.split("#", 2)[1], sent.path("clientToken").asText());
    Map<String, String> env =
        Completions.environmentOf(sent.at("/overrides/containerOverrides"), "exporter");
    assertEquals(SafeText.MASK, env.get("ACCOUNT_NUMBER"), env::toString);
    assertEquals("C1234567", env.get("CUSTOMER_ID"), "non-sensitive values stay readable");
    assertEquals(key, env.get("IDEMPOTENCY_KEY"));
    assertFalse(function.output().contains("NL91ABNA0417164300"), "a sensitive value was logged");
    Map<String, AttributeValue> record = record(Config.DRY_RUN, key);
    assertEquals("DISPATCHED", record.get("status").s(), record::toString);
  }

  // --- 7. LOG_LEVEL=DEBUG ----------------------------------------------------------------------

  @Test
  void logLevelDebug_dispatchAnswersDispatched_andEveryStdoutLineIsJson() throws Exception {
    PackagedFunction function = function(Config.DEBUG);
    String key = reportKey("2026-10-20", "debug");

    JsonNode answer = response(function.invoke(report("2026-10-20", "debug", "trace-debug")));

    assertEquals("DISPATCHED", answer.path("outcome").asText(), answer::toString);
    assertEquals(key, answer.path("idempotencyKey").asText());
    assertEquals(1, ecs.runTaskCount(), ecs::toString);
    assertEquals(key.split("#", 2)[1], ecs.runTaskRequests().get(0).path("clientToken").asText());
    assertEquals("DISPATCHED", record(Config.DEBUG, key).get("status").s());
    requestLine(function, "trace-debug", "DISPATCHED");
    // Were logback's JSON configurator (a ServiceLoader provider) missing from the jar, logback
    // would fall back to its plain-text console at DEBUG, the SDK's own debug lines included.
    List<String> lines = function.output().lines().filter(line -> !line.isBlank()).toList();
    assertFalse(lines.isEmpty());
    for (String line : lines) {
      JsonNode parsed;
      try {
        parsed = JSON.readTree(line);
      } catch (IOException e) {
        throw new AssertionError("not a JSON line: " + line + "\n" + function.output(), e);
      }
      assertTrue(parsed.isObject(), line);
      String logger = parsed.path("logger").asText();
      String level = parsed.path("level").asText();
      assertFalse(
          logger.startsWith("software.amazon.awssdk") && List.of("DEBUG", "TRACE").contains(level),
          "the SDK stays at WARN: " + line);
    }
  }

  // --- the environments ------------------------------------------------------------------------

  private static PackagedFunction function(Config config) {
    return FUNCTIONS.computeIfAbsent(
        config,
        c ->
            PackagedFunction.start(
                "PackagedJarPathsIT-" + c.name().toLowerCase(Locale.ROOT), environment(c)));
  }

  /** The environment with completion events; skips (fails on CI) without moto. */
  private static PackagedFunction completions() {
    RequiredTool.require(
        moto != null,
        "PackagedJarPathsIT's completion events need moto's server for EventBridge:"
            + " pip install 'moto[server]'");
    return function(Config.COMPLETIONS);
  }

  private static Map<String, String> environment(Config config) {
    Map<String, String> env =
        Fixtures.functionEnvironment(config.table(), dynamo.endpoint(), ecs.endpoint());
    switch (config) {
      case PLAIN -> env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoFaults.baseUrl());
      case COMPLETIONS -> {
        env.put("COMPLETION_EVENT_BUS", BUS);
        env.put("AWS_ENDPOINT_URL_EVENTBRIDGE", moto.endpoint().toString());
      }
      case DRY_RUN -> env.put("DRY_RUN", "true");
      case DEBUG -> env.put("LOG_LEVEL", "DEBUG");
    }
    return env;
  }

  // --- requests and events ---------------------------------------------------------------------

  /** A bare daily-report request (a direct invoke, or a scheduled rule's Input). */
  private static String report(String reportDate, String tenant, String traceId) {
    return "{\"batchTypeId\":\"daily-report\",\"traceId\":\""
        + traceId
        + "\",\"parameters\":{\"reportDate\":\""
        + reportDate
        + "\",\"tenant\":\""
        + tenant
        + "\"}}";
  }

  /** The key of a daily-report request, computed as the contract says. */
  private static String reportKey(String reportDate, String tenant) {
    return IdempotencyKey.of(
            "daily-report", Map.of("reportDate", reportDate, "tenant", tenant), null)
        .id();
  }

  private static String cleanup(String scheduledTime, String traceId) {
    return "{\"batchTypeId\":\"nightly-cleanup\",\"traceId\":\""
        + traceId
        + "\",\"parameters\":{\"scheduledTime\":\""
        + scheduledTime
        + "\"}}";
  }

  private static String invoice(String customerId, String accountNumber, String traceId) {
    return "{\"batchTypeId\":\"invoice-export\",\"traceId\":\""
        + traceId
        + "\",\"parameters\":{\"customerId\":\""
        + customerId
        + "\",\"accountNumber\":\""
        + accountNumber
        + "\"}}";
  }

  /** An SQS event with one record whose body is {@code body}. */
  private static String sqsEvent(String messageId, String body) {
    ObjectNode event = JSON.createObjectNode();
    event
        .putArray("Records")
        .addObject()
        .put("messageId", messageId)
        .put("body", body)
        .put("eventSource", "aws:sqs")
        .put("eventSourceARN", "arn:aws:sqs:eu-west-1:123456789012:batch-runner-requests");
    return event.toString();
  }

  private static JsonNode firstRecordOf(JsonNode batch) {
    ObjectNode first = JSON.createObjectNode();
    first.putArray("Records").add(batch.path("Records").get(0));
    return first;
  }

  private static JsonNode failures(JsonNode batch, int... records) {
    ObjectNode answer = JSON.createObjectNode();
    var failures = answer.putArray("batchItemFailures");
    for (int record : records) {
      failures
          .addObject()
          .put("itemIdentifier", batch.path("Records").get(record).path("messageId").asText());
    }
    return answer;
  }

  /** What an EcsDirect rule's InputTransformer writes for a daily-report request. */
  private static Map<String, String> ruleEnvironment(String reportDate, String tenant) {
    return EcsDirectTasks.ruleEnvironment(
        "trace-direct-" + tenant, "6a7e8feb-b491-4cf7-a9f1-" + tenant, reportDate, tenant);
  }

  /**
   * The guard in {@code task} (the CLI's {@code guard}, assembled here as it assembles it): claims
   * the record in the plain environment's table from the environment ECS gave its container.
   */
  private static DispatchOutcome guard(String task) {
    return EcsDirectTasks.claimAsTheGuard(
        Processors.config(
            Processors.catalog(),
            Config.PLAIN.table(),
            Processors.connection(dynamo.endpoint(), ecs.endpoint())),
        task,
        EcsDirectTasks.guardEnvironment(ecs, task),
        FunctionFactory.Options.builder().observer(summary -> {}));
  }

  // --- answers, records, faults ----------------------------------------------------------------

  /** The function's response, failing on an invocation error. */
  private static JsonNode response(Answer answer) {
    assertEquals(Answer.Kind.RESPONSE, answer.kind(), answer::toString);
    return answer.json();
  }

  /** The invocation error, which must be of this exception type. */
  private static JsonNode error(Answer answer, String exceptionType) {
    assertEquals(Answer.Kind.ERROR, answer.kind(), answer::toString);
    JsonNode error = answer.json();
    assertTrue(error.path("errorType").asText().endsWith(exceptionType), answer::toString);
    assertTrue(
        answer.headers().containsKey("Lambda-Runtime-Function-Error-Type"),
        answer.headers()::toString);
    return error;
  }

  /** The request's one JSON log line, with this outcome. */
  private static JsonNode requestLine(PackagedFunction function, String traceId, String outcome)
      throws InterruptedException {
    JsonNode line =
        function.awaitLine(
            l ->
                "batch-runner.request".equals(l.path("logger").asText())
                    && traceId.equals(l.path("traceId").asText()));
    assertEquals(outcome, line.path("outcome").asText(), line::toString);
    return line;
  }

  private static Map<String, AttributeValue> record(Config config, String key) {
    return findRecord(config, key)
        .orElseGet(() -> fail("no record " + key + " in " + config.table()));
  }

  private static void assertNoRecord(Config config, String key) {
    Optional<Map<String, AttributeValue>> found = findRecord(config, key);
    assertTrue(
        found.isEmpty(),
        () -> "a failed dispatch must not leave a record that blocks the redelivery: " + found);
  }

  private static Optional<Map<String, AttributeValue>> findRecord(Config config, String key) {
    var item =
        dynamo
            .client()
            .getItem(
                b ->
                    b.tableName(config.table())
                        .consistentRead(true)
                        .key(Map.of("id", AttributeValue.fromS(key))));
    return item.hasItem() && !item.item().isEmpty() ? Optional.of(item.item()) : Optional.empty();
  }

  /** Fails the calls of {@code operation} whose JSON body contains {@code bodyPart}. */
  private static void failDynamoDb(String operation, String bodyPart, int status, String type) {
    dynamoFaults.stubFor(
        any(anyUrl())
            .atPriority(1)
            .withHeader("X-Amz-Target", equalTo(DYNAMO_TARGET + operation))
            .withRequestBody(containing(bodyPart))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/x-amz-json-1.0")
                    .withBody(
                        "{\"__type\":\""
                            + DYNAMO_ERROR
                            + type
                            + "\",\"message\":\"injected "
                            + operation
                            + " fault\"}")));
  }

  /** The calls of {@code operation} the proxy received since the test began. */
  private static int dynamoCalls(String operation) {
    return dynamoFaults
        .findAll(
            anyRequestedFor(anyUrl())
                .withHeader("X-Amz-Target", equalTo(DYNAMO_TARGET + operation)))
        .size();
  }
}
