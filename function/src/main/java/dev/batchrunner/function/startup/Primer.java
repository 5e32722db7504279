package dev.batchrunner.function.startup;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskFollower;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.lifecycle.TaskTransition;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.Invocation;
import dev.batchrunner.function.event.LifecycleTaskEventHandler;
import dev.batchrunner.function.event.ParsedRequest;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import dev.batchrunner.function.observability.EmfTaskMetrics;
import dev.batchrunner.function.observability.LoggingTaskObserver;
import dev.batchrunner.function.observability.jsonlog.JsonLineWriter;
import dev.batchrunner.function.observability.jsonlog.JsonLoggerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.helpers.NOPLogger;

/**
 * Runs every per-request code path once, with nothing leaving the machine and no output: event
 * parsing (every shape, an ECS task state change included, directly and in SQS), the dispatcher,
 * the key, the RunTask request, and the real DynamoDB and ECS clients (marshalling, endpoint rules,
 * signing, the real HTTP client over loopback, unmarshalling) against canned HTTP answers (see
 * {@link PrimableHttpClient}), then the JSON log writer and the metrics serializer. The first real
 * request finds its classes loaded and initialised. It runs during init and, with SnapStart, before
 * the snapshot.
 */
public final class Primer {
  /**
   * A Fargate task as RunTask answers for it (attachments, containers, overrides, ephemeral
   * storage): the first real answer's unmarshalling then finds the classes of all its parts loaded.
   */
  static final String RUN_TASK_ANSWER =
      "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/priming/0\","
          + "\"clusterArn\":\"arn:aws:ecs:us-east-1:000000000000:cluster/priming\","
          + "\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:000000000000:task-definition/p:1\","
          + "\"attachments\":[{\"id\":\"priming\",\"type\":\"ElasticNetworkInterface\","
          + "\"status\":\"PRECREATED\",\"details\":[{\"name\":\"subnetId\","
          + "\"value\":\"subnet-0\"}]}],"
          + "\"attributes\":[{\"name\":\"ecs.cpu-architecture\",\"value\":\"x86_64\"}],"
          + "\"availabilityZone\":\"us-east-1a\",\"capacityProviderName\":\"FARGATE\","
          + "\"containers\":[{\"containerArn\":\"arn:aws:ecs:us-east-1:000000000000:container/p\","
          + "\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/priming/0\","
          + "\"name\":\"app\",\"image\":\"priming\",\"lastStatus\":\"PENDING\","
          + "\"networkInterfaces\":[],\"networkBindings\":[],\"managedAgents\":[],"
          + "\"cpu\":\"0\",\"memory\":\"512\"}],"
          + "\"cpu\":\"256\",\"memory\":\"512\",\"createdAt\":1.767225600E9,"
          + "\"desiredStatus\":\"RUNNING\",\"enableExecuteCommand\":false,"
          + "\"ephemeralStorage\":{\"sizeInGiB\":20},\"group\":\"family:priming\","
          + "\"lastStatus\":\"PROVISIONING\",\"launchType\":\"FARGATE\","
          + "\"overrides\":{\"containerOverrides\":[{\"name\":\"app\",\"environment\":["
          + "{\"name\":\"TRACE_ID\",\"value\":\"priming\"}]}],\"inferenceAcceleratorOverrides\":[]},"
          + "\"platformVersion\":\"1.4.0\",\"platformFamily\":\"Linux\",\"startedBy\":\"batch-runner\","
          + "\"tags\":[{\"key\":\"batch-runner:batch-type\",\"value\":\"priming\"}],"
          + "\"version\":1}],\"failures\":[]}";

  /** The canned answers: a started task for RunTask, an empty success for DynamoDB writes. */
  public static final java.util.function.Function<String, String> ANSWERS =
      target -> target.endsWith(".RunTask") ? RUN_TASK_ANSWER : "{}";

  /**
   * A batch-runner task's STOPPED event, as ECS sends it: what the first task state change after a
   * cold start parses (timestamps, exit codes, override environment) is loaded by then.
   */
  static final String TASK_EVENT =
      "{\"version\":\"0\",\"id\":\"priming\",\"detail-type\":\"ECS Task State Change\","
          + "\"source\":\"aws.ecs\",\"account\":\"000000000000\",\"time\":\"2026-01-01T00:00:09Z\","
          + "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{"
          + "\"clusterArn\":\"arn:aws:ecs:us-east-1:000000000000:cluster/priming\","
          + "\"containers\":[{\"name\":\"app\",\"lastStatus\":\"STOPPED\",\"exitCode\":0},"
          + "{\"name\":\"sidecar\",\"lastStatus\":\"STOPPED\",\"reason\":\"priming\"}],"
          + "\"createdAt\":\"2026-01-01T00:00:00.000Z\",\"desiredStatus\":\"STOPPED\","
          + "\"group\":\"family:priming\",\"lastStatus\":\"STOPPED\","
          + "\"overrides\":{\"containerOverrides\":[{\"name\":\"app\",\"environment\":["
          + "{\"name\":\"IDEMPOTENCY_KEY\",\"value\":\"priming#0\"}]}]},"
          + "\"startedAt\":\"2026-01-01T00:00:01.000Z\",\"startedBy\":\"batch-runner\","
          + "\"stopCode\":\"EssentialContainerExited\",\"stoppedAt\":\"2026-01-01T00:00:09.000Z\","
          + "\"stoppedReason\":\"Essential container in task exited\","
          + "\"stoppingAt\":\"2026-01-01T00:00:08.000Z\","
          + "\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/priming/0\","
          + "\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:000000000000:task-definition/priming:1\","
          + "\"version\":5}}";

  private Primer() {}

  /**
   * Primes the paths through the given (real) store and launcher, whose SDK clients use {@code
   * http}; returns the number of canned calls made (over loopback or from memory). When it returns,
   * {@code http}'s loopback responders and their connections are closed.
   */
  public static int prime(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      List<PrimableHttpClient> http) {
    http.forEach(PrimableHttpClient::startPriming);
    try {
      EventProcessor quiet =
          new EventProcessor(
              new EventParser(() -> "priming"),
              new BatchDispatcher(catalog, store, launcher, Clock.systemUTC(), () -> "priming"),
              summary -> {},
              new LifecycleTaskEventHandler(
                  new TaskFollower(
                      catalog, store, launcher, null, Clock.systemUTC(), () -> "priming"),
                  new LoggingTaskObserver(NOPLogger.NOP_LOGGER)));
      primeParsing(quiet);
      primeDispatch(catalog, store, launcher);
      primeOutput();
      return http.stream().mapToInt(PrimableHttpClient::cannedCalls).sum();
    } finally {
      http.forEach(PrimableHttpClient::endPriming);
    }
  }

  /**
   * Every input shape; an unknown batch type is refused before any AWS call, and the task event
   * goes to a handler that logs nowhere.
   */
  private static void primeParsing(EventProcessor processor) {
    String request = "{\"batchTypeId\":\"(priming)\",\"parameters\":{\"n\":1.5,\"s\":\"x\"}}";
    String envelope =
        "{\"version\":\"0\",\"id\":\"priming\",\"detail-type\":\"Batch Requested\","
            + "\"source\":\"priming\",\"detail\":"
            + request
            + "}";
    for (String event : List.of(request, envelope, TASK_EVENT)) {
      try {
        processor.process(event.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
      } catch (RuntimeException expected) {
        // RequestRejectedException for the unknown batch type
      }
    }
    String sqs =
        "{\"Records\":[{\"messageId\":\"priming\",\"body\":\""
            + new String(JsonStringEncoder.getInstance().quoteAsString(envelope))
            + "\"},{\"messageId\":\"priming-task\",\"body\":\""
            + new String(JsonStringEncoder.getInstance().quoteAsString(TASK_EVENT))
            + "\"}]}";
    processor.process(sqs.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
  }

  /**
   * Each batch type's RunTask request and lifecycle decision, and (once) the record's claim, read,
   * update and release.
   */
  private static void primeDispatch(
      BatchCatalog catalog, IdempotencyStore store, TaskLauncher launcher) {
    Instant now = Instant.now();
    TaskStateChange stopped =
        ((ParsedRequest.TaskEvent)
                ((Invocation.Direct)
                        new EventParser(() -> "priming")
                            .parse(TASK_EVENT.getBytes(StandardCharsets.UTF_8)))
                    .request())
            .change();
    boolean storePrimed = false;
    for (String id : catalog.batchTypeIds()) {
      BatchDefinition batch = catalog.find(id).orElseThrow();
      Map<String, String> parameters = new TreeMap<>();
      for (ParameterSpec spec : batch.parameters().values()) {
        parameters.put(spec.name(), spec.defaultValue() == null ? "priming" : spec.defaultValue());
      }
      IdempotencyKey key = IdempotencyKey.of(id, parameters, null);
      TaskLaunch launch = TaskLaunchFactory.build(batch, parameters, key, "priming");
      TaskLaunchFactory.overridesLength(launch);
      // Each batch type's RunTask body is its own (overrides, command, network); the record's
      // item is the same shape for all, so the store's calls run for the first batch type only.
      launcher.launch(launch);
      if (!storePrimed) {
        primeStore(store, batch, key, parameters, now);
        storePrimed = true;
      }
      // The lifecycle's decision on a STOPPED event of this batch's task, and the next attempt.
      LifecycleState running = LifecycleState.claimed().dispatched(stopped.task().taskArn());
      TaskTransition.apply(running, stopped, batch);
      TaskTransition.apply(running.nextAttempt(), stopped, batch);
      TaskLaunchFactory.overridesLength(
          launch.withClientToken(IdempotencyKey.clientToken(key.hash(), 2)));
    }
  }

  /** The record's claim, read, conditional replace and release, as one dispatch makes them. */
  private static void primeStore(
      IdempotencyStore store,
      BatchDefinition batch,
      IdempotencyKey key,
      Map<String, String> parameters,
      Instant now) {
    IdempotencyRecord claim =
        IdempotencyRecord.builder()
            .id(key.id())
            .batchTypeId(batch.id())
            .status(RequestStatus.IN_PROGRESS)
            .traceId("priming")
            .requestHash(key.requestHash())
            .parameters(parameters)
            .createdAt(now)
            .expiresAt(now.plus(batch.idempotencyWindow()))
            .inProgressUntil(now.plusSeconds(60))
            .claimId("priming")
            .revision("priming")
            .build();
    store.claim(claim, now);
    store.find(key.id());
    IdempotencyRecord dispatched =
        claim.with(claim.lifecycle().dispatched("priming")).toBuilder()
            .revision("priming-2")
            .build();
    store.replace(dispatched, claim.revision());
    store.release(key.id(), "priming");
  }

  /**
   * A log line through the fluent API (key-value pairs, a list and a map among them, and a {@code
   * {}} argument) and the metrics serializer, writing nowhere.
   */
  private static void primeOutput() {
    new JsonLoggerFactory(name -> null, JsonLineWriter.nowhere())
        .getLogger("batch-runner.request")
        .atInfo()
        .addKeyValue("taskArns", List.of("priming"))
        .addKeyValue("parameters", Map.of("p", "v"))
        .log("priming {}", "output");
    new EmfTaskMetrics("Priming", line -> {}, Clock.systemUTC())
        .handled(
            null,
            new TaskEventOutcome(
                TaskEventOutcome.Kind.SUCCEEDED,
                "priming",
                "priming",
                "priming#0",
                "priming",
                RequestStatus.SUCCEEDED,
                Attempt.pending(1),
                null,
                null),
            new RequestSummary.Delivery("priming", null));
    new EmfMetricsObserver("Priming", line -> {}, Clock.systemUTC())
        .completed(
            RequestSummary.completed(
                null,
                new DispatchOutcome.Dispatched(
                    "priming", "priming", "priming#0", List.of("priming"), false),
                new RequestSummary.Delivery("priming", null),
                1));
  }
}
