package dev.batchrunner.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.aws.sdk.CannedHttpClient;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.ForwardingIdempotencyStore;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.function.testing.Stdout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the factory decides: where ids come from, the dry-run switch, the clients' HTTP path. */
class FunctionFactoryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/batch/canned";

  private final InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore();
  private final List<String> claimIds = new CopyOnWriteArrayList<>();
  private final CapturingObserver observer = new CapturingObserver();

  @Test
  void assemble_whenRequestHasNoTraceId_takesTraceIdAndClaimIdFromTheOneRandomIdsSource() {
    FunctionFactory.Assembly assembly =
        assemble(false, options(new RandomIds(() -> new Random(7))).build());

    JsonNode answer = process(assembly, "scheduled-input-transformer.json");

    RandomIds twin = new RandomIds(() -> new Random(7));
    assertEquals(twin.get(), answer.get("traceId").asText(), "parsing draws the trace id first");
    assertEquals(List.of(twin.get()), claimIds, "then the dispatcher draws the claim id");
  }

  @Test
  void assemble_whenIdsReseeded_theDispatcherDrawsFromTheNewSequence() {
    AtomicLong seeds = new AtomicLong();
    RandomIds ids = new RandomIds(() -> new Random(seeds.incrementAndGet()));
    FunctionFactory.Assembly assembly = assemble(false, options(ids).build());

    process(assembly, "monolith-put-events.json"); // carries its trace id: one draw, the claim
    assembly.ids().reseed(); // what SnapStartHooks.afterRestore does
    process(assembly, "direct-explicit-key.json");

    assertEquals(
        List.of(new RandomIds(() -> new Random(1)).get(), new RandomIds(() -> new Random(2)).get()),
        claimIds);
    assertNotEquals(claimIds.get(0), claimIds.get(1));
  }

  @Test
  void assemble_whenIdsNotGiven_usesAFreshSecureSourceExposedForReseeding() {
    FunctionFactory.Assembly one = assemble(false, options(null).build());
    FunctionFactory.Assembly other = assemble(false, options(null).build());

    process(one, "monolith-put-events.json");
    process(other, "monolith-put-events.json");

    assertEquals(2, claimIds.size());
    assertNotEquals(claimIds.get(0), claimIds.get(1));
    assertNotEquals(one.ids(), other.ids());
  }

  @Test
  void assemble_whenDryRun_launcherBuildsTheRequestForTheSinkAndSendsNothing() {
    List<String> sunk = new CopyOnWriteArrayList<>();
    List<TaskLauncher> given = new CopyOnWriteArrayList<>();
    FunctionFactory.Assembly assembly =
        assemble(
            true,
            FunctionFactory.Options.builder()
                .observer(observer)
                .store(memory)
                .dryRunSink(sunk::add)
                .wrapLauncher(
                    launcher -> {
                      given.add(launcher);
                      return launcher;
                    })
                .build());

    JsonNode answer = process(assembly, "monolith-put-events.json");

    assertInstanceOf(DryRunTaskLauncher.class, given.get(0));
    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertTrue(answer.get("dryRun").asBoolean());
    assertEquals(1, sunk.size());
    assertTrue(sunk.get(0).contains("\"clientToken\""), sunk.get(0));
  }

  @Test
  void assemble_whenNotDryRun_runTaskGoesThroughTheWrappedHttpClient() {
    CannedHttpClient canned =
        new CannedHttpClient(
            target ->
                target.endsWith(".RunTask")
                    ? "{\"tasks\":[{\"taskArn\":\"" + TASK_ARN + "\"}],\"failures\":[]}"
                    : "{}");
    List<TaskLauncher> given = new CopyOnWriteArrayList<>();
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            Processors.config(Processors.catalog(), "records", Processors.OFFLINE),
            FunctionFactory.Options.builder()
                .observer(observer)
                .wrapHttpClient(real -> canned)
                .wrapLauncher(
                    launcher -> {
                      given.add(launcher);
                      return launcher;
                    })
                .build());

    JsonNode answer = process(assembly, "monolith-put-events.json");

    assertInstanceOf(EcsTaskLauncher.class, given.get(0));
    assertEquals(List.of(TASK_ARN), JSON.convertValue(answer.get("taskArns"), List.class));
    // DynamoDB PutItem (claim), ECS RunTask, DynamoDB UpdateItem (dispatched): real SDK clients.
    assertEquals(3, canned.calls());
  }

  @Test
  void assemble_whenBothPortsReplaced_buildsNoSdkClient() {
    AtomicLong httpClients = new AtomicLong();

    assemble(
        false,
        options(null)
            .wrapHttpClient(
                real -> {
                  httpClients.incrementAndGet();
                  return real;
                })
            .build());

    assertEquals(0, httpClients.get());
  }

  @Test
  void assemble_whenObserverNotGiven_logsAndWritesMetricsInTheConfiguredNamespace()
      throws Exception {
    FunctionConfig config =
        new FunctionConfig(
            "records", Processors.catalog(), false, "Team/Batch", false, Processors.OFFLINE);
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .store(memory)
                .launcher(new RecordingTaskLauncher())
                .build());

    String stdout = Stdout.capture(() -> process(assembly, "monolith-put-events.json"));

    assertTrue(stdout.contains("\"Namespace\":\"Team/Batch\""), stdout);
    assertTrue(stdout.contains("\"outcome\":\"DISPATCHED\""), stdout);
  }

  @Test
  void guard_claimsTheRecordWithItsOwnTask_launchesNothing_andBuildsNoEcsClient() {
    AtomicLong httpClients = new AtomicLong();
    String own = "arn:aws:ecs:eu-west-1:123456789012:task/batch/0123456789abcdef0123456789abcdef";
    FunctionConfig dryRun =
        new FunctionConfig(
            "records", Processors.catalog(), true, "BatchRunner", false, Processors.OFFLINE);
    FunctionFactory.Assembly guard =
        FunctionFactory.guard(
            dryRun,
            own,
            FunctionFactory.Options.builder()
                .store(memory)
                .observer(observer)
                .wrapHttpClient(
                    real -> {
                      httpClients.incrementAndGet();
                      return real;
                    }));
    BatchRequest request =
        new BatchRequest("daily-report", "trace-1", Map.of("reportDate", "2026-11-22"), null, null);

    DispatchOutcome first = guard.dispatcher().dispatch(request, Duration.ofSeconds(30));
    DispatchOutcome again = guard.dispatcher().dispatch(request, Duration.ofSeconds(30));

    Dispatched dispatched = assertInstanceOf(Dispatched.class, first);
    assertEquals(List.of(own), dispatched.taskArns());
    assertTrue(!dispatched.dryRun(), "DRY_RUN does not apply: the guard launches nothing");
    assertInstanceOf(Duplicate.class, again);
    IdempotencyRecord record = memory.all().get(0);
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(own, record.current().taskArn());
    assertEquals(0, httpClients.get(), "no ECS (or any other) client");
  }

  private FunctionFactory.Options.Builder options(RandomIds ids) {
    return FunctionFactory.Options.builder()
        .ids(ids)
        .observer(observer)
        .store(claimRecording(memory))
        .launcher(new RecordingTaskLauncher());
  }

  private FunctionFactory.Assembly assemble(boolean dryRun, FunctionFactory.Options options) {
    FunctionConfig config =
        new FunctionConfig(
            "records", Processors.catalog(), dryRun, "BatchRunner", false, Processors.OFFLINE);
    return FunctionFactory.assemble(config, options);
  }

  /** The store, noting the claim id of every claim the dispatcher makes. */
  private IdempotencyStore claimRecording(IdempotencyStore real) {
    return new ForwardingIdempotencyStore(real) {
      @Override
      public Claim claim(IdempotencyRecord record, Instant now) {
        claimIds.add(record.claimId());
        return super.claim(record, now);
      }
    };
  }

  private static JsonNode process(FunctionFactory.Assembly assembly, String event) {
    try {
      return JSON.readTree(
          assembly.processor().process(Fixtures.event(event), Duration.ofSeconds(30)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
