package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.testing.Stdout;
import dev.batchrunner.testkit.EmulatorTest;
import dev.batchrunner.testkit.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handler as Lambda builds it (public constructor, configuration from environment variables
 * only), with the SDK's endpoint overrides pointing at DynamoDB Local and the ECS stub.
 */
class BatchRunnerHandlerIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static int tables;

  private Map<String, String> env;

  @BeforeEach
  void environment() {
    ecs.reset();
    String table = "handler-" + (++tables);
    dynamo.createIdempotencyTable(table);
    env = Fixtures.functionEnvironment(table, dynamo.endpoint(), ecs.endpoint());
  }

  @Test
  void handleRequest_whenEnvelope_dispatchesThroughConfiguredEndpoints() throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    JsonNode answer = invoke(handler, Fixtures.event("monolith-put-events.json"));

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(1, ecs.runTaskCount());
  }

  @Test
  void handleRequest_whenDispatching_writesOneMaskedLogLineAndMetrics() throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    String stdout =
        Stdout.capture(() -> invoke(handler, Fixtures.event("direct-explicit-key.json")));

    List<JsonNode> lines = jsonLines(stdout);
    List<JsonNode> requestLines =
        lines.stream()
            .filter(l -> "batch-runner.request".equals(l.path("logger").asText()))
            .toList();
    assertEquals(1, requestLines.size(), stdout);
    JsonNode line = requestLines.get(0);
    assertEquals("DISPATCHED", line.get("outcome").asText());
    assertEquals("invoice-export", line.get("batchTypeId").asText());
    assertEquals("c0ffee00-1111-4222-8333-444455556666", line.get("traceId").asText());
    assertTrue(line.get("idempotencyKey").asText().startsWith("invoice-export#"));
    assertEquals(1, line.get("taskArns").size());
    assertEquals("req-1", line.get("awsRequestId").asText());
    assertEquals("****", line.at("/parameters/accountNumber").asText());
    assertEquals("C1234567", line.at("/parameters/customerId").asText());
    assertFalse(stdout.contains("NL91ABNA0417164300"), "a sensitive value reached stdout");

    JsonNode metrics =
        lines.stream()
            .filter(l -> l.has("_aws"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(stdout));
    assertEquals("BatchRunner", metrics.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
    assertEquals(
        JSON.readTree("[[\"BatchTypeId\"],[]]"),
        metrics.at("/_aws/CloudWatchMetrics/0/Dimensions"),
        "per batch type, and a total for the alarms");
    assertEquals("invoice-export", metrics.get("BatchTypeId").asText());
    assertEquals(1.0, metrics.get("Dispatched").asDouble());
  }

  @Test
  void handleRequest_whenRejected_throwsNamingTheFieldAndLogsOneWarning() throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    String stdout =
        Stdout.capture(
            () -> {
              RequestRejectedException e =
                  assertThrows(
                      RequestRejectedException.class,
                      () -> invoke(handler, Fixtures.event("invalid/undeclared-parameter.json")));
              assertTrue(
                  e.getMessage().startsWith("parameters.LD_PRELOAD: not declared"), e.getMessage());
            });

    List<JsonNode> warnings =
        jsonLines(stdout).stream().filter(l -> "WARN".equals(l.path("level").asText())).toList();
    assertEquals(1, warnings.size(), stdout);
    assertEquals("REJECTED", warnings.get(0).get("outcome").asText());
    assertEquals("****", warnings.get(0).at("/parameters/LD_PRELOAD").asText());
    JsonNode metrics =
        jsonLines(stdout).stream().filter(l -> l.has("_aws")).findFirst().orElseThrow();
    assertEquals(1.0, metrics.get("Rejected").asDouble());
    assertEquals(0, ecs.runTaskCount());
  }

  @Test
  void handleRequest_whenUnknownBatchType_countsItUnderOneDimension() throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    String stdout =
        Stdout.capture(
            () ->
                assertThrows(
                    RequestRejectedException.class,
                    () -> invoke(handler, Fixtures.event("invalid/unknown-batch-type.json"))));

    JsonNode metrics =
        jsonLines(stdout).stream().filter(l -> l.has("_aws")).findFirst().orElseThrow();
    assertEquals("(unknown)", metrics.get("BatchTypeId").asText());
  }

  @Test
  void handleRequest_whenDryRun_sendsNothingAndLogsTheRequest() throws Exception {
    env.put("DRY_RUN", "true");
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    String stdout =
        Stdout.capture(
            () -> {
              JsonNode answer = invoke(handler, Fixtures.event("scheduled-input-transformer.json"));
              assertEquals("DISPATCHED", answer.get("outcome").asText());
              assertTrue(answer.get("dryRun").asBoolean());
            });

    assertEquals(0, ecs.runTaskCount());
    JsonNode dryRun =
        jsonLines(stdout).stream()
            .filter(l -> l.has("runTaskRequest"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(stdout));
    assertEquals("nightly-cleanup", dryRun.at("/runTaskRequest/taskDefinition").asText());
    assertEquals(64, dryRun.at("/runTaskRequest/clientToken").asText().length());
  }

  @Test
  void handleRequest_whenDryRun_masksSensitiveValuesInTheLoggedRequest() throws Exception {
    env.put("DRY_RUN", "true");
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    String stdout =
        Stdout.capture(() -> invoke(handler, Fixtures.event("direct-explicit-key.json")));

    JsonNode dryRun =
        jsonLines(stdout).stream()
            .filter(l -> l.has("runTaskRequest"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(stdout));
    assertTrue(
        dryRun
            .at("/runTaskRequest/overrides/containerOverrides/0/environment")
            .toString()
            .contains("{\"name\":\"ACCOUNT_NUMBER\",\"value\":\"****\"}"),
        dryRun.toString());
    assertFalse(stdout.contains("NL91ABNA0417164300"), "a sensitive value reached the log");
    assertTrue(stdout.contains("C1234567"), "non-sensitive values stay readable");
  }

  @Test
  void handleRequest_whenDynamoDbUnreachable_failsClosedWithoutLaunching() {
    env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:" + DynamoDbLocal.freePort());
    BatchRunnerHandler handler = new BatchRunnerHandler(env);

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class,
            () -> invoke(handler, Fixtures.event("monolith-put-events.json")));

    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("no task was launched"), e.getMessage());
    assertEquals(0, ecs.runTaskCount());
  }

  @Test
  void constructor_whenCatalogInvalid_failsTheStartListingEveryProblem(@TempDir Path dir)
      throws Exception {
    Path catalog = dir.resolve("batches.json");
    Files.writeString(
        catalog,
        """
        {"defaults": {"cluster": "${NO_SUCH_CLUSTER_VAR}"},
         "batches": {"broken": {"containerName": "app", "idempotencyWindow": "24h",
                                "parameters": {"p": {"env": "LD_PRELOAD", "pattern": "(" }}}}}
        """);
    env.put("BATCH_CATALOG", catalog.toString());

    CatalogException e = assertThrows(CatalogException.class, () -> new BatchRunnerHandler(env));

    String message = e.getMessage();
    assertTrue(message.contains("NO_SUCH_CLUSTER_VAR"), message);
    assertTrue(message.contains("batches.broken.taskDefinition: required"), message);
    assertTrue(message.contains("batches.broken.idempotencyWindow"), message);
    assertTrue(
        message.contains("batches.broken.parameters.p.env: LD_PRELOAD is reserved"), message);
    assertTrue(message.contains("batches.broken.parameters.p.pattern"), message);
  }

  @Test
  void constructor_whenTableNotSet_failsNamingTheVariable() {
    env.remove("IDEMPOTENCY_TABLE");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> new BatchRunnerHandler(env));

    assertTrue(e.getMessage().contains("IDEMPOTENCY_TABLE"), e.getMessage());
  }

  @Test
  void handleRequest_whenTaskStateChange_answersIgnoredWithOneTaskLineAndNoRequestMetric()
      throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);
    JsonNode[] answer = new JsonNode[1];

    String stdout =
        Stdout.capture(
            () ->
                answer[0] =
                    invoke(handler, Fixtures.event("task-state-change/stopped-exit-1.json")));

    assertEquals("IGNORED", answer[0].get("outcome").asText());
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task/batch/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a",
        answer[0].get("taskArn").asText());
    List<JsonNode> lines = jsonLines(stdout);
    List<JsonNode> taskLines =
        lines.stream().filter(l -> "batch-runner.task".equals(l.path("logger").asText())).toList();
    assertEquals(1, taskLines.size(), stdout);
    JsonNode line = taskLines.get(0);
    assertEquals("INFO", line.get("level").asText());
    assertEquals("STOPPED", line.get("lastStatus").asText());
    assertEquals(1, line.at("/exitCodes/app").asInt());
    assertEquals(0, line.at("/exitCodes/log-router").asInt());
    assertTrue(line.get("idempotencyKey").asText().startsWith("daily-report#"));
    assertEquals("req-1", line.get("awsRequestId").asText());
    assertFalse(
        lines.stream()
            .anyMatch(
                l -> l.has("_aws") || "batch-runner.request".equals(l.path("logger").asText())),
        "a task event is no request: " + stdout);
    assertEquals(0, ecs.runTaskCount());
  }

  @Test
  void handleRequest_whenTaskStateChangesComeFromSqs_noneIsAFailure() throws Exception {
    BatchRunnerHandler handler = new BatchRunnerHandler(env);
    StringBuilder sqs = new StringBuilder("{\"Records\":[");
    String[] names = {"running.json", "failed-to-start.json", "not-ours.json"};
    for (int i = 0; i < names.length; i++) {
      sqs.append(i == 0 ? "" : ",")
          .append("{\"messageId\":\"m-")
          .append(i)
          .append("\",\"body\":")
          .append(
              JSON.writeValueAsString(
                  new String(
                      Fixtures.event("task-state-change/" + names[i]), StandardCharsets.UTF_8)))
          .append('}');
    }

    JsonNode answer = invoke(handler, sqs.append("]}").toString().getBytes(StandardCharsets.UTF_8));

    assertEquals(JSON.readTree("{\"batchItemFailures\":[]}"), answer);
  }

  private static JsonNode invoke(BatchRunnerHandler handler, byte[] event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event), out, new TestContext("req-1", 30_000));
    return JSON.readTree(out.toByteArray());
  }

  private static List<JsonNode> jsonLines(String text) {
    return Stream.of(text.split("\n"))
        .filter(l -> l.startsWith("{"))
        .map(
            l -> {
              try {
                return JSON.readTree(l);
              } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + l, e);
              }
            })
        .toList();
  }
}
