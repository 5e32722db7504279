package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.testing.PackagedFunction;
import dev.batchrunner.testkit.EcsStub;
import dev.batchrunner.testkit.LambdaProcess;
import dev.batchrunner.testkit.LocalRuntimeApi;
import dev.batchrunner.testkit.LocalRuntimeApi.Answer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar that {@code mvn package} builds, run the way Lambda's managed Java runtime runs
 * it: in a JVM of its own under the runtime interface client, configured by environment variables
 * only, fed through a local Lambda Runtime API, with DynamoDB Local and the ECS stub over HTTP.
 * Every input shape and the jar's contents here; the other paths in {@link PackagedJarPathsIT}.
 */
class PackagedJarIT {
  private static final Path SHADED_JAR = PackagedFunction.JAR;
  private static final String TABLE = "packaged-jar";
  private static final Duration WAIT = PackagedFunction.WAIT;

  private static DynamoDbLocal dynamo;
  private static EcsStub ecs;
  private static PackagedFunction function;

  @BeforeAll
  static void startFunction() {
    dynamo = DynamoDbLocal.start();
    ecs = EcsStub.start();
    dynamo.createIdempotencyTable(TABLE);
    function = PackagedFunction.start("PackagedJarIT-function", functionEnvironment());
  }

  @AfterAll
  static void stopFunction() {
    if (function != null) {
      function.close();
    }
    if (ecs != null) {
      ecs.close();
    }
    if (dynamo != null) {
      dynamo.close();
    }
  }

  @Test
  void handleRequest_whenMonolithEnvelopeSentTwice_dispatchesOnceThenAnswersDuplicate()
      throws Exception {
    Answer first = invoke(Fixtures.event("monolith-put-events.json"));
    Answer second = invoke(Fixtures.event("monolith-put-events.json"));

    assertEquals(Answer.Kind.RESPONSE, first.kind(), first::toString);
    JsonNode dispatched = first.json();
    assertEquals("DISPATCHED", dispatched.path("outcome").asText(), first::toString);
    assertEquals("daily-report", dispatched.path("batchTypeId").asText());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", dispatched.path("traceId").asText());
    assertEquals(1, dispatched.path("taskArns").size(), first::toString);

    assertEquals(Answer.Kind.RESPONSE, second.kind(), second::toString);
    JsonNode duplicate = second.json();
    assertEquals("DUPLICATE", duplicate.path("outcome").asText(), second::toString);
    assertEquals(dispatched.path("idempotencyKey"), duplicate.path("idempotencyKey"));
    assertEquals(dispatched.path("taskArns"), duplicate.path("taskArns"));

    String clientToken = dispatched.path("idempotencyKey").asText().split("#", 2)[1];
    assertEquals(1, runTasksWithToken(clientToken), ecs::toString);
  }

  @Test
  void handleRequest_whenScheduledInputTransformerRequest_answersDispatched() throws Exception {
    Answer answer = invoke(Fixtures.event("scheduled-input-transformer.json"));

    assertEquals(Answer.Kind.RESPONSE, answer.kind(), answer::toString);
    JsonNode outcome = answer.json();
    assertEquals("DISPATCHED", outcome.path("outcome").asText(), answer::toString);
    assertEquals("nightly-cleanup", outcome.path("batchTypeId").asText());
    assertEquals(1, outcome.path("taskArns").size(), answer::toString);
  }

  @Test
  void handleRequest_whenSqsBatch_reportsOnlyTheUnknownBatchRecordAsFailed() throws Exception {
    int runTasksBefore = ecs.runTaskCount();

    Answer answer = invoke(Fixtures.event("sqs-batch.json"));

    assertEquals(Answer.Kind.RESPONSE, answer.kind(), answer::toString);
    JsonNode failures = answer.json().path("batchItemFailures");
    assertEquals(1, failures.size(), answer::toString);
    assertEquals(
        "9a8b7c6d-5e4f-4321-8fed-cba987654321", failures.get(0).path("itemIdentifier").asText());
    assertEquals(2, ecs.runTaskCount() - runTasksBefore, ecs::toString);
  }

  @Test
  void handleRequest_whenPatternMismatch_postsInvocationErrorNamingTheField() throws Exception {
    int runTasksBefore = ecs.runTaskCount();

    Answer answer = invoke(Fixtures.event("invalid/pattern-mismatch.json"));

    assertEquals(Answer.Kind.ERROR, answer.kind(), answer::toString);
    JsonNode error = answer.json();
    assertTrue(
        error.path("errorType").asText().endsWith("RequestRejectedException"), answer::toString);
    assertTrue(
        error.path("errorMessage").asText().startsWith("parameters.reportDate:"), answer::toString);
    assertTrue(
        answer.headers().containsKey("Lambda-Runtime-Function-Error-Type"),
        answer.headers()::toString);
    assertEquals(runTasksBefore, ecs.runTaskCount(), ecs::toString);
  }

  @Test
  void init_whenCatalogInvalid_postsInitErrorListingEveryProblem(@TempDir Path dir)
      throws Exception {
    Path catalog = dir.resolve("batches.json");
    Files.writeString(
        catalog,
        """
        {"defaults": {"cluster": "${NO_SUCH_CLUSTER_VAR}"},
         "batches": {"broken": {"containerName": "app",
                                "parameters": {"p": {"env": "LD_PRELOAD", "pattern": "(" }}}}}
        """);
    Map<String, String> env = functionEnvironment();
    env.put("BATCH_CATALOG", catalog.toString());

    try (PackagedFunction broken = PackagedFunction.start("PackagedJarIT-invalid-catalog", env)) {
      Answer initError = broken.await(broken.api().initError());

      String message = initError.json().path("errorMessage").asText();
      assertTrue(message.contains("invalid batch catalog " + catalog), initError::toString);
      for (String problem :
          List.of(
              "defaults.cluster: ${NO_SUCH_CLUSTER_VAR} has no environment variable",
              "batches.broken.taskDefinition: required",
              "batches.broken.parameters.p.env: LD_PRELOAD is reserved",
              "batches.broken.parameters.p.pattern: not a valid regular expression")) {
        assertTrue(message.contains(problem), () -> problem + " not in " + initError);
      }
      assertTrue(
          initError.json().path("errorType").asText().contains("CatalogException"),
          initError::toString);
      assertEquals(1, broken.process().waitForExit(WAIT), broken.process()::describe);
      assertEquals(
          0, broken.api().nextCalls(), "the runtime asked for an event after a failed init");
    }
  }

  @Test
  void shadedJar_whenPackaged_staysWithinEightMegabytesAndShipsNoUnusedOperation()
      throws Exception {
    // Issue 12's budget for the Lambda jar; ProGuard (function/proguard.pro) gets it there by
    // dropping what the function never reaches, e.g. every ECS operation but RunTask's family.
    long size = Files.size(SHADED_JAR);
    assertTrue(size <= 8_000_000L, () -> SHADED_JAR + " is " + size + " bytes, over 8 MB");
    try (ZipFile jar = new ZipFile(SHADED_JAR.toFile())) {
      assertTrue(
          jar.getEntry("software/amazon/awssdk/services/ecs/model/RunTaskRequest.class") != null,
          "RunTaskRequest shrunk away");
      assertEquals(
          null,
          jar.getEntry("software/amazon/awssdk/services/ecs/model/CreateClusterRequest.class"),
          "an ECS operation the function never calls is still shipped: is the jar shrunk?");
    }
  }

  @Test
  void shadedJar_whenPackaged_leavesOutRuntimeClientAndTestLibraries() throws Exception {
    List<String> forbidden =
        List.of(
            "com/amazonaws/services/lambda/runtime/api/client/", // the runtime interface client
            "jni/libaws-lambda-jni", // its native library
            "software/amazon/dynamodb/services/local/", // DynamoDB Local
            "com/amazonaws/services/dynamodbv2/local/",
            "com/github/tomakehurst/wiremock/", // WireMock
            "org/wiremock/",
            "org/junit/", // JUnit
            "org/openjdk/jmh/", // JMH
            "dev/batchrunner/testing/");
    List<String> found = new ArrayList<>();
    try (ZipFile jar = new ZipFile(SHADED_JAR.toFile())) {
      assertTrue(
          jar.getEntry("dev/batchrunner/BatchRunnerHandler.class") != null, "no handler in jar");
      jar.stream()
          .map(ZipEntry::getName)
          .filter(name -> forbidden.stream().anyMatch(name::startsWith))
          .limit(20)
          .forEach(found::add);
    }
    assertTrue(found.isEmpty(), () -> SHADED_JAR + " ships test-only classes: " + found);
    assertFalse(LambdaProcess.runtimeClasspath().isEmpty());
  }

  @Test
  void shadedJar_whenPackaged_shipsOnlyTheUrlConnectionHttpClient() throws Exception {
    // The SDK's services bring a default sync HTTP client at runtime scope (apache-client in
    // 2.40.2, apache5-client with httpclient5 in 2.57.8): excluded in the root pom, never shipped.
    List<String> otherClients =
        List.of(
            "software/amazon/awssdk/http/apache/",
            "software/amazon/awssdk/http/apache5/",
            "software/amazon/awssdk/http/nio/netty/",
            "org/apache/hc/",
            "org/apache/http/",
            "io/netty/");
    List<String> found = new ArrayList<>();
    try (ZipFile jar = new ZipFile(SHADED_JAR.toFile())) {
      assertTrue(
          jar.getEntry("software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class")
              != null,
          "no UrlConnectionHttpClient in jar");
      jar.stream()
          .map(ZipEntry::getName)
          .filter(name -> otherClients.stream().anyMatch(name::startsWith))
          .limit(20)
          .forEach(found::add);
    }
    assertTrue(found.isEmpty(), () -> SHADED_JAR + " ships another HTTP client: " + found);
  }

  @Test
  void shadedJar_whenPackaged_shipsItsOwnSlf4jProviderAndNoLogback() throws Exception {
    List<String> logback = new ArrayList<>();
    try (ZipFile jar = new ZipFile(SHADED_JAR.toFile())) {
      ZipEntry providers = jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider");
      assertTrue(providers != null, "no SLF4J provider registered");
      assertEquals(
          "dev.batchrunner.function.observability.jsonlog.JsonLogProvider",
          new String(jar.getInputStream(providers).readAllBytes(), StandardCharsets.UTF_8).strip());
      jar.stream()
          .map(ZipEntry::getName)
          .filter(name -> name.startsWith("ch/qos/logback/") || name.contains("logback"))
          .limit(20)
          .forEach(logback::add);
    }
    assertTrue(logback.isEmpty(), () -> SHADED_JAR + " ships logback: " + logback);
  }

  @Test
  void handleRequest_whenDispatching_writesItsJsonLogLineWithTheRequestId() throws Exception {
    LocalRuntimeApi.Invocation invocation =
        function.api().submit(Fixtures.event("direct-explicit-key.json"));
    Answer answer = function.await(invocation.answer());
    assertEquals(Answer.Kind.RESPONSE, answer.kind(), answer::toString);

    // The line is written before the answer is posted; the log file may lag by a flush.
    JsonNode line =
        function.awaitLine(
            l ->
                "batch-runner.request".equals(l.path("logger").asText())
                    && invocation.requestId().equals(l.path("awsRequestId").asText()));
    assertEquals("INFO", line.path("level").asText(), line::toString);
    assertEquals("DISPATCHED", line.path("outcome").asText(), line::toString);
    assertEquals("invoice-export", line.path("batchTypeId").asText(), line::toString);
    assertEquals("****", line.at("/parameters/accountNumber").asText(), line::toString);
    assertFalse(function.output().contains("NL91ABNA0417164300"), "a sensitive value was logged");
    assertTrue(line.path("timestamp").asText().endsWith("Z"), line::toString);
    assertFalse(function.output().contains("SLF4J("), function::output); // no provider warning
  }

  private static Map<String, String> functionEnvironment() {
    return Fixtures.functionEnvironment(TABLE, dynamo.endpoint(), ecs.endpoint());
  }

  private static Answer invoke(byte[] event) throws Exception {
    return function.invoke(event);
  }

  private static long runTasksWithToken(String clientToken) {
    return ecs.runTaskRequests().stream()
        .filter(r -> clientToken.equals(r.path("clientToken").asText()))
        .count();
  }
}
