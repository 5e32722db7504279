package dev.batchrunner.function.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.regions.Region;

class TaskLaunchFactoryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CATALOG =
      """
      {
        "defaults": {
          "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
          "launchType": "FARGATE",
          "subnets": ["subnet-1", "subnet-2"],
          "securityGroups": ["sg-1"],
          "assignPublicIp": "DISABLED",
          "traceIdEnv": "X_TRACE",
          "environment": {"Z_FROM_DEFAULTS": "z", "A_SHARED": "defaults"}
        },
        "batches": {
          "report": {
            "taskDefinition": "report:7",
            "containerName": "app",
            "environment": {"M_BUCKET": "acme-reports", "A_SHARED": "batch"},
            "parameters": {
              "tenant": {"env": "TENANT", "default": "all"},
              "reportDate": {"env": "REPORT_DATE", "required": true},
              "note": {"env": "NOTE"}
            },
            "command": ["report", "--date={reportDate}", "{tenant}", "{tenant}-{reportDate}"]
          },
          "plain": {
            "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/plain:1",
            "containerName": "worker",
            "parameters": {"text": {"env": "TEXT"}}
          }
        }
      }
      """;

  private static final BatchCatalog CATALOG_INSTANCE =
      CatalogLoader.parse("test-catalog", CATALOG.getBytes(StandardCharsets.UTF_8), Map.of());

  private static final AtomicReference<String> SENT = new AtomicReference<>();
  private static DryRunTaskLauncher dryRun;

  @BeforeAll
  static void startDryRun() {
    dryRun = new DryRunTaskLauncher(Region.EU_WEST_1, SENT::set);
  }

  @AfterAll
  static void stopDryRun() {
    dryRun.close();
  }

  @Test
  void build_environmentIsTraceBuiltInsCatalogThenParametersInThatOrder() {
    BatchDefinition batch = batch("report");
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("tenant", "acme");
    parameters.put("reportDate", "2026-11-22");
    parameters.put("note", "hello");
    IdempotencyKey key = IdempotencyKey.of("report", parameters, null);

    TaskLaunch launch =
        TaskLaunchFactory.build(batch, new java.util.TreeMap<>(parameters), key, "trace-9");

    assertEquals(
        List.of(
            "X_TRACE",
            "BATCH_TYPE_ID",
            "IDEMPOTENCY_KEY",
            "A_SHARED",
            "M_BUCKET",
            "Z_FROM_DEFAULTS",
            "NOTE",
            "REPORT_DATE",
            "TENANT"),
        new ArrayList<>(launch.container().environment().keySet()));
    assertEquals("trace-9", launch.container().environment().get("X_TRACE"));
    assertEquals("report", launch.container().environment().get("BATCH_TYPE_ID"));
    assertEquals(key.id(), launch.container().environment().get("IDEMPOTENCY_KEY"));
    assertEquals("batch", launch.container().environment().get("A_SHARED"));
    assertEquals("acme-reports", launch.container().environment().get("M_BUCKET"));
    assertEquals("z", launch.container().environment().get("Z_FROM_DEFAULTS"));
    assertEquals("hello", launch.container().environment().get("NOTE"));
    assertEquals("2026-11-22", launch.container().environment().get("REPORT_DATE"));
    assertEquals("acme", launch.container().environment().get("TENANT"));
  }

  @Test
  void build_copiesRunTaskFieldsFromBatchAndKey() {
    Map<String, String> parameters = Map.of("reportDate", "2026-11-22", "tenant", "all");
    IdempotencyKey key = IdempotencyKey.of("report", parameters, "explicit");

    TaskLaunch launch = TaskLaunchFactory.build(batch("report"), parameters, key, "trace-9");

    assertEquals("report", launch.batchTypeId());
    assertEquals("arn:aws:ecs:eu-west-1:123456789012:cluster/batch", launch.placement().cluster());
    assertEquals("report:7", launch.taskDefinition());
    assertEquals("FARGATE", launch.placement().launchType());
    assertEquals(List.of("subnet-1", "subnet-2"), launch.placement().network().subnets());
    assertEquals(List.of("sg-1"), launch.placement().network().securityGroups());
    assertEquals("DISABLED", launch.placement().network().assignPublicIp());
    assertEquals("app", launch.container().name());
    assertEquals(key.hash(), launch.clientToken());
    assertTrue(launch.clientToken().matches("[0-9a-f]{64}"), launch.clientToken());
    assertEquals("batch-runner", launch.startedBy());
    assertEquals(
        List.of(
            Map.entry("batch-runner:batch-type", "report"),
            Map.entry("batch-runner:trace-id", "trace-9")),
        new ArrayList<>(launch.tags().entrySet()));
  }

  @Test
  void build_whenValueHasSpaces_substitutesIntoOneArgvElement() {
    Map<String, String> parameters = Map.of("reportDate", "2026 11 22", "tenant", "acme corp");

    TaskLaunch launch = build("report", parameters);

    assertEquals(
        List.of("report", "--date=2026 11 22", "acme corp", "acme corp-2026 11 22"),
        launch.container().command());
  }

  @Test
  void build_whenValueLooksLikePlaceholderOrReplacementSyntax_insertsItLiterally() {
    Map<String, String> parameters = Map.of("reportDate", "{tenant}", "tenant", "$1\\x");

    TaskLaunch launch = build("report", parameters);

    assertEquals(
        List.of("report", "--date={tenant}", "$1\\x", "$1\\x-{tenant}"),
        launch.container().command());
  }

  @Test
  void build_whenCatalogHasNoCommand_leavesCommandNull() {
    assertNull(build("plain", Map.of("text", "t")).container().command());
  }

  @Test
  void command_whenPlaceholderHasNoValue_keepsIt() {
    assertEquals(
        List.of("a", "{missing}", "x1"),
        TaskLaunchFactory.command(List.of("a", "{missing}", "x{n}"), Map.of("n", "1")));
  }

  static Stream<Arguments> overrides() {
    return Stream.of(
        Arguments.of("report", Map.of("reportDate", "2026-11-22")),
        Arguments.of(
            "report", Map.of("reportDate", "2026-11-22", "tenant", "Zürich €", "note", "日本語 🚀")),
        Arguments.of(
            "report",
            Map.of(
                "reportDate", "\"quoted\" \\back\\ /slash/", "note", "tab\there\nnew line\r<&>'")),
        Arguments.of("plain", Map.of("text", "x".repeat(5000))),
        Arguments.of("plain", Map.of()));
  }

  @ParameterizedTest
  @MethodSource("overrides")
  void overridesLength_equalsLengthOfSdkMarshalledOverrides(
      String batchTypeId, Map<String, String> parameters) throws IOException {
    TaskLaunch launch = build(batchTypeId, parameters);

    dryRun.launch(launch);
    JsonNode sent = JSON.readTree(SENT.get()).get("overrides");

    assertNotNull(sent, SENT.get());
    assertEquals(JSON.writeValueAsString(sent).length(), TaskLaunchFactory.overridesLength(launch));
  }

  @Test
  void overridesLength_growsWithEachValueCharacter() {
    int shorter = TaskLaunchFactory.overridesLength(build("plain", Map.of("text", "x")));
    int longer = TaskLaunchFactory.overridesLength(build("plain", Map.of("text", "xxx")));

    assertEquals(2, longer - shorter);
  }

  private static TaskLaunch build(String batchTypeId, Map<String, String> given) {
    Resolution resolution =
        new RequestResolver(CATALOG_INSTANCE)
            .resolve(new BatchRequest(batchTypeId, "trace-1", given, null, null));
    assertInstanceOf(Resolution.Valid.class, resolution, resolution::toString);
    return ((Resolution.Valid) resolution).launch();
  }

  private static BatchDefinition batch(String id) {
    return CATALOG_INSTANCE.find(id).orElseThrow();
  }
}
