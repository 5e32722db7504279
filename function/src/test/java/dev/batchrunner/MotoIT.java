package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoEcsFixture;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.RandomIds;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * Every sample in {@code events/} (the files users pass to {@code sam local invoke -e}) through the
 * function as its factory assembles it from environment variables, against moto's DynamoDB and ECS,
 * each task read back from ECS and checked against the contract's container overrides, startedBy
 * and tags. moto forgets everything before each test.
 */
class MotoIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "batch-runner-idempotency";
  private static final String CATALOG_SOURCE = Fixtures.CATALOG_RESOURCE;
  private static final byte[] CATALOG = Fixtures.classpath(CATALOG_SOURCE);
  private static final Path EVENTS = Fixtures.events();

  private static MotoServer moto;
  private static DynamoDbClient dynamo;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static Map<String, Set<String>> containersByFamily;

  private static final long IDS_SEED = 42;

  /** The ids the function's source generates first: its twin from the same seed. */
  private static final Set<String> GENERATED_IDS =
      Stream.generate(new RandomIds(() -> new Random(IDS_SEED)))
          .limit(16)
          .collect(Collectors.toSet());

  private final CapturingObserver observer = new CapturingObserver();
  private Map<String, String> env;
  private BatchCatalog catalog;
  private EventProcessor processor;

  @BeforeAll
  static void startMoto() {
    if (!MotoServer.available()) {
      // Each test then skips (fails on CI) in freshMoto: reported per test, unlike an abort here,
      // which surefire counts as nothing run.
      return;
    }
    moto = MotoServer.start();
    dynamo = moto.configure(DynamoDbClient.builder()).build();
    ecs = moto.configure(EcsClient.builder()).build();
    ec2 = moto.configure(Ec2Client.builder()).build();
    // Any placeholder values do: this parse only tells which task definitions to register.
    BatchCatalog draft = CatalogLoader.parse(CATALOG_SOURCE, CATALOG, Fixtures.CATALOG_ENV);
    containersByFamily = MotoEcsFixture.containersByFamily(draft);
  }

  @AfterAll
  static void stopMoto() {
    for (SdkClient client : new SdkClient[] {dynamo, ecs, ec2}) {
      if (client != null) {
        client.close();
      }
    }
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void freshMoto() {
    RequiredTool.require(
        MotoServer.available(),
        "MotoIT needs moto's server, and moto is not installed: pip install 'moto[server]'");
    moto.reset();
    DynamoDbLocal.createIdempotencyTable(dynamo, TABLE);
    env = MotoEcsFixture.provision(ecs, ec2, containersByFamily);
    Map<String, String> functionEnv = new HashMap<>(env);
    functionEnv.put("IDEMPOTENCY_TABLE", TABLE);
    functionEnv.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    functionEnv.put("AWS_REGION", MotoServer.REGION.id());
    functionEnv.put("AWS_ACCESS_KEY_ID", "testing");
    functionEnv.put("AWS_SECRET_ACCESS_KEY", "testing");
    functionEnv.put("AWS_ENDPOINT_URL", moto.endpoint().toString()); // both services
    FunctionConfig config = FunctionConfig.fromEnvironment(functionEnv);
    catalog = config.catalog();
    processor =
        FunctionFactory.assemble(
                config,
                FunctionFactory.Options.builder()
                    .ids(new RandomIds(() -> new Random(IDS_SEED)))
                    .observer(observer)
                    .build())
            .processor();
  }

  @Test
  void process_whenMonolithEnvelope_startsTaskWithContractOverrides() {
    JsonNode answer = process("monolith-put-events.json");

    String traceId = "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11";
    String key =
        "daily-report#"
            + sha256(
                "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\",\"tenant\":\"acme\"}}");
    assertDispatched(answer, "daily-report", traceId, key);
    assertTask(
        onlyTask(answer),
        "daily-report",
        "app",
        traceId,
        env(
            "TRACE_ID=" + traceId,
            "BATCH_TYPE_ID=daily-report",
            "IDEMPOTENCY_KEY=" + key,
            "OUTPUT_BUCKET=" + MotoEcsFixture.REPORT_BUCKET,
            "REPORT_DATE=2026-11-22",
            "TENANT=acme"),
        List.of("report", "--date", "2026-11-22", "--tenant", "acme"));
  }

  @Test
  void process_whenScheduledInputTransformer_startsTaskWithGeneratedTraceIdAndDefaults() {
    JsonNode answer = process("scheduled-input-transformer.json");

    // A bare request without traceId gets a new one: the first id of the function's source.
    String traceId = answer.path("traceId").asText();
    assertEquals(new RandomIds(() -> new Random(IDS_SEED)).get(), traceId);
    String key =
        "nightly-cleanup#"
            + sha256(
                "{\"batchTypeId\":\"nightly-cleanup\",\"parameters\":{\"retentionDays\":\"30\",\"scheduledTime\":\"2026-11-23T02:00:00Z\"}}");
    assertDispatched(answer, "nightly-cleanup", traceId, key);
    assertTask(
        onlyTask(answer),
        "nightly-cleanup",
        "app",
        traceId,
        env(
            "TRACE_ID=" + traceId,
            "BATCH_TYPE_ID=nightly-cleanup",
            "IDEMPOTENCY_KEY=" + key,
            "SCHEDULED_TIME=2026-11-23T02:00:00Z",
            "RETENTION_DAYS=30"),
        List.of("cleanup", "--retention-days", "30"));
  }

  @Test
  void process_whenDirectRequestWithExplicitKey_startsTaskKeyedOnBatchTypeAndKey() {
    JsonNode answer = process("direct-explicit-key.json");

    String traceId = "c0ffee00-1111-4222-8333-444455556666";
    String key = "invoice-export#" + sha256("invoice-export\ninvoice-export/C1234567/2026-11");
    assertDispatched(answer, "invoice-export", traceId, key);
    assertTask(
        onlyTask(answer),
        "invoice-export",
        "exporter",
        traceId,
        env(
            "TRACE_ID=" + traceId,
            "BATCH_TYPE_ID=invoice-export",
            "IDEMPOTENCY_KEY=" + key,
            "CUSTOMER_ID=C1234567",
            "ACCOUNT_NUMBER=NL91ABNA0417164300",
            "EXPORT_FORMAT=parquet"),
        null);
  }

  @Test
  void process_whenSqsBatch_failsOnlyTheUnknownBatchTypeAndStartsTheOthers() throws IOException {
    JsonNode answer = process("sqs-batch.json");

    assertEquals(
        JSON.readTree(
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"9a8b7c6d-5e4f-4321-8fed-cba987654321\"}]}"),
        answer);
    Map<String, Task> tasks = tasksByBatchType(startedByBatchRunner());
    assertEquals(Set.of("daily-report", "nightly-cleanup"), tasks.keySet());

    String reportTrace = "d2b5a1c4-5e3f-4a4b-9c1d-7e8f9a0b1c2d"; // the envelope's id
    assertEquals(reportTrace, dispatched("daily-report").traceId());
    String reportKey =
        "daily-report#"
            + sha256(
                "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-21\",\"tenant\":\"globex\"}}");
    assertEquals(reportKey, dispatched("daily-report").idempotencyKey());
    assertTask(
        tasks.get("daily-report"),
        "daily-report",
        "app",
        reportTrace,
        env(
            "TRACE_ID=" + reportTrace,
            "BATCH_TYPE_ID=daily-report",
            "IDEMPOTENCY_KEY=" + reportKey,
            "OUTPUT_BUCKET=" + MotoEcsFixture.REPORT_BUCKET,
            "REPORT_DATE=2026-11-21",
            "TENANT=globex"),
        List.of("report", "--date", "2026-11-21", "--tenant", "globex"));

    // A bare body without traceId gets a new one (not the SQS messageId).
    String cleanupTrace = dispatched("nightly-cleanup").traceId();
    assertTrue(GENERATED_IDS.contains(cleanupTrace), cleanupTrace + " was not generated");
    // The body sends retentionDays as the number 7: the key hashes the string "7" it becomes.
    String cleanupKey =
        "nightly-cleanup#"
            + sha256(
                "{\"batchTypeId\":\"nightly-cleanup\",\"parameters\":{\"retentionDays\":\"7\",\"scheduledTime\":\"2026-11-22T02:00:00Z\"}}");
    assertEquals(cleanupKey, dispatched("nightly-cleanup").idempotencyKey());
    assertTask(
        tasks.get("nightly-cleanup"),
        "nightly-cleanup",
        "app",
        cleanupTrace,
        env(
            "TRACE_ID=" + cleanupTrace,
            "BATCH_TYPE_ID=nightly-cleanup",
            "IDEMPOTENCY_KEY=" + cleanupKey,
            "SCHEDULED_TIME=2026-11-22T02:00:00Z",
            "RETENTION_DAYS=7"),
        List.of("cleanup", "--retention-days", "7"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "monolith-put-events.json",
        "scheduled-input-transformer.json",
        "direct-explicit-key.json"
      })
  void process_whenSameSampleTwice_answersDuplicateWithFirstTaskAndStartsNoTask(String sample) {
    JsonNode first = process(sample);
    List<String> tasksAfterFirst = allTasks();

    JsonNode second = process(sample);

    assertEquals("DISPATCHED", first.get("outcome").asText());
    assertEquals("DUPLICATE", second.get("outcome").asText(), second.toString());
    assertEquals(first.get("taskArns"), second.get("taskArns"));
    assertEquals(first.get("idempotencyKey"), second.get("idempotencyKey"));
    assertEquals(1, tasksAfterFirst.size());
    assertEquals(tasksAfterFirst, allTasks(), "the duplicate must start no task");
  }

  @Test
  void process_whenSameSqsBatchTwice_answersDuplicatesAndStartsNoTask() {
    JsonNode first = process("sqs-batch.json");
    List<String> tasksAfterFirst = allTasks();
    List<RequestSummary> firstRound = dispatchedOrDuplicate();
    observer.clear();

    JsonNode second = process("sqs-batch.json");

    assertEquals(first, second, "the same record fails again, and only it");
    assertEquals(2, tasksAfterFirst.size());
    assertEquals(tasksAfterFirst, allTasks(), "the duplicates must start no task");
    List<RequestSummary> secondRound = dispatchedOrDuplicate();
    assertEquals(List.of("DISPATCHED", "DISPATCHED"), outcomes(firstRound));
    assertEquals(List.of("DUPLICATE", "DUPLICATE"), outcomes(secondRound));
    for (int i = 0; i < 2; i++) {
      assertEquals(firstRound.get(i).batchTypeId(), secondRound.get(i).batchTypeId());
      assertEquals(firstRound.get(i).idempotencyKey(), secondRound.get(i).idempotencyKey());
      assertEquals(firstRound.get(i).taskArns(), secondRound.get(i).taskArns());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSamples")
  void process_whenInvalidSample_throwsRejectedAndStartsNothingAndWritesNothing(String sample) {
    int tasksBefore = allTasks().size();
    int itemsBefore = dynamo.scan(b -> b.tableName(TABLE)).count();

    RequestRejectedException rejected =
        assertThrows(RequestRejectedException.class, () -> process(sample));

    assertFalse(rejected.getMessage().isBlank(), "the message names the field and the reason");
    assertEquals(tasksBefore, allTasks().size(), "a rejected request starts no task");
    assertEquals(
        itemsBefore,
        dynamo.scan(b -> b.tableName(TABLE)).count(),
        "a rejected request writes no idempotency record");
  }

  static Stream<String> invalidSamples() throws IOException {
    try (Stream<Path> files = Files.list(EVENTS.resolve("invalid"))) {
      List<String> names =
          files
              .map(f -> "invalid/" + f.getFileName())
              .filter(n -> n.endsWith(".json"))
              .sorted()
              .toList();
      assertFalse(names.isEmpty(), "no samples in events/invalid");
      return names.stream();
    }
  }

  private JsonNode process(String sample) {
    byte[] answer;
    try {
      answer = processor.process(Files.readAllBytes(EVENTS.resolve(sample)), Duration.ZERO);
      return JSON.readTree(answer);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertDispatched(
      JsonNode answer, String batchTypeId, String traceId, String idempotencyKey) {
    assertEquals("DISPATCHED", answer.path("outcome").asText(), answer.toString());
    assertEquals(batchTypeId, answer.path("batchTypeId").asText());
    assertEquals(traceId, answer.path("traceId").asText());
    assertEquals(idempotencyKey, answer.path("idempotencyKey").asText());
    assertEquals(1, answer.path("taskArns").size(), answer.toString());
  }

  /** The answer's one task, read back from ECS. */
  private Task onlyTask(JsonNode answer) {
    String arn = answer.path("taskArns").get(0).asText();
    assertEquals(List.of(arn), allTasks(), "exactly the answered task runs");
    List<Task> tasks = describe(List.of(arn));
    assertEquals(1, tasks.size());
    return tasks.get(0);
  }

  /** What the contract says RunTask carries, as ECS reports the task. */
  private void assertTask(
      Task task,
      String batchTypeId,
      String containerName,
      String traceId,
      Map<String, String> environment,
      List<String> command) {
    assertEquals(env.get(MotoEcsFixture.CLUSTER_ARN), task.clusterArn());
    String family = MotoEcsFixture.family(catalog.find(batchTypeId).orElseThrow().taskDefinition());
    assertTrue(
        task.taskDefinitionArn().contains(":task-definition/" + family + ":"),
        task.taskDefinitionArn());
    assertEquals("batch-runner", task.startedBy());
    assertEquals(
        Map.of("batch-runner:batch-type", batchTypeId, "batch-runner:trace-id", traceId),
        tags(task));

    assertNotNull(task.overrides(), "RunTask sent no overrides");
    List<ContainerOverride> overrides = task.overrides().containerOverrides();
    assertEquals(1, overrides.size(), overrides.toString());
    ContainerOverride container = overrides.get(0);
    assertEquals(containerName, container.name());
    Map<String, String> actual = new HashMap<>();
    for (KeyValuePair pair : container.environment()) {
      assertNull(actual.put(pair.name(), pair.value()), pair.name() + " is set twice");
    }
    assertEquals(environment, actual);
    if (command == null) {
      assertTrue(
          !container.hasCommand() || container.command().isEmpty(),
          "the catalog has no command, so the image's must stay: " + container.command());
    } else {
      assertEquals(command, container.command());
    }
  }

  /** The observer's summary of the one DISPATCHED request of a batch type. */
  private RequestSummary dispatched(String batchTypeId) {
    List<RequestSummary> matching =
        observer.summaries().stream()
            .filter(s -> batchTypeId.equals(s.batchTypeId()) && Outcome.DISPATCHED == s.outcome())
            .toList();
    assertEquals(1, matching.size(), observer.summaries().toString());
    return matching.get(0);
  }

  private List<RequestSummary> dispatchedOrDuplicate() {
    return observer.summaries().stream().filter(s -> s.outcome() != Outcome.REJECTED).toList();
  }

  private static List<String> outcomes(List<RequestSummary> summaries) {
    return summaries.stream().map(s -> s.outcome().name()).toList();
  }

  private List<String> startedByBatchRunner() {
    return ecs.listTasks(
            b -> b.cluster(env.get(MotoEcsFixture.CLUSTER_ARN)).startedBy("batch-runner"))
        .taskArns();
  }

  private List<String> allTasks() {
    return ecs.listTasks(b -> b.cluster(env.get(MotoEcsFixture.CLUSTER_ARN))).taskArns();
  }

  private List<Task> describe(List<String> arns) {
    DescribeTasksResponse response =
        ecs.describeTasks(
            b ->
                b.cluster(env.get(MotoEcsFixture.CLUSTER_ARN)).tasks(arns).include(TaskField.TAGS));
    assertTrue(response.failures().isEmpty(), response.failures().toString());
    return response.tasks();
  }

  private Map<String, Task> tasksByBatchType(List<String> arns) {
    Map<String, Task> byType = new HashMap<>();
    for (Task task : describe(arns)) {
      String type = tags(task).get("batch-runner:batch-type");
      assertNull(byType.put(type, task), "two tasks for " + type);
    }
    return byType;
  }

  private static Map<String, String> tags(Task task) {
    Map<String, String> tags = new HashMap<>();
    for (Tag tag : task.tags()) {
      tags.put(tag.key(), tag.value());
    }
    return tags;
  }

  /** An environment from {@code NAME=value} entries. */
  private static Map<String, String> env(String... entries) {
    Map<String, String> map = new HashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      assertNull(map.put(entry.substring(0, eq), entry.substring(eq + 1)), entry);
    }
    return map;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
