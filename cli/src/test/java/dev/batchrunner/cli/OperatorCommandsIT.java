package dev.batchrunner.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoEcsFixture;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * {@code status}, {@code list} and {@code rerun} against records the function itself made: the
 * function (assembled by FunctionFactory as in Lambda) dispatches to moto's ECS and keeps its
 * records in DynamoDB Local; the task state changes it then handles are the events/ samples, aimed
 * at moto's task. The CLI reads and writes the same table through the same environment variables.
 */
class OperatorCommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");

  /** The task ARN of the events/ task state change samples. */
  private static final String SAMPLE_TASK =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/[0-9a-f]{32}";

  private static final String KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";
  private static final String TRACE_ID = "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11";

  private static DynamoDbLocal dynamo;
  private static MotoServer moto;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static Map<String, Set<String>> containersByFamily;
  private static int tables;

  private final MutableClock clock = new MutableClock(START);
  private Map<String, String> env;
  private EventProcessor function;

  @BeforeAll
  static void start() {
    dynamo = DynamoDbLocal.start();
    if (MotoServer.available()) {
      moto = MotoServer.start();
      ecs = moto.configure(EcsClient.builder()).build();
      ec2 = moto.configure(Ec2Client.builder()).build();
      BatchCatalog draft =
          CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
      containersByFamily = MotoEcsFixture.containersByFamily(draft);
    }
  }

  @AfterAll
  static void stop() {
    if (moto != null) {
      ecs.close();
      ec2.close();
      moto.close();
    }
    dynamo.close();
  }

  @BeforeEach
  void fresh() {
    RequiredTool.require(
        MotoServer.available(),
        "OperatorCommandsIT needs moto's server for ECS: pip install 'moto[server]'");
    moto.reset();
    String table = "operator-" + ++tables;
    dynamo.createIdempotencyTable(table);
    env = new HashMap<>(MotoEcsFixture.provision(ecs, ec2, containersByFamily));
    env.put("IDEMPOTENCY_TABLE", table);
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    env.put("AWS_REGION", MotoServer.REGION.id());
    // DynamoDB Local keeps one database per access key: the key DynamoDbLocal.client() uses.
    env.put("AWS_ACCESS_KEY_ID", "local");
    env.put("AWS_SECRET_ACCESS_KEY", "local");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
    env.put("AWS_ENDPOINT_URL_ECS", moto.endpoint().toString());
    function =
        FunctionFactory.assemble(
                FunctionConfig.fromEnvironment(env),
                FunctionFactory.Options.builder().clock(clock).observer(s -> {}).build())
            .processor();
  }

  // --- status --------------------------------------------------------------------------------

  @Test
  void status_findsTheRecordByKeyByTraceIdAndByBatchAndParameters() throws Exception {
    String task = dispatchReport();
    clock.advance(Duration.ofMinutes(5));

    Run byKey = cli("status", "--key", KEY, "--json");
    Run byTrace = cli("status", "--trace-id", TRACE_ID, "--json");
    Run byParameters =
        cli(
            "status",
            "--batch",
            "daily-report",
            "--param",
            "reportDate=2026-11-22",
            "--param",
            "tenant=acme",
            "--json");

    for (Run run : List.of(byKey, byTrace, byParameters)) {
      assertEquals(ExitCode.OK, run.code, run.toString());
      JsonNode record = run.json();
      assertRecordSchema(record);
      assertEquals(KEY, record.get("idempotencyKey").asText());
      assertEquals("DISPATCHED", record.get("status").asText());
      assertEquals(task, record.at("/taskArns/0").asText());
      assertEquals(TRACE_ID, record.get("traceId").asText());
    }
  }

  @Test
  void status_ofAFailedThenRerunRequest_printsItsStoryForPeople() throws Exception {
    String first = dispatchReport();
    clock.advance(Duration.ofMinutes(7));
    stopped(first, "stopped-exit-1.json");
    clock.advance(Duration.ofMinutes(30));
    Run rerun = cli("rerun", "--key", KEY, "--reason", "bucket policy fixed (OPS-123)");
    assertEquals(ExitCode.OK, rerun.code, rerun.toString());
    String second = tasks().stream().filter(t -> !t.equals(first)).findFirst().orElseThrow();
    clock.advance(Duration.ofHours(2));

    Run status = cli("status", "--key", KEY);

    assertEquals(ExitCode.OK, status.code, status.toString());
    assertGolden(
        "status-rerun.txt", status.out.replace(first, "<task-1>").replace(second, "<task-2>"));
  }

  @Test
  void status_whenNothingMatches_isExit3_andABadParameterExit2() {
    Run missing = cli("status", "--key", "daily-report#" + "0".repeat(64));
    Run badParam = cli("status", "--batch", "daily-report", "--param", "reportDate=yesterday");
    Run unknownParam =
        cli(
            "status",
            "--batch",
            "daily-report",
            "--param",
            "reportDate=2026-11-22",
            "--param",
            "x=1");

    assertEquals(ExitCode.NOT_FOUND, missing.code, missing.toString());
    assertTrue(missing.err.contains("no record daily-report#000"), missing.err);
    assertEquals(ExitCode.USAGE, badParam.code, badParam.toString());
    assertTrue(badParam.err.contains("--param: parameters.reportDate"), badParam.err);
    assertEquals(ExitCode.USAGE, unknownParam.code, unknownParam.toString());
  }

  @Test
  void status_whenTheTableIsMissing_isExit1NamingIt() {
    env.put("IDEMPOTENCY_TABLE", "no-such-table");

    Run run = cli("status", "--key", KEY);

    assertEquals(ExitCode.FAILURE, run.code, run.toString());
    assertTrue(run.err.contains("no-such-table"), run.err);
  }

  // --- list ----------------------------------------------------------------------------------

  @Test
  void list_filtersByStatusAndBatchNewestFirst() throws Exception {
    String report = dispatchReport();
    clock.advance(Duration.ofMinutes(1));
    dispatch(
        "{\"batchTypeId\":\"nightly-cleanup\",\"traceId\":\"trace-cleanup\","
            + "\"parameters\":{\"scheduledTime\":\"2036-11-23T02:00:00Z\"}}");
    clock.advance(Duration.ofMinutes(1));
    stopped(report, "stopped-exit-1.json");

    Run all = cli("list", "--json");
    Run failed = cli("list", "--status", "failed", "--json");
    Run cleanup = cli("list", "--batch", "nightly-cleanup");
    Run recent = cli("list", "--since", "90s", "--json");

    assertEquals(ExitCode.OK, all.code, all.toString());
    List<String> order = new ArrayList<>();
    all.json().get("records").forEach(r -> order.add(r.get("batchTypeId").asText()));
    assertEquals(List.of("nightly-cleanup", "daily-report"), order, "newest first");
    all.json().get("records").forEach(OperatorCommandsIT::assertRecordSchema);
    assertEquals(1, failed.json().get("records").size());
    assertEquals(KEY, failed.json().at("/records/0/idempotencyKey").asText());
    assertTrue(cleanup.out.startsWith("AGE  BATCH TYPE       STATUS"), cleanup.out);
    assertTrue(cleanup.out.contains("trace-cleanup"), cleanup.out);
    assertTrue(!cleanup.out.contains("daily-report"), cleanup.out);
    assertEquals(1, recent.json().get("records").size(), recent.out);
  }

  @Test
  void list_withABadStatusOrDuration_isExit2NamingTheOption() {
    Run status = cli("list", "--status", "DONE");
    Run since = cli("list", "--since", "yesterday");

    assertEquals(ExitCode.USAGE, status.code);
    assertTrue(status.err.contains("--status: 'DONE'"), status.err);
    assertEquals(ExitCode.USAGE, since.code);
    assertTrue(since.err.contains("--since: 'yesterday'"), since.err);
  }

  // --- rerun ---------------------------------------------------------------------------------

  @Test
  void rerun_ofAFailedRequest_startsANewTaskInMotoAndKeepsTheReason() throws Exception {
    String first = dispatchReport();
    stopped(first, "stopped-exit-1.json");

    Run run = cli("rerun", "--key", KEY, "--reason", "OPS-123", "--json");

    assertEquals(ExitCode.OK, run.code, run.toString());
    assertEquals("DISPATCHED", run.json().get("outcome").asText());
    assertEquals(2, run.json().get("attempt").asInt());
    assertEquals(2, tasks().size(), "a second task in moto: " + tasks());
    String second = run.json().at("/taskArns/0").asText();
    assertTrue(tasks().contains(second));
    JsonNode record = cli("status", "--key", KEY, "--json").json();
    assertEquals("DISPATCHED", record.get("status").asText());
    assertEquals(2, record.get("attempt").asInt());
    assertEquals("rerun: OPS-123", record.at("/attempts/1/startReason").asText());
    assertEquals(1, record.at("/attempts/0/exitCode").asInt());
  }

  @Test
  void rerun_isRefusedInFlight_andForASucceededRequestWithoutForce() throws Exception {
    String first = dispatchReport();

    Run inFlight = cli("rerun", "--key", KEY, "--reason", "why not");
    assertEquals(ExitCode.USAGE, inFlight.code, inFlight.toString());
    assertTrue(inFlight.err.contains("(DISPATCHED)"), inFlight.err);

    stopped(first, "stopped-exit-0.json");
    Run succeeded = cli("rerun", "--key", KEY, "--reason", "again");
    assertEquals(ExitCode.USAGE, succeeded.code, succeeded.toString());
    assertTrue(succeeded.err.contains("--force"), succeeded.err);
    assertEquals(1, tasks().size());

    Run forced = cli("rerun", "--key", KEY, "--reason", "again", "--force");
    assertEquals(ExitCode.OK, forced.code, forced.toString());
    assertEquals(2, tasks().size());

    Run missing = cli("rerun", "--key", "daily-report#" + "0".repeat(64), "--reason", "x");
    assertEquals(ExitCode.NOT_FOUND, missing.code, missing.toString());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The monolith's sample request, dispatched by the function to moto: its task. */
  private String dispatchReport() throws IOException {
    JsonNode answer = dispatch(new String(Fixtures.event("monolith-put-events.json"), UTF_8));
    return answer.at("/taskArns/0").asText();
  }

  private JsonNode dispatch(String event) throws IOException {
    JsonNode answer =
        JSON.readTree(function.process(event.getBytes(UTF_8), Duration.ofSeconds(30)));
    assertEquals("DISPATCHED", answer.get("outcome").asText(), answer.toString());
    return answer;
  }

  /** The events/ sample {@code sample}, aimed at moto's {@code task}, handled by the function. */
  private void stopped(String task, String sample) throws IOException {
    String event =
        new String(Fixtures.event("task-state-change/" + sample), UTF_8)
            .replaceAll(SAMPLE_TASK, task);
    JsonNode answer =
        JSON.readTree(function.process(event.getBytes(UTF_8), Duration.ofSeconds(30)));
    assertTrue(
        Set.of("SUCCEEDED", "FAILED").contains(answer.get("outcome").asText()), answer.toString());
  }

  private List<String> tasks() {
    return ecs.listTasks(b -> b.cluster(env.get(MotoEcsFixture.CLUSTER_ARN))).taskArns();
  }

  private Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(
            args, env, clock, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
      }
    }
  }

  /** The contract's fields of {@code status --json}, with their JSON types. */
  static void assertRecordSchema(JsonNode record) {
    Map<String, String> fields = new java.util.LinkedHashMap<>();
    fields.put("idempotencyKey", "STRING");
    fields.put("batchTypeId", "STRING");
    fields.put("status", "STRING");
    fields.put("attempt", "NUMBER");
    fields.put("traceId", "STRING");
    fields.put("taskArns", "ARRAY");
    fields.put("attempts", "ARRAY");
    fields.put("parameters", "OBJECT");
    fields.put("createdAt", "STRING");
    fields.put("expiresAt", "STRING");
    fields.forEach(
        (name, type) ->
            assertEquals(type, record.path(name).getNodeType().name(), name + " in " + record));
    for (JsonNode attempt : record.get("attempts")) {
      assertEquals("NUMBER", attempt.path("attempt").getNodeType().name(), attempt.toString());
      for (String name :
          List.of(
              "taskArn",
              "lastStatus",
              "exitCode",
              "stopCode",
              "stoppedReason",
              "startedAt",
              "stoppedAt",
              "startReason")) {
        assertTrue(attempt.has(name), name + " missing in " + attempt);
      }
    }
    assertEquals(record.get("attempt").asInt(), record.get("attempts").size());
  }

  /** {@code placeholder} padded to the length of {@code value}: the table keeps its columns. */
  static String same(String placeholder, String value) {
    return String.format("%-" + value.length() + "s", placeholder);
  }

  /** {@code actual} equals golden/{@code name}; with -Dgolden.update=true, rewrites it. */
  static void assertGolden(String name, String actual) throws IOException {
    Path file = Path.of("src", "test", "resources", "golden", name);
    if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
      if (!Boolean.getBoolean("golden.update")) {
        throw new AssertionError("golden file " + file + " was missing: written, check it in");
      }
    }
    assertEquals(Files.readString(file), actual, "golden " + name);
  }
}
