package dev.batchrunner.function.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.function.testing.Stdout;
import dev.batchrunner.testkit.EmulatorTest;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/**
 * Priming over loopback, through the real URLConnection client as the Lambda assembles it ({@link
 * PrimedFunction}): every primed call reaches the in-process responder and nothing else, the
 * responder and its connection are gone afterwards, and the real requests then reach DynamoDB Local
 * and the ECS stub. Where the responder cannot start or be reached, priming answers from memory as
 * before.
 */
class LoopbackPrimingIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN_TASK = "AmazonEC2ContainerServiceV20141113.RunTask";
  private static final String PUT = "DynamoDB_20120810.PutItem";
  private static final String GET = "DynamoDB_20120810.GetItem";
  private static final String DELETE = "DynamoDB_20120810.DeleteItem";

  private final List<PrimableHttpClient> http = new ArrayList<>();
  private String table;

  @BeforeEach
  void setUp() {
    RequiredTool.require(
        LoopbackResponder.proxySetting(System.getenv(), System.getProperties()) == null,
        "no HTTP proxy configured (http.proxyHost, socksProxyHost, HTTP_PROXY, ALL_PROXY): with"
            + " one, priming keeps to in-memory answers by design");
    ecs.reset();
    table = newTable("loopback");
  }

  @Test
  void assemble_withAwsEndpoints_primesEveryCallThroughTheRealClientOverLoopbackOnly()
      throws Exception {
    AwsConnection aws =
        new AwsConnection(Region.EU_WEST_1, Processors.CREDENTIALS, AwsConnection.Endpoints.AWS);

    String stdout = Stdout.capture(() -> PrimedFunction.assemble(config(false, aws), http::add));

    assertEquals("", stdout, "priming must not log (no \"priming skipped\"), nor emit metrics");
    PrimableHttpClient client = onlyClient();
    assertEquals(dispatchTargets(), client.loopbackTargets());
    assertEquals(dispatchTargets().size(), client.loopbackCalls(), "all of them over loopback");
    assertEquals(client.loopbackCalls(), client.cannedCalls(), "none answered from memory");
    assertEquals(1, client.lastResponder().connections(), "one connection, kept alive");
    assertEquals(null, client.fallbackReason(), "no fallback");
  }

  @Test
  void assemble_thenRealRequests_reachDynamoDbLocalAndTheEcsStub_notTheLoopback() throws Exception {
    PrimedFunction function = PrimedFunction.assemble(config(false, emulators()), http::add);
    PrimableHttpClient client = onlyClient();
    LoopbackResponder responder = client.lastResponder();
    assertEquals(dispatchTargets(), client.loopbackTargets());
    assertEquals(0, ecs.runTaskCount(), "priming sent nothing to the ECS stub");
    assertEquals(0, scanCount(), "priming wrote nothing to DynamoDB Local");

    JsonNode first = process(function, "monolith-put-events.json");
    JsonNode second = process(function, "direct-explicit-key.json");

    assertEquals("DISPATCHED", first.get("outcome").asText(), first.toString());
    assertEquals("DISPATCHED", second.get("outcome").asText(), second.toString());
    assertEquals(2, ecs.runTaskCount());
    assertEquals(2, scanCount());
    // The keep-alive cache handed no loopback connection to the real requests: the one priming
    // kept was ended before the responder closed, and the responder saw nothing more.
    assertEquals(0, responder.forcedClosures());
    assertEquals(dispatchTargets(), responder.targets());
    assertEquals(1, responder.connections());
    assertEquals(dispatchTargets().size(), client.cannedCalls(), "real calls are not canned");
  }

  @Test
  void assemble_inDryRun_primesTheStoreOverLoopbackAndNoRunTask() throws Exception {
    PrimedFunction function = PrimedFunction.assemble(config(true, emulators()), http::add);

    assertEquals(storeTargets(), onlyClient().loopbackTargets());
    JsonNode[] answer = new JsonNode[1];
    // Captured: a dry run logs the RunTask request it built.
    Stdout.capture(() -> answer[0] = process(function, "scheduled-input-transformer.json"));
    assertEquals("DISPATCHED", answer[0].get("outcome").asText(), answer[0].toString());
    assertTrue(answer[0].get("dryRun").asBoolean(), answer[0].toString());
    assertEquals(0, ecs.runTaskCount());
    assertEquals(1, scanCount(), "the dry run's claim is real");
  }

  @Test
  void prime_whenDone_leavesNoThreadOrConnection_atInitAndBeforeTheSnapshot() throws Exception {
    PrimedFunction function = PrimedFunction.assemble(config(false, emulators()), http::add);
    PrimableHttpClient client = onlyClient();
    LoopbackResponder atInit = client.lastResponder();
    assertClosed(atInit);

    function.hooks().beforeCheckpoint(null);

    LoopbackResponder beforeSnapshot = client.lastResponder();
    assertNotSame(atInit, beforeSnapshot, "the checkpoint's priming has its own responder");
    assertEquals(dispatchTargets(), beforeSnapshot.targets());
    assertClosed(beforeSnapshot);
    assertEquals(0, ecs.runTaskCount());
  }

  @Test
  void prime_whenTheResponderCannotStart_answersFromMemoryAndLogsOnceAtDebug() throws Exception {
    assertFallsBackToMemory(
        answers -> {
          throw new BindException("Operation not permitted (a sandbox)");
        });
  }

  @Test
  void prime_whenTheLoopbackRefusesConnections_answersFromMemoryAndLogsOnceAtDebug()
      throws Exception {
    assertFallsBackToMemory(
        answers -> {
          LoopbackResponder closed = LoopbackResponder.start(answers);
          closed.close(); // its port now refuses connections
          return closed;
        });
  }

  /**
   * Primes twice (init, then the snapshot) with {@code loopback} failing: every call is answered
   * from memory, one DEBUG line says why, nothing reaches the emulators, and the real request
   * afterwards works.
   */
  private void assertFallsBackToMemory(PrimableHttpClient.Loopback loopback) throws Exception {
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            config(false, emulators()),
            FunctionFactory.Options.builder()
                .wrapHttpClient(
                    real -> {
                      PrimableHttpClient client =
                          new PrimableHttpClient(real, Primer.ANSWERS, loopback);
                      http.add(client);
                      return client;
                    })
                .build());
    PrimableHttpClient client = onlyClient();
    int expected = dispatchTargets().size();

    String stdout =
        Stdout.capture(
            () -> {
              assertEquals(
                  expected,
                  Primer.prime(assembly.catalog(), assembly.store(), assembly.launcher(), http));
              assertEquals(
                  2 * expected,
                  Primer.prime(assembly.catalog(), assembly.store(), assembly.launcher(), http));
            });

    assertEquals("", stdout);
    assertEquals(0, client.loopbackCalls());
    assertEquals(2 * expected, client.cannedCalls());
    String reason = client.fallbackReason();
    assertTrue(
        reason != null && reason.startsWith("priming answers from memory"), String.valueOf(reason));
    assertEquals(0, ecs.runTaskCount());
    assertEquals(0, scanCount());
    assertNoResponderThread();

    JsonNode answer =
        JSON.readTree(
            assembly
                .processor()
                .process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));
    assertEquals("DISPATCHED", answer.get("outcome").asText(), answer.toString());
    assertEquals(1, ecs.runTaskCount());
  }

  private static void assertClosed(LoopbackResponder responder) {
    assertNotNull(responder);
    assertFalse(responder.running(), "a responder thread is alive after priming");
    assertEquals(0, responder.openConnections());
    assertEquals(0, responder.forcedClosures(), "the client still kept a loopback connection");
    assertNoResponderThread();
  }

  private static void assertNoResponderThread() {
    List<String> alive =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(name -> name.startsWith(LoopbackResponder.THREAD_NAME))
            .toList();
    assertEquals(List.of(), alive);
  }

  /** What priming sends for a dispatch: the task event's reads, RunTasks, the record's calls. */
  private static List<String> dispatchTargets() {
    List<String> targets = new ArrayList<>(List.of(GET, GET, RUN_TASK, PUT, GET, PUT, DELETE));
    for (int i = 1; i < Processors.catalog().batchTypeIds().size(); i++) {
      targets.add(RUN_TASK);
    }
    return targets;
  }

  /** The same in a dry run: no RunTask. */
  private static List<String> storeTargets() {
    return List.of(GET, GET, PUT, GET, PUT, DELETE);
  }

  private PrimableHttpClient onlyClient() {
    assertEquals(1, http.size(), "the SDK clients share one HTTP client");
    return http.get(0);
  }

  private FunctionConfig config(boolean dryRun, AwsConnection aws) {
    return new FunctionConfig(
        table, Processors.catalog(), dryRun, EmfMetricsObserver.DEFAULT_NAMESPACE, true, aws);
  }

  private static AwsConnection emulators() {
    return Processors.connection(dynamo.endpoint(), ecs.endpoint());
  }

  private static JsonNode process(PrimedFunction function, String event) throws IOException {
    return JSON.readTree(
        function.processor().process(Fixtures.event(event), Duration.ofSeconds(30)));
  }

  private int scanCount() {
    return dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).count();
  }
}
