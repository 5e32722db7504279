package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Completions;
import dev.batchrunner.function.testing.EcsDirectTasks;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The EcsDirect intake mode's records through the real SDK over HTTP: EventBridge's RunTask (sent
 * to the WireMock ECS stub the way an EcsDirect rule's target sends it: {@code startedBy
 * events-rule/…}, the request in the environment of the app and guard containers, no {@code
 * IDEMPOTENCY_KEY}), the guard's claim in DynamoDB Local (assembled by {@link
 * FunctionFactory#guard}, as the CLI's {@code guard} does), then the tasks' state changes through
 * the function's one processor. The guard-claimed task's events move the record to SUCCEEDED; a
 * duplicate task's events change nothing.
 */
class EcsDirectLifecycleIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");
  private static final String MONOLITH_KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

  private final MutableClock clock = new MutableClock(START);
  private String table;
  private EventProcessor function;
  private EcsClient eventBridge;

  @BeforeEach
  void freshState() {
    ecs.reset();
    ecs.useClock(clock);
    table = newTable("direct");
    function = Processors.processor(dynamo.endpoint(), table, ecs.endpoint(), clock, summary -> {});
    eventBridge = ecs.client(false);
  }

  @AfterEach
  void closeClient() {
    eventBridge.close();
  }

  @Test
  void theGuardClaimedTasksEvents_succeedTheRecord_andADuplicatesTaskChangesNothing() {
    // EventBridge delivers the event twice: the rule's target starts two tasks.
    Map<String, String> request = ruleEnvironment();
    String first = EcsDirectTasks.runTaskAsTheRule(eventBridge, request);
    String second = EcsDirectTasks.runTaskAsTheRule(eventBridge, request);

    DispatchOutcome claimed = guard(first);
    DispatchOutcome duplicate = guard(second);

    Dispatched dispatched = assertInstanceOf(Dispatched.class, claimed);
    assertEquals(MONOLITH_KEY, dispatched.idempotencyKey());
    assertEquals(List.of(first), dispatched.taskArns());
    assertInstanceOf(Duplicate.class, duplicate, "the second guard exits 10");
    assertEquals("DISPATCHED", record().get("status").s());

    assertEquals("UPDATED", deliver(ecs.run(first).taskArn()).get("outcome").asText());
    assertEquals("RUNNING", record().get("status").s());

    ecs.run(second);
    clock.advance(Duration.ofSeconds(20));
    ecs.stop(
        second,
        Map.of("guard", 10, "app", 143),
        "EssentialContainerExited",
        "Essential container in task exited",
        Map.of("app", "CannotStartContainerError: dependency graph: failed to resolve"));
    Map<String, AttributeValue> before = record();
    JsonNode ignored = deliver(second);
    assertEquals("IGNORED", ignored.get("outcome").asText(), ignored.toString());
    assertTrue(ignored.get("reason").asText().contains("never adopted"), ignored.toString());
    assertEquals(before, record(), "a duplicate's task changes nothing");

    clock.advance(Duration.ofMinutes(14));
    ecs.stop(
        first,
        Map.of("guard", 0, "app", 0),
        "EssentialContainerExited",
        "Essential container in task exited");
    JsonNode succeeded = deliver(first);
    assertEquals("SUCCEEDED", succeeded.get("outcome").asText(), succeeded.toString());

    Map<String, AttributeValue> record = record();
    assertEquals(MONOLITH_KEY, record.get("id").s());
    assertEquals("SUCCEEDED", record.get("status").s());
    assertEquals("1", record.get("attempt").n());
    List<AttributeValue> attempts = record.get("attempts").l();
    assertEquals(1, attempts.size());
    assertEquals(first, attempts.get(0).m().get("taskArn").s());
    assertEquals("0", attempts.get(0).m().get("exitCode").n());
    assertEquals(2, ecs.tasksStarted(), "both tasks were started, and billed: the talk's cost");
    assertEquals(2, ecs.runTaskCount(), "the function started none of them");
  }

  @Test
  void theSamples_runningAndStoppedSucceedTheRecord_theDuplicateIsIgnored() throws IOException {
    JsonNode stopped = sample("ecs-direct-stopped-exit-0.json");
    String task = stopped.at("/detail/taskArn").asText();
    Map<String, String> env =
        Completions.environmentOf(stopped.at("/detail/overrides/containerOverrides"), "guard");

    assertInstanceOf(Dispatched.class, guard(task, env));

    JsonNode running = process(bytes("ecs-direct-running.json"));
    JsonNode duplicate = process(bytes("ecs-direct-duplicate-stopped.json"));
    Map<String, AttributeValue> afterDuplicate = record();
    JsonNode succeeded = process(bytes("ecs-direct-stopped-exit-0.json"));

    assertEquals("UPDATED", running.get("outcome").asText(), running.toString());
    assertEquals("IGNORED", duplicate.get("outcome").asText(), duplicate.toString());
    assertEquals(MONOLITH_KEY, duplicate.get("idempotencyKey").asText());
    assertEquals("RUNNING", afterDuplicate.get("status").s());
    assertEquals("SUCCEEDED", succeeded.get("outcome").asText(), succeeded.toString());
    assertEquals("SUCCEEDED", record().get("status").s());
    // The same request through the function's own path is the same record: a duplicate.
    JsonNode resent = process(Fixtures.event("monolith-put-events.json"));
    assertEquals("DUPLICATE", resent.get("outcome").asText(), resent.toString());
    assertEquals(MONOLITH_KEY, resent.get("idempotencyKey").asText());
    assertEquals(0, ecs.runTaskCount());
  }

  @Test
  void aRetryOfAGuardedBatch_givesTheGuardSidecarTheRequestToo() throws IOException {
    // The tests' catalog with a guard sidecar and one automatic retry for daily-report.
    com.fasterxml.jackson.databind.node.ObjectNode document =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(Fixtures.catalog());
    ((com.fasterxml.jackson.databind.node.ObjectNode) document.get("defaults"))
        .put("guardContainer", "guard");
    ((com.fasterxml.jackson.databind.node.ObjectNode) document.at("/batches/daily-report"))
        .putObject("retry")
        .put("attempts", 2);
    dev.batchrunner.core.catalog.BatchCatalog catalog =
        dev.batchrunner.core.catalog.CatalogLoader.parse(
            "guarded.json", JSON.writeValueAsBytes(document), Fixtures.CATALOG_ENV);
    function =
        Processors.processor(
            dynamo.endpoint(),
            table,
            ecs.endpoint(),
            clock,
            summary -> {},
            catalog,
            java.util.function.UnaryOperator.identity(),
            java.util.function.UnaryOperator.identity());
    String first = EcsDirectTasks.runTaskAsTheRule(eventBridge, ruleEnvironment());
    assertInstanceOf(Dispatched.class, guard(first));
    ecs.run(first);
    clock.advance(Duration.ofMinutes(3));
    ecs.stop(
        first, Map.of("guard", 0, "app", 1), "EssentialContainerExited", "Essential container");

    JsonNode retried = deliver(first);

    assertEquals("RETRIED", retried.get("outcome").asText(), retried.toString());
    String next = retried.get("nextTaskArn").asText();
    Map<String, Map<String, String>> overrides = new LinkedHashMap<>();
    ecs.task(next).overrides().forEach(o -> overrides.put(o.name(), o.environment()));
    assertEquals(List.of("app", "guard"), List.copyOf(overrides.keySet()), overrides.toString());
    assertEquals(overrides.get("app"), overrides.get("guard"), "the same environment");
    assertEquals(MONOLITH_KEY, overrides.get("guard").get("IDEMPOTENCY_KEY"));
    List<JsonNode> requests = ecs.runTaskRequests();
    JsonNode sent = requests.get(requests.size() - 1).at("/overrides/containerOverrides");
    assertEquals("app", sent.get(0).get("name").asText(), "the function's retry: " + sent);
    assertTrue(sent.get(0).has("command"), sent.toString());
    assertTrue(!sent.get(1).has("command"), "the guard keeps its own command: " + sent);
    // What the guard in that task reads back is the record's own request.
    assertEquals(
        MONOLITH_KEY,
        assertInstanceOf(
                dev.batchrunner.core.request.Resolution.Valid.class,
                EnvironmentRequest.resolve(
                    new RequestResolver(catalog), overrides.get("guard"), () -> "unused"))
            .key()
            .id());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** What an EcsDirect rule's InputTransformer writes for the monolith's daily-report request. */
  private static Map<String, String> ruleEnvironment() {
    return EcsDirectTasks.ruleEnvironment(
        "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "2026-11-22",
        "acme");
  }

  /** The guard in {@code task}: the environment ECS gave its container. */
  private DispatchOutcome guard(String task) {
    return guard(task, EcsDirectTasks.guardEnvironment(ecs, task));
  }

  private DispatchOutcome guard(String task, Map<String, String> env) {
    return EcsDirectTasks.claimAsTheGuard(
        Processors.config(
            Processors.catalog(), table, Processors.connection(dynamo.endpoint(), ecs.endpoint())),
        task,
        env,
        FunctionFactory.Options.builder().clock(clock).observer(summary -> {}));
  }

  private Map<String, AttributeValue> record() {
    return onlyRecord(table);
  }

  private JsonNode deliver(String taskArn) {
    return process(ecs.stateChangeEvent(taskArn).getBytes(StandardCharsets.UTF_8));
  }

  private JsonNode process(byte[] event) {
    try {
      return JSON.readTree(function.process(event, Duration.ofSeconds(30)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String sample) {
    return Fixtures.event("task-state-change/" + sample);
  }

  private static JsonNode sample(String name) throws IOException {
    return JSON.readTree(bytes(name));
  }
}
