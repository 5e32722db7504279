package dev.batchrunner.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.cli.IntakeWorkload.Delivery;
import dev.batchrunner.cli.IntakeWorkload.Kind;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.request.RequestRejectedException;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;

/**
 * The talk's designs side by side on one workload ({@link IntakeWorkload}: 1,000 deliveries, 10%
 * duplicates, 5% invalid), each run for real where this machine can: the function, assembled by
 * {@link FunctionFactory} as in Lambda, against DynamoDB Local and moto's ECS over HTTP, every AWS
 * request counted as it leaves the SDK ({@link AwsCallCounter}). What cannot run here is modelled
 * and said so: the queue between the rule and the function ({@link SqsModel}, in virtual time), and
 * Lambda's asynchronous retries of a failed invocation (2, as the template configures).
 *
 * <p>The counts are asserted (each is exact for this seeded workload); the figures go to {@code
 * target/benchmarks/intake-modes.md} with a price estimate from {@link ListPrices}.
 */
class IntakeModesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SEED = 20261201L;
  private static final Path SHIPPED_CATALOG =
      Fixtures.projectRoot().resolve("function/src/main/resources/batches.json");
  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(180);
  private static final int MAX_RECEIVE_COUNT = 5;
  private static final int ASYNC_RETRIES = 2;
  private static final String REQUESTS_GROUP = "batch-requests";
  private static final int GUARD_PROCESSES = 10;

  /** What each real batch run is taken to last in every mode (the app's own work). */
  static final int APP_MINUTES = 5;

  private static DynamoDbLocal dynamo;
  private static MotoServer moto;
  private static EcsClient ecs;
  private static Ec2Client ec2;
  private static Map<String, Set<String>> containersByFamily;
  private static int tables;

  @BeforeAll
  static void start() throws IOException {
    dynamo = DynamoDbLocal.start();
    if (MotoServer.available()) {
      moto = MotoServer.start();
      ecs = moto.configure(EcsClient.builder()).build();
      ec2 = moto.configure(Ec2Client.builder()).build();
      BatchCatalog draft =
          CatalogLoader.parse(
              SHIPPED_CATALOG.toString(),
              Files.readAllBytes(SHIPPED_CATALOG),
              Fixtures.CATALOG_ENV);
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

  @Test
  void theIntakeModes_onTheSameWorkload_startOneTaskPerDistinctRequest() throws Exception {
    RequiredTool.require(
        MotoServer.available(),
        "IntakeModesIT needs moto's server for ECS: pip install 'moto[server]'");
    List<Delivery> workload = IntakeWorkload.generate(SEED);

    List<ModeResult> results = new ArrayList<>();
    results.add(direct(workload));
    results.add(queued(workload, false));
    results.add(queued(workload, true));
    results.add(ecsDirect(workload));

    for (ModeResult result : results.subList(0, 3)) {
      // The function rejects each invalid request before any AWS call; all the tasks are the
      // distinct requests' (moto's task count), one record each.
      result.invalidStoppedBeforeTask =
          5 * IntakeWorkload.INVALID_EACH
              - Math.max(0, result.tasksStarted - IntakeWorkload.DISTINCT);
      assertTrue(
          result.outcomes.getOrDefault("REJECTED", 0) >= 5 * IntakeWorkload.INVALID_EACH,
          result.toString());
      assertEquals(IntakeWorkload.DISTINCT, result.tasksStarted, result.mode + ": " + result);
      assertEquals(IntakeWorkload.DISTINCT, result.outcomes.get("DISPATCHED"), result.toString());
      assertEquals(IntakeWorkload.DISTINCT, result.records, result.mode + " records");
    }
    ModeResult direct = results.get(0);
    assertEquals(
        IntakeWorkload.TOTAL + ASYNC_RETRIES * 5 * IntakeWorkload.INVALID_EACH,
        direct.lambdaInvocations,
        "one invocation per delivery, plus Lambda's 2 retries of each rejected one");
    ModeResult fifo = results.get(2);
    assertEquals(
        IntakeWorkload.REDELIVERIES + IntakeWorkload.RESENDS_SOON,
        fifo.deduplicatedBeforeTheFunction,
        "FIFO drops EventBridge's redeliveries and the monolith's re-sends inside 5 minutes");

    ModeResult direct2 = results.get(3);
    // EcsDirect: every delivery a rule matches starts a task; the guard lets one per request run,
    // and the requests with a parameter the catalog does not declare: the transformer drops it, so
    // neither the pattern nor the guard can see it (EcsDirectDifference undeclared-parameter).
    assertEquals(
        IntakeWorkload.INVALID_EACH, direct2.invalidRanTheApp, "the undeclared-parameter gap");
    assertEquals(
        IntakeWorkload.DISTINCT + direct2.invalidRanTheApp,
        direct2.guardExits.get(0),
        direct2.toString());
    assertEquals(
        IntakeWorkload.REDELIVERIES + IntakeWorkload.RESENDS_SOON + IntakeWorkload.RESENDS_LATE,
        direct2.guardExits.get(10),
        "every duplicate starts a task whose guard stops it: " + direct2);
    assertEquals(
        direct2.tasksStarted,
        direct2.guardExits.values().stream().mapToInt(Integer::intValue).sum(),
        "one guard per task");
    assertEquals(0, direct2.lambdaInvocations);
    assertEquals(IntakeWorkload.DISTINCT + direct2.invalidRanTheApp, direct2.records);
    assertTrue(
        direct2.invalidStoppedBeforeTask > 0
            && direct2.invalidStoppedBeforeTask < 5 * IntakeWorkload.INVALID_EACH,
        "the patterns stop some invalid requests, not all: " + direct2);
    assertEquals(
        5 * IntakeWorkload.INVALID_EACH - direct2.invalidStoppedBeforeTask,
        direct2.guardExits.getOrDefault(2, 0) + direct2.invalidRanTheApp,
        "the rest start a task: the guard refuses them, or (undeclared parameters) never sees them");

    String report = report(workload, results);
    System.out.println(report);
    Path out = Path.of("target", "benchmarks", "intake-modes.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report);
  }

  // --- Direct: rule -> function (asynchronous invoke) --------------------------------------------

  private ModeResult direct(List<Delivery> workload) throws IOException {
    Mode mode = fresh("Direct");
    ModeResult result = new ModeResult("Direct");
    for (Delivery delivery : workload) {
      mode.clock.advance(Duration.between(mode.clock.instant(), delivery.instant()));
      for (int attempt = 0; attempt <= ASYNC_RETRIES; attempt++) {
        result.lambdaInvocations++;
        long start = System.nanoTime();
        try {
          JsonNode answer =
              JSON.readTree(
                  mode.function.process(
                      delivery.envelope().getBytes(UTF_8), Duration.ofSeconds(30)));
          long nanos = System.nanoTime() - start;
          result.invocationNanos.add(nanos);
          if (delivery.kind() == Kind.FIRST) {
            result.dispatchNanos.add(nanos);
          }
          break;
        } catch (RequestRejectedException e) {
          result.invocationNanos.add(System.nanoTime() - start);
          // Lambda retries a failed asynchronous invocation twice, then sends it to the DLQ.
        }
      }
    }
    return mode.finish(result);
  }

  // --- Queue / FifoQueue: rule -> SQS -> event source mapping -> function ------------------------

  private ModeResult queued(List<Delivery> workload, boolean fifo) throws IOException {
    String name = fifo ? "FifoQueue" : "Queue";
    Mode mode = fresh(name);
    ModeResult result = new ModeResult(name);
    SqsModel queue =
        new SqsModel(fifo, VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT, 10, Duration.ofSeconds(2));
    String queueArn = "arn:aws:sqs:eu-west-1:123456789012:batch-intake" + (fifo ? ".fifo" : "");
    int next = 0;
    Map<String, Integer> sequence = new HashMap<>();
    while (true) {
      Instant batchAt = queue.nextBatchAt();
      Instant sendAt = next < workload.size() ? workload.get(next).instant() : null;
      if (sendAt != null && (batchAt == null || !sendAt.isAfter(batchAt))) {
        Delivery delivery = workload.get(next++);
        // The rule's target: the whole event on a standard queue; on the FIFO queue the input
        // transformer's body (the detail), so that re-sent requests have the same body.
        String body = fifo ? fifoBody(delivery) : delivery.envelope();
        if (!queue.send(body, fifo ? REQUESTS_GROUP : null, sendAt, delivery)) {
          result.deduplicatedBeforeTheFunction++;
        }
        continue;
      }
      if (batchAt == null) {
        break;
      }
      mode.clock.advance(Duration.between(mode.clock.instant(), batchAt));
      List<SqsModel.Message> batch = queue.receive(batchAt);
      if (batch.isEmpty() || result.lambdaInvocations > 10 * IntakeWorkload.TOTAL) {
        throw new AssertionError(
            name + ": the queue model is stuck at " + batchAt + ": " + queue.summary());
      }
      byte[] event = sqsEvent(batch, queueArn, fifo, sequence);
      result.lambdaInvocations++;
      long start = System.nanoTime();
      JsonNode answer = JSON.readTree(mode.function.process(event, Duration.ofSeconds(30)));
      long nanos = System.nanoTime() - start;
      result.invocationNanos.add(nanos);
      Set<String> failed = new HashSet<>();
      answer.get("batchItemFailures").forEach(f -> failed.add(f.get("itemIdentifier").asText()));
      queue.complete(batch, failed, batchAt);
      for (SqsModel.Message message : batch) {
        Delivery delivery = (Delivery) message.tag;
        if (delivery.kind() == Kind.FIRST && !failed.contains(message.id)) {
          result.dispatchNanos.add(nanos);
          result.queueDelays.add(Duration.between(message.sentAt, batchAt));
        }
      }
    }
    result.sqsRequests = queue.requests();
    result.deadLetters = queue.deadLetters().size();
    result.fifo = fifo;
    return mode.finish(result);
  }

  // --- EcsDirect: a rule per batch type -> ECS RunTask -> the guard in the task ------------------

  private ModeResult ecsDirect(List<Delivery> workload) throws Exception {
    Mode mode = fresh("EcsDirect");
    ModeResult result = new ModeResult("EcsDirect");
    Map<String, Object> parameters = new HashMap<>(DirectRulesStack.PARAMETERS);
    for (String placeholder :
        List.of(
            MotoEcsFixture.CLUSTER_ARN,
            MotoEcsFixture.SUBNET_IDS,
            MotoEcsFixture.SECURITY_GROUP_IDS,
            MotoEcsFixture.REPORT_BUCKET_ENV)) {
      parameters.put(
          DirectRules.parameterName(placeholder), mode.env.get(placeholder).replace(" ", ""));
    }
    DirectRulesStack stack =
        DirectRulesStack.of(
            Files.readString(Fixtures.projectRoot().resolve("direct-rules.yaml")), parameters);
    BatchCatalog catalog =
        CatalogLoader.parse(
            SHIPPED_CATALOG.toString(), Files.readAllBytes(SHIPPED_CATALOG), mode.env);
    for (Delivery delivery : workload) {
      mode.clock.advance(Duration.between(mode.clock.instant(), delivery.instant()));
      long start = System.nanoTime();
      List<DirectRulesStack.Delivery> matched = stack.deliver(JSON.readTree(delivery.envelope()));
      if (matched.isEmpty()) {
        if (delivery.kind().invalid()) {
          result.invalidStoppedBeforeTask++;
        }
        continue;
      }
      assertEquals(1, matched.size(), "one rule per batch type");
      DirectRulesStack.Delivery target = matched.get(0);
      String taskArn = runTask(target);
      result.dispatchNanos.add(System.nanoTime() - start);

      // The guard, first in the task: its container's overrides, the task's own ARN (which ECS's
      // metadata endpoint gives it in a real task), the function's table and catalog.
      Map<String, String> env = guardEnvironment(mode.env, catalog, delivery, target, taskArn);
      long guardStart = System.nanoTime();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit =
          BatchRunnerCli.execute(
              new String[] {"guard"},
              env,
              mode.clock,
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      result.guardNanos.add(System.nanoTime() - guardStart);
      result.guardExits.merge(exit, 1, Integer::sum);
      if (exit == 0 && delivery.kind().invalid()) {
        result.invalidRanTheApp++;
      }
      if (exit == 0 && delivery.kind().duplicate()) {
        throw new AssertionError("a duplicate's guard let the app run: " + delivery + " " + out);
      }
      if (exit == 1) {
        throw new AssertionError("the guard could not claim: " + out + err);
      }
    }
    ModeResult finished = mode.finish(result);
    guardProcesses(workload, stack, catalog, mode.env, finished);
    return finished;
  }

  /**
   * The guard as ECS runs it, apart from the counted run (its AWS calls leave another JVM, and it
   * tells time by the real clock): a JVM of its own with the Dockerfile's flags over the packaged
   * CLI jar, for the first requests of the workload, each claiming in a table of its own run.
   */
  private void guardProcesses(
      List<Delivery> workload,
      DirectRulesStack stack,
      BatchCatalog catalog,
      Map<String, String> modeEnv,
      ModeResult result)
      throws Exception {
    String table = "intake-guard-processes-" + ++tables;
    dynamo.createIdempotencyTable(table);
    List<Delivery> firsts =
        workload.stream().filter(d -> d.kind() == Kind.FIRST).limit(GUARD_PROCESSES).toList();
    int task = 0;
    for (Delivery delivery : firsts) {
      DirectRulesStack.Delivery target = stack.deliver(JSON.readTree(delivery.envelope())).get(0);
      Map<String, String> env =
          guardEnvironment(
              modeEnv,
              catalog,
              delivery,
              target,
              "arn:aws:ecs:eu-west-1:123456789012:task/batch-runner-test/process-" + ++task);
      env.put("IDEMPOTENCY_TABLE", table);
      long start = System.nanoTime();
      GuardProcessIT.Run run = GuardProcessIT.await(GuardProcessIT.start(env));
      result.guardProcessNanos.add(System.nanoTime() - start);
      assertEquals(0, run.code(), run.toString());
    }
  }

  /**
   * The guard's environment in the task a rule started for {@code delivery}: the mode's (table,
   * catalog, endpoints), the overrides of the container the guard runs in (the batch's guard
   * sidecar, else its app container, wrapped) and the task's own ARN.
   */
  private static Map<String, String> guardEnvironment(
      Map<String, String> modeEnv,
      BatchCatalog catalog,
      Delivery delivery,
      DirectRulesStack.Delivery target,
      String taskArn)
      throws IOException {
    String batchTypeId = JSON.readTree(delivery.detail()).path("batchTypeId").asText();
    BatchDefinition batch = catalog.find(batchTypeId).orElseThrow();
    String guardContainer =
        batch.container().guardContainer() != null
            ? batch.container().guardContainer()
            : batch.container().name();
    Map<String, String> env = new HashMap<>(modeEnv);
    env.putAll(DirectRulesStack.Delivery.environment(target.container(guardContainer)));
    env.put("BATCH_RUNNER_TASK_ARN", taskArn);
    return env;
  }

  /** EventBridge's RunTask for a matched rule: its EcsParameters, the transformer's overrides. */
  private static String runTask(DirectRulesStack.Delivery target) {
    Map<String, Object> ecsTarget = target.rule().target();
    Map<String, Object> parameters = target.rule().ecsParameters();
    String taskDefinitionArn = (String) parameters.get("TaskDefinitionArn");
    // moto resolves a task definition by family: EventBridge's revisionless ARN names the latest.
    String family = taskDefinitionArn.substring(taskDefinitionArn.lastIndexOf('/') + 1);
    List<ContainerOverride> overrides = new ArrayList<>();
    for (JsonNode container : target.overrides().get("containerOverrides")) {
      List<KeyValuePair> environment = new ArrayList<>();
      DirectRulesStack.Delivery.environment(container)
          .forEach((k, v) -> environment.add(KeyValuePair.builder().name(k).value(v).build()));
      overrides.add(
          ContainerOverride.builder()
              .name(container.get("name").asText())
              .environment(environment)
              .command(DirectRulesStack.Delivery.command(container))
              .build());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> network =
        (Map<String, Object>)
            ((Map<String, Object>) parameters.get("NetworkConfiguration"))
                .get("AwsVpcConfiguration");
    @SuppressWarnings("unchecked")
    List<String> subnets = (List<String>) network.get("Subnets");
    @SuppressWarnings("unchecked")
    List<String> securityGroups = (List<String>) network.get("SecurityGroups");
    String startedBy = "events-rule/" + target.rule().logicalId();
    return ecs.runTask(
            b ->
                b.cluster((String) ecsTarget.get("Arn"))
                    .taskDefinition(family)
                    .launchType((String) parameters.get("LaunchType"))
                    .networkConfiguration(
                        n ->
                            n.awsvpcConfiguration(
                                a -> a.subnets(subnets).securityGroups(securityGroups)))
                    .overrides(o -> o.containerOverrides(overrides))
                    // ECS keeps 36 characters of startedBy.
                    .startedBy(startedBy.substring(0, Math.min(36, startedBy.length())))
                    .count(1))
        .tasks()
        .get(0)
        .taskArn();
  }

  /**
   * What the FIFO rule's input transformer (template.yaml) sends: the envelope without id and time.
   */
  private static String fifoBody(Delivery delivery) {
    return "{\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\",\"detail\":"
        + delivery.detail()
        + "}";
  }

  /** The event source mapping's invocation for {@code batch}, as Lambda builds it. */
  private static byte[] sqsEvent(
      List<SqsModel.Message> batch, String queueArn, boolean fifo, Map<String, Integer> sequence) {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (SqsModel.Message message : batch) {
      ObjectNode record = records.addObject();
      record.put("messageId", message.id);
      record.put("receiptHandle", "rh-" + message.id + "-" + message.receiveCount);
      record.put("body", message.body);
      ObjectNode attributes = record.putObject("attributes");
      attributes.put("ApproximateReceiveCount", Integer.toString(message.receiveCount));
      attributes.put("SentTimestamp", Long.toString(message.sentAt.toEpochMilli()));
      if (fifo) {
        attributes.put("MessageGroupId", message.group);
        attributes.put("MessageDeduplicationId", SqsModel.sha256(message.body));
        attributes.put(
            "SequenceNumber",
            Integer.toString(sequence.computeIfAbsent(message.id, k -> sequence.size() + 1)));
      }
      record.putObject("messageAttributes");
      record.put("eventSource", "aws:sqs");
      record.put("eventSourceARN", queueArn);
      record.put("awsRegion", "eu-west-1");
    }
    return event.toString().getBytes(UTF_8);
  }

  // --- the environment of one mode ---------------------------------------------------------------

  private final class Mode {
    final MutableClock clock = new MutableClock(IntakeWorkload.epoch());
    final Map<String, String> env;
    final String table;
    final EventProcessor function;

    final Map<String, Integer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();

    Mode(Map<String, String> env, String table) {
      this.env = env;
      this.table = table;
      // Every request's outcome, as the function's log line and metrics see it.
      this.function =
          FunctionFactory.assemble(
                  FunctionConfig.fromEnvironment(env),
                  FunctionFactory.Options.builder()
                      .clock(clock)
                      .observer(
                          summary -> outcomes.merge(summary.outcome().name(), 1, Integer::sum))
                      .build())
              .processor();
    }

    ModeResult finish(ModeResult result) {
      result.outcomes.putAll(outcomes);
      result.calls = AwsCallCounter.snapshot();
      result.tasksStarted =
          (int)
              ecs
                  .listTasksPaginator(b -> b.cluster(env.get(MotoEcsFixture.CLUSTER_ARN)))
                  .taskArns()
                  .stream()
                  .count();
      result.records =
          dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).items().size();
      return result;
    }
  }

  private Mode fresh(String name) {
    moto.reset();
    String table = "intake-" + name.toLowerCase(Locale.ROOT) + "-" + ++tables;
    dynamo.createIdempotencyTable(table);
    Map<String, String> env = new HashMap<>(MotoEcsFixture.provision(ecs, ec2, containersByFamily));
    env.put("IDEMPOTENCY_TABLE", table);
    env.put("BATCH_CATALOG", SHIPPED_CATALOG.toString());
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("AWS_ACCESS_KEY_ID", "local");
    env.put("AWS_SECRET_ACCESS_KEY", "local");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
    env.put("AWS_ENDPOINT_URL_ECS", moto.endpoint().toString());
    Mode mode = new Mode(env, table);
    // Only the mode's own requests count: not the set-up's.
    AwsCallCounter.reset();
    return mode;
  }

  // --- results
  // -------------------------------------------------------------------------------------

  static final class ModeResult {
    final String mode;
    final Map<String, Integer> outcomes = new TreeMap<>();
    final List<Long> invocationNanos = new ArrayList<>();
    final List<Long> dispatchNanos = new ArrayList<>();
    final List<Duration> queueDelays = new ArrayList<>();
    final List<Long> guardNanos = new ArrayList<>();
    final List<Long> guardProcessNanos = new ArrayList<>();
    final Map<Integer, Integer> guardExits = new TreeMap<>();
    int invalidRanTheApp;
    Map<String, Long> calls = Map.of();
    int tasksStarted;
    int records;
    int invalidStoppedBeforeTask;
    int lambdaInvocations;
    int sqsRequests;
    int deadLetters;
    int deduplicatedBeforeTheFunction;
    boolean fifo;

    ModeResult(String mode) {
      this.mode = mode;
    }

    long dynamoReads() {
      return sum("DynamoDb.GetItem", "DynamoDb.Query", "DynamoDb.BatchGetItem", "DynamoDb.Scan");
    }

    long dynamoWrites() {
      return sum("DynamoDb.PutItem", "DynamoDb.DeleteItem", "DynamoDb.UpdateItem");
    }

    private long sum(String... keys) {
      long total = 0;
      for (String key : keys) {
        total += calls.getOrDefault(key, 0L);
      }
      return total;
    }

    /** Tasks that ran the app bill its minutes; the others (stopped by the guard) the minimum. */
    double fargateTaskMinutes(int appRuns) {
      return appRuns * (double) APP_MINUTES + (tasksStarted - appRuns);
    }

    double meanInvocationSeconds() {
      return invocationNanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e9;
    }

    /**
     * The apps that ran: every task in the function's modes, the guard's go-aheads in EcsDirect.
     */
    int appRuns() {
      return guardExits.isEmpty() ? tasksStarted : guardExits.getOrDefault(0, 0);
    }

    /** Each task's RUNNING and STOPPED events, one invocation each, in every mode. */
    int lifecycleInvocations() {
      return 2 * tasksStarted;
    }

    /**
     * @param lifecycleSeconds what one task state change invocation is taken to last
     */
    double cost(int appRuns, double lifecycleSeconds) {
      double lambda =
          (lambdaInvocations + lifecycleInvocations()) * ListPrices.LAMBDA_PER_REQUEST
              + (lambdaInvocations * meanInvocationSeconds()
                      + lifecycleInvocations() * lifecycleSeconds)
                  * ListPrices.LAMBDA_MEMORY_GB
                  * ListPrices.LAMBDA_PER_GB_SECOND;
      double dynamodb =
          dynamoWrites() * ListPrices.DYNAMODB_PER_WRITE
              + dynamoReads() * ListPrices.DYNAMODB_PER_READ;
      double sqs =
          sqsRequests
              * (fifo ? ListPrices.SQS_FIFO_PER_REQUEST : ListPrices.SQS_STANDARD_PER_REQUEST);
      double fargate = fargateTaskMinutes(appRuns) * ListPrices.fargatePerTaskMinute();
      return lambda + dynamodb + sqs + fargate;
    }

    @Override
    public String toString() {
      return mode
          + " tasks="
          + tasksStarted
          + " records="
          + records
          + " invocations="
          + lambdaInvocations
          + " outcomes="
          + outcomes
          + " calls="
          + calls
          + " sqs="
          + sqsRequests
          + " deduplicated="
          + deduplicatedBeforeTheFunction
          + " deadLetters="
          + deadLetters
          + " guardExits="
          + guardExits
          + " invalidRanTheApp="
          + invalidRanTheApp;
    }
  }

  static String millis(List<Long> nanos, double quantile) {
    if (nanos.isEmpty()) {
      return "n/a";
    }
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(Long::compare);
    long value =
        sorted.get((int) Math.min(sorted.size() - 1, Math.floor(quantile * sorted.size())));
    return String.format(Locale.ROOT, "%.1f", value / 1e6);
  }

  static String seconds(List<Duration> delays, double quantile) {
    if (delays.isEmpty()) {
      return "n/a";
    }
    List<Duration> sorted = new ArrayList<>(delays);
    sorted.sort(Duration::compareTo);
    Duration value =
        sorted.get((int) Math.min(sorted.size() - 1, Math.floor(quantile * sorted.size())));
    return String.format(Locale.ROOT, "%.0f s", value.toMillis() / 1000.0);
  }

  private static String report(List<Delivery> workload, List<ModeResult> results) {
    Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
    workload.forEach(d -> kinds.merge(d.kind(), 1, Integer::sum));
    StringBuilder out = new StringBuilder();
    out.append("# Intake modes on one workload (IntakeModesIT, seed ").append(SEED).append(")\n\n");
    out.append("Workload: ").append(kinds).append("\n\n");
    Map<String, List<String>> rows = new LinkedHashMap<>();
    double lifecycleSeconds = results.get(0).meanInvocationSeconds();
    for (ModeResult r : results) {
      int appRuns = r.appRuns();
      row(rows, "tasks started", Integer.toString(r.tasksStarted));
      row(rows, "of which ran the app", Integer.toString(appRuns));
      row(rows, "invalid requests stopped before any task", r.invalidStoppedBeforeTask + " of 50");
      row(
          rows,
          "guard exits 0 / 10 / 2 / 1",
          r.guardExits.isEmpty()
              ? "no guard"
              : r.guardExits.getOrDefault(0, 0)
                  + " / "
                  + r.guardExits.getOrDefault(10, 0)
                  + " / "
                  + r.guardExits.getOrDefault(2, 0)
                  + " / "
                  + r.guardExits.getOrDefault(1, 0));
      row(
          rows,
          "duplicates removed before the function",
          Integer.toString(r.deduplicatedBeforeTheFunction));
      row(rows, "Lambda invocations for requests", Integer.toString(r.lambdaInvocations));
      row(
          rows,
          "Lambda invocations for task state changes (2 per task)",
          Integer.toString(r.lifecycleInvocations()));
      row(rows, "DynamoDB reads / writes", r.dynamoReads() + " / " + r.dynamoWrites());
      row(rows, "SQS requests", Integer.toString(r.sqsRequests));
      row(
          rows,
          "Fargate task-minutes billed",
          String.format(Locale.ROOT, "%.0f", r.fargateTaskMinutes(appRuns)));
      row(
          rows,
          "cost per 1,000 requests (USD)",
          String.format(Locale.ROOT, "%.4f", r.cost(appRuns, lifecycleSeconds)));
      row(
          rows,
          "of which beyond the 850 batch runs themselves (USD)",
          String.format(
              Locale.ROOT,
              "%.4f",
              r.cost(appRuns, lifecycleSeconds)
                  - IntakeWorkload.DISTINCT * APP_MINUTES * ListPrices.fargatePerTaskMinute()));
      row(
          rows,
          "monthly at 1,000 a day (USD)",
          String.format(Locale.ROOT, "%.2f", 30 * r.cost(appRuns, lifecycleSeconds)));
      row(
          rows,
          "event to RunTask, p50 / p95 (ms, emulators)",
          millis(r.dispatchNanos, 0.5) + " / " + millis(r.dispatchNanos, 0.95));
      row(
          rows,
          "queue wait, p50 / p95 / max (model)",
          seconds(r.queueDelays, 0.5)
              + " / "
              + seconds(r.queueDelays, 0.95)
              + " / "
              + seconds(r.queueDelays, 1.0));
      row(
          rows,
          "guard's check and claim before the app starts, p50 / p95 (ms, in-process)",
          r.guardNanos.isEmpty()
              ? "n/a"
              : millis(r.guardNanos, 0.5) + " / " + millis(r.guardNanos, 0.95));
      row(
          rows,
          "the guard as its own process (JVM start, check, claim), p50 / max of "
              + GUARD_PROCESSES
              + " (ms)",
          r.guardProcessNanos.isEmpty()
              ? "n/a"
              : millis(r.guardProcessNanos, 0.5) + " / " + millis(r.guardProcessNanos, 1.0));
      row(
          rows,
          "what the batch app must contain",
          r.guardExits.isEmpty()
              ? "nothing: it reads its environment"
              : "the guard (a sidecar container or its entrypoint wrapper), GuardPolicy on its task"
                  + " role, the catalog and the table's name");
      row(rows, "function outcomes", r.outcomes.isEmpty() ? "none" : r.outcomes.toString());
    }
    out.append("| |");
    results.forEach(r -> out.append(' ').append(r.mode).append(" |"));
    out.append("\n|---|");
    results.forEach(r -> out.append("---|"));
    out.append('\n');
    rows.forEach(
        (name, values) -> {
          out.append("| ").append(name).append(" |");
          values.forEach(v -> out.append(' ').append(v).append(" |"));
          out.append('\n');
        });
    out.append("\nPrices: ").append(ListPrices.AS_OF).append(". Raw counts:\n\n");
    results.forEach(r -> out.append("- ").append(r).append('\n'));
    return out.toString();
  }

  private static void row(Map<String, List<String>> rows, String name, String value) {
    rows.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }
}
