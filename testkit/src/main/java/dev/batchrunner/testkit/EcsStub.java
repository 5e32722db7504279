package dev.batchrunner.testkit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.batchrunner.emulators.DynamoDbLocal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * A WireMock server speaking ECS's JSON protocol for RunTask (plus DescribeTasks and StopTask),
 * with ECS's documented clientToken semantics and a task lifecycle tests drive by hand.
 *
 * <p>clientToken: per cluster, the same token with the same request returns the task started the
 * first time; the same token with a different request is a {@code ConflictException} whose {@code
 * resourceIds} name that task. Both hold only while ECS remembers the token: {@link #TOKEN_MEMORY}
 * (24 hours) after its first use, or until {@link #TOKEN_MEMORY_AFTER_STOP} (one hour) after its
 * task stopped, whichever is shorter. After that the same token starts a new task, as real ECS
 * does. Time is the stub's {@link Clock} ({@link #useClock}), so tests can jump it.
 *
 * <p>Lifecycle: every task starts {@code PROVISIONING} at version 1; {@link #run} and {@link #stop}
 * move it on, each bumping its {@code version}; {@link #stateChangeEvent} renders its current state
 * as the "ECS Task State Change" event EventBridge would deliver. Responses can be scripted ahead
 * (failures[], throttling, 5xx). All state is guarded by one lock: tests call it from many threads,
 * and other JVMs over HTTP.
 */
public final class EcsStub implements AutoCloseable {
  public static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";

  /** How long ECS remembers a clientToken at most (API reference, "Ensuring idempotency"). */
  public static final Duration TOKEN_MEMORY = Duration.ofHours(24);

  /** How long ECS remembers a clientToken after its task stopped, if that comes first. */
  public static final Duration TOKEN_MEMORY_AFTER_STOP = Duration.ofHours(1);

  public static final String ACCOUNT = "123456789012";
  public static final String REGION = "eu-west-1";
  public static final String EVENT_SOURCE = "aws.ecs";
  public static final String EVENT_DETAIL_TYPE = "ECS Task State Change";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ARN_PREFIX = "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":";
  // ECS writes detail times with milliseconds, EventBridge the envelope's time in seconds.
  private static final DateTimeFormatter DETAIL_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter EVENT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private final WireMockServer server;
  private final Clock startClock;
  private final Behaviour behaviour;

  private EcsStub(Clock clock) {
    startClock = Objects.requireNonNull(clock, "clock");
    behaviour = new Behaviour(clock);
    server =
        new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(behaviour));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
  }

  /** A stub on the system clock. */
  public static EcsStub start() {
    return new EcsStub(Clock.systemUTC());
  }

  /** A stub whose token memory and task times follow this clock. */
  public static EcsStub start(Clock clock) {
    return new EcsStub(clock);
  }

  /**
   * From now on, token memory and task times follow this clock (for a stub shared by a test class);
   * {@link #reset()} goes back to the clock the stub started with.
   */
  public void useClock(Clock clock) {
    behaviour.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The clock the stub reads now. */
  public Clock clock() {
    return behaviour.clock;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /** An ECS client for this stub; SDK retries off unless asked for, so counts are exact. */
  public EcsClient client(boolean sdkRetries) {
    return EcsClient.builder()
        .endpointOverride(endpoint())
        .region(DynamoDbLocal.REGION)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(
                    sdkRetries
                        ? software.amazon.awssdk.awscore.retry.AwsRetryStrategy
                            .standardRetryStrategy()
                        : software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry())
                .build())
        .build();
  }

  /** Every RunTask request body received, in order (scripted answers included). */
  public List<JsonNode> runTaskRequests() {
    return List.copyOf(behaviour.requests);
  }

  /** The number of RunTask calls received. */
  public int runTaskCount() {
    return behaviour.requests.size();
  }

  /** The ARNs of the distinct tasks started, in order. */
  public List<String> startedTaskArns() {
    return List.copyOf(behaviour.started);
  }

  /** The number of distinct tasks started (what ECS would bill). */
  public int tasksStarted() {
    return behaviour.started.size();
  }

  /** Answers the next RunTask call with this status and body instead of starting a task. */
  public void scriptNext(int status, String body) {
    behaviour.scripted.add(new Scripted(status, body));
  }

  /** Answers the next RunTask call with a 200 whose failures[] has this reason. */
  public void scriptFailure(String reason) {
    scriptNext(
        200,
        "{\"tasks\":[],\"failures\":[{\"arn\":\"arn:aws:ecs:eu-west-1:123456789012:container-instance/x\",\"reason\":\""
            + reason
            + "\"}]}");
  }

  /** Answers the next RunTask call with an ECS error of this type. */
  public void scriptError(int status, String type, String message) {
    scriptNext(status, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
  }

  /** Delays every RunTask answer, so concurrent duplicates overlap with the first dispatch. */
  public void delay(int millis) {
    behaviour.delayMillis = millis;
  }

  /**
   * Answers this share of RunTask calls (chosen by a seeded random) with a ThrottlingException, the
   * way ECS does under its RunTask rate limit.
   */
  public void throttle(double share, long seed) {
    behaviour.random = new java.util.Random(seed);
    behaviour.throttleShare = share;
  }

  /** The number of RunTask calls answered with a throttling error. */
  public int throttled() {
    return behaviour.throttled.get();
  }

  /**
   * Tasks started from now on also run these containers beside the ones their overrides name (a log
   * router, an agent), so tests can tell the app container's exit code from a sidecar's.
   */
  public void sidecars(String... containerNames) {
    behaviour.sidecars = List.of(containerNames);
  }

  /** The tasks started, in order, as they are now. */
  public List<Task> tasks() {
    return behaviour.tasks();
  }

  /** The task with this ARN as it is now. */
  public Task task(String taskArn) {
    return behaviour.task(taskArn);
  }

  /** Moves a PROVISIONING task to RUNNING (startedAt = the clock's now, version + 1). */
  public Task run(String taskArn) {
    return behaviour.run(taskArn);
  }

  /**
   * Stops a task (STOPPED, desired STOPPED, stoppedAt = the clock's now, version + 1); its token is
   * remembered for one more hour at most.
   *
   * @param exitCodeByContainer the exit code of each container that ran and exited; empty for a
   *     task that never ran (a container that never ran has no exit code, so giving one for a task
   *     that never reached RUNNING is refused)
   * @param stopCode ECS's stop code, e.g. {@code EssentialContainerExited}, {@code
   *     TaskFailedToStart}, {@code SpotInterruption}, {@code UserInitiated}
   */
  public Task stop(
      String taskArn,
      Map<String, Integer> exitCodeByContainer,
      String stopCode,
      String stoppedReason) {
    return stop(taskArn, exitCodeByContainer, stopCode, stoppedReason, Map.of());
  }

  /** {@link #stop(String, Map, String, String)} with each container's own {@code reason}. */
  public Task stop(
      String taskArn,
      Map<String, Integer> exitCodeByContainer,
      String stopCode,
      String stoppedReason,
      Map<String, String> reasonByContainer) {
    return behaviour.stop(taskArn, exitCodeByContainer, stopCode, stoppedReason, reasonByContainer);
  }

  /**
   * The "ECS Task State Change" event for this task's current state, as EventBridge delivers it to
   * a Lambda function or an SQS queue: envelope ({@code version} "0", {@code id}, {@code
   * detail-type}, {@code source} aws.ecs, {@code account}, {@code time}, {@code region}, {@code
   * resources}) and {@code detail} with ECS's field names; times are ISO-8601 strings, {@code
   * version} a number, a container's {@code exitCode} absent unless it ran and exited.
   */
  public String stateChangeEvent(String taskArn) {
    return behaviour.stateChangeEvent(taskArn).toString();
  }

  /** Forgets requests, tokens, tasks, scripts, delay, throttling and sidecars; the start clock. */
  public void reset() {
    behaviour.delayMillis = 0;
    behaviour.throttleShare = 0;
    behaviour.throttled.set(0);
    behaviour.requests.clear();
    behaviour.scripted.clear();
    behaviour.sidecars = List.of();
    behaviour.clock = startClock;
    behaviour.forgetTasks();
    server.resetRequests();
  }

  @Override
  public void close() {
    server.stop();
  }

  /** One container override as RunTask sent it. */
  public record ContainerOverride(String name, Map<String, String> environment) {}

  /**
   * A task the stub started, as it is at one moment.
   *
   * @param containers the override's containers, then the sidecars
   * @param exitCodes by container name; only containers that ran and exited
   * @param version ECS's per-task version: 1 at RunTask, + 1 on each change
   */
  public record Task(
      String taskArn,
      String clusterArn,
      String taskDefinitionArn,
      String launchType,
      String startedBy,
      String group,
      String clientToken,
      List<ContainerOverride> overrides,
      Map<String, String> tags,
      List<String> containers,
      Instant createdAt,
      Instant startedAt,
      Instant stoppedAt,
      String lastStatus,
      String desiredStatus,
      long version,
      String stopCode,
      String stoppedReason,
      Map<String, Integer> exitCodes,
      Map<String, String> containerReasons) {

    /** The value of one environment override of this container, or null. */
    public String environment(String container, String name) {
      return overrides.stream()
          .filter(o -> o.name().equals(container))
          .map(o -> o.environment().get(name))
          .filter(Objects::nonNull)
          .findFirst()
          .orElse(null);
    }
  }

  private record Scripted(int status, String body) {}

  private record Token(String taskArn, JsonNode request, Instant firstUsed) {}

  /** A task's mutable state; read and written under the behaviour's lock only. */
  private static final class TaskState {
    final String taskArn;
    final String clusterArn;
    final String taskDefinitionArn;
    final String launchType;
    final String startedBy;
    final String group;
    final String clientToken;
    final JsonNode overrides;
    final JsonNode tags;
    final List<String> containers;
    final Instant createdAt;
    Instant startedAt;
    Instant stoppingAt;
    Instant stoppedAt;
    Instant updatedAt;
    String lastStatus = "PROVISIONING";
    String desiredStatus = "RUNNING";
    long version = 1;
    String stopCode;
    String stoppedReason;
    final Map<String, Integer> exitCodes = new LinkedHashMap<>();
    final Map<String, String> reasons = new LinkedHashMap<>();

    TaskState(String taskArn, JsonNode request, List<String> sidecars, Instant now) {
      this.taskArn = taskArn;
      this.clusterArn = clusterArn(request.path("cluster").asText("default"));
      this.taskDefinitionArn = taskDefinitionArn(request.path("taskDefinition").asText());
      this.launchType = request.path("launchType").asText("FARGATE");
      this.startedBy = request.path("startedBy").asText(null);
      String family = taskDefinitionArn.substring(taskDefinitionArn.lastIndexOf('/') + 1);
      if (family.contains(":")) {
        family = family.substring(0, family.lastIndexOf(':'));
      }
      this.group = request.path("group").asText("family:" + family);
      this.clientToken = request.path("clientToken").asText(null);
      ObjectNode none = JSON.createObjectNode();
      none.putArray("containerOverrides");
      this.overrides =
          request.path("overrides").isObject() ? request.get("overrides").deepCopy() : none;
      this.tags = request.path("tags").isArray() ? request.get("tags").deepCopy() : null;
      List<String> names = new ArrayList<>();
      for (JsonNode override : request.path("overrides").path("containerOverrides")) {
        String name = override.path("name").asText();
        if (!name.isEmpty() && !names.contains(name)) {
          names.add(name);
        }
      }
      sidecars.stream().filter(s -> !names.contains(s)).forEach(names::add);
      this.containers = List.copyOf(names);
      this.createdAt = now;
      this.updatedAt = now;
    }

    /** Whether ECS still answers a reuse of this task's token with this task, at {@code now}. */
    boolean remembersToken(Instant firstUsed, Instant now) {
      return now.isBefore(firstUsed.plus(TOKEN_MEMORY))
          && (stoppedAt == null || now.isBefore(stoppedAt.plus(TOKEN_MEMORY_AFTER_STOP)));
    }

    String containerStatus() {
      return switch (lastStatus) {
        case "RUNNING" -> "RUNNING";
        case "STOPPED" -> "STOPPED";
        default -> "PENDING";
      };
    }

    Task snapshot() {
      List<ContainerOverride> parsed = new ArrayList<>();
      for (JsonNode o : overrides.path("containerOverrides")) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode kv : o.path("environment")) {
          env.put(kv.path("name").asText(), kv.path("value").asText());
        }
        parsed.add(
            new ContainerOverride(o.path("name").asText(), Collections.unmodifiableMap(env)));
      }
      Map<String, String> tagMap = new LinkedHashMap<>();
      if (tags != null) {
        tags.forEach(t -> tagMap.put(t.path("key").asText(), t.path("value").asText()));
      }
      return new Task(
          taskArn,
          clusterArn,
          taskDefinitionArn,
          launchType,
          startedBy,
          group,
          clientToken,
          List.copyOf(parsed),
          Collections.unmodifiableMap(tagMap),
          containers,
          createdAt,
          startedAt,
          stoppedAt,
          lastStatus,
          desiredStatus,
          version,
          stopCode,
          stoppedReason,
          Collections.unmodifiableMap(new LinkedHashMap<>(exitCodes)),
          Collections.unmodifiableMap(new LinkedHashMap<>(reasons)));
    }

    /**
     * The task as ECS's API describes it (RunTask, DescribeTasks, StopTask): epoch-second times.
     */
    ObjectNode apiJson(boolean withTags) {
      ObjectNode task = JSON.createObjectNode();
      task.put("taskArn", taskArn);
      task.put("clusterArn", clusterArn);
      task.put("taskDefinitionArn", taskDefinitionArn);
      task.put("launchType", launchType);
      task.put("lastStatus", lastStatus);
      task.put("desiredStatus", desiredStatus);
      task.put("version", version);
      if (startedBy != null) {
        task.put("startedBy", startedBy);
      }
      task.put("group", group);
      task.set("overrides", overrides.deepCopy());
      if (withTags && tags != null) {
        task.set("tags", tags.deepCopy());
      }
      epochSeconds(task, "createdAt", createdAt);
      epochSeconds(task, "startedAt", startedAt);
      epochSeconds(task, "stoppingAt", stoppingAt);
      epochSeconds(task, "stoppedAt", stoppedAt);
      if (stopCode != null) {
        task.put("stopCode", stopCode);
      }
      if (stoppedReason != null) {
        task.put("stoppedReason", stoppedReason);
      }
      ArrayNode list = task.putArray("containers");
      for (String name : containers) {
        list.add(container(name));
      }
      return task;
    }

    /** The detail of the task's state change event: ISO-8601 times. */
    ObjectNode eventDetail() {
      ObjectNode detail = JSON.createObjectNode();
      detail.putArray("attachments");
      detail.put("availabilityZone", REGION + "a");
      detail.put("clusterArn", clusterArn);
      ArrayNode list = detail.putArray("containers");
      for (String name : containers) {
        list.add(container(name));
      }
      iso(detail, "createdAt", createdAt);
      detail.put("launchType", launchType);
      detail.put("desiredStatus", desiredStatus);
      detail.put("group", group);
      detail.put("lastStatus", lastStatus);
      detail.set("overrides", overrides.deepCopy());
      iso(detail, "startedAt", startedAt);
      if (startedBy != null) {
        detail.put("startedBy", startedBy);
      }
      if (stopCode != null) {
        detail.put("stopCode", stopCode);
      }
      iso(detail, "stoppingAt", stoppingAt);
      iso(detail, "stoppedAt", stoppedAt);
      if (stoppedReason != null) {
        detail.put("stoppedReason", stoppedReason);
      }
      iso(detail, "updatedAt", updatedAt);
      detail.put("taskArn", taskArn);
      detail.put("taskDefinitionArn", taskDefinitionArn);
      detail.put("version", version);
      return detail;
    }

    private ObjectNode container(String name) {
      ObjectNode c = JSON.createObjectNode();
      c.put("containerArn", ARN_PREFIX + "container/" + taskArn.hashCode() + "/" + name);
      c.put("lastStatus", containerStatus());
      c.put("name", name);
      c.put("taskArn", taskArn);
      Integer exit = exitCodes.get(name);
      if (exit != null) {
        c.put("exitCode", exit);
      }
      String reason = reasons.get(name);
      if (reason != null) {
        c.put("reason", reason);
      }
      return c;
    }
  }

  private static final class Behaviour implements ResponseDefinitionTransformerV2 {
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final List<String> started = new CopyOnWriteArrayList<>();
    final Queue<Scripted> scripted = new ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicInteger throttled =
        new java.util.concurrent.atomic.AtomicInteger();
    // Guarded by this.
    private final Map<String, Token> tokens = new HashMap<>();
    private final Map<String, TaskState> tasks = new LinkedHashMap<>();
    volatile int delayMillis;
    volatile double throttleShare;
    volatile java.util.Random random = new java.util.Random(1);
    volatile List<String> sidecars = List.of();
    volatile Clock clock;

    Behaviour(Clock clock) {
      this.clock = clock;
    }

    @Override
    public String getName() {
      return "ecs-run-task";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      String target = event.getRequest().getHeader("X-Amz-Target");
      String operation =
          target != null && target.startsWith(TARGET_PREFIX)
              ? target.substring(TARGET_PREFIX.length())
              : String.valueOf(target);
      if (!List.of("RunTask", "DescribeTasks", "StopTask").contains(operation)) {
        return error(
            400,
            "UnknownOperationException",
            "stub speaks RunTask, DescribeTasks and StopTask only, got " + target);
      }
      JsonNode request;
      try {
        request = JSON.readTree(event.getRequest().getBodyAsString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (operation.equals("DescribeTasks")) {
        return describeTasks(request);
      }
      if (operation.equals("StopTask")) {
        return stopTask(request);
      }
      requests.add(request);
      Scripted script = scripted.poll();
      if (script != null) {
        return delayed(json(script.status(), script.body()));
      }
      if (throttleShare > 0) {
        boolean throttle;
        synchronized (this) {
          throttle = random.nextDouble() < throttleShare;
        }
        if (throttle) {
          throttled.incrementAndGet();
          return error(400, "ThrottlingException", "Rate exceeded");
        }
      }
      return delayed(runTask(request));
    }

    private ResponseDefinition delayed(ResponseDefinition response) {
      int delay = delayMillis;
      return delay == 0
          ? response
          : com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.like(response)
              .withFixedDelay(delay)
              .build();
    }

    private synchronized ResponseDefinition runTask(JsonNode request) {
      Instant now = clock.instant();
      String cluster = request.path("cluster").asText("default");
      String token = request.path("clientToken").asText(null);
      ObjectNode withoutToken = ((ObjectNode) request.deepCopy());
      withoutToken.remove("clientToken");
      if (token != null) {
        Token first = tokens.get(cluster + "|" + token);
        TaskState task = first == null ? null : tasks.get(first.taskArn());
        // Past its memory ECS has forgotten the token: it starts a new task below.
        if (task != null && task.remembersToken(first.firstUsed(), now)) {
          if (first.request().equals(withoutToken)) {
            return json(200, response(task));
          }
          return json(
              400,
              "{\"__type\":\"ConflictException\",\"message\":\"The clientToken was already used"
                  + " with different parameters\",\"resourceIds\":[\""
                  + first.taskArn()
                  + "\"]}");
        }
      }
      String clusterName = cluster.substring(cluster.lastIndexOf('/') + 1);
      String arn =
          ARN_PREFIX + "task/" + clusterName + "/" + UUID.randomUUID().toString().replace("-", "");
      TaskState task = new TaskState(arn, request, sidecars, now);
      tasks.put(arn, task);
      started.add(arn);
      if (token != null) {
        tokens.put(cluster + "|" + token, new Token(arn, withoutToken, now));
      }
      return json(200, response(task));
    }

    private static String response(TaskState task) {
      ObjectNode body = JSON.createObjectNode();
      body.putArray("tasks").add(task.apiJson(true));
      body.putArray("failures");
      return body.toString();
    }

    private synchronized ResponseDefinition describeTasks(JsonNode request) {
      boolean withTags = false;
      for (JsonNode include : request.path("include")) {
        withTags |= include.asText().equals("TAGS");
      }
      ObjectNode body = JSON.createObjectNode();
      ArrayNode found = body.putArray("tasks");
      ArrayNode failures = body.putArray("failures");
      for (JsonNode arn : request.path("tasks")) {
        TaskState task = find(arn.asText());
        if (task == null) {
          failures.addObject().put("arn", arn.asText()).put("reason", "MISSING");
        } else {
          found.add(task.apiJson(withTags));
        }
      }
      return json(200, body.toString());
    }

    private synchronized ResponseDefinition stopTask(JsonNode request) {
      TaskState task = find(request.path("task").asText());
      if (task == null) {
        return error(400, "InvalidParameterException", "The referenced task was not found.");
      }
      if (!task.lastStatus.equals("STOPPED")) {
        // What a container does on SIGTERM by default: 128 + 15.
        Map<String, Integer> exits = new LinkedHashMap<>();
        if (task.startedAt != null) {
          task.containers.forEach(c -> exits.put(c, 143));
        }
        stop(
            task.taskArn,
            exits,
            "UserInitiated",
            request.path("reason").asText("Task stopped by user"),
            Map.of());
      }
      ObjectNode body = JSON.createObjectNode();
      body.set("task", task.apiJson(false));
      return json(200, body.toString());
    }

    /** A task by full ARN or by its id (the ARN's last part), as ECS accepts both. */
    private TaskState find(String arnOrId) {
      TaskState task = tasks.get(arnOrId);
      if (task != null) {
        return task;
      }
      return tasks.values().stream()
          .filter(t -> t.taskArn.endsWith("/" + arnOrId))
          .findFirst()
          .orElse(null);
    }

    synchronized List<Task> tasks() {
      return tasks.values().stream().map(TaskState::snapshot).toList();
    }

    synchronized Task task(String taskArn) {
      return existing(taskArn).snapshot();
    }

    synchronized Task run(String taskArn) {
      TaskState task = existing(taskArn);
      if (!task.lastStatus.equals("PROVISIONING")) {
        throw new IllegalStateException(taskArn + " is " + task.lastStatus + ", not PROVISIONING");
      }
      Instant now = clock.instant();
      task.lastStatus = "RUNNING";
      task.startedAt = now;
      task.updatedAt = now;
      task.version++;
      return task.snapshot();
    }

    synchronized Task stop(
        String taskArn,
        Map<String, Integer> exitCodes,
        String stopCode,
        String stoppedReason,
        Map<String, String> reasons) {
      TaskState task = existing(taskArn);
      if (task.lastStatus.equals("STOPPED")) {
        throw new IllegalStateException(taskArn + " is already STOPPED");
      }
      if (task.startedAt == null && !exitCodes.isEmpty()) {
        throw new IllegalArgumentException(
            taskArn + " never ran: its containers have no exit code, got " + exitCodes);
      }
      for (String name : exitCodes.keySet()) {
        if (!task.containers.contains(name)) {
          throw new IllegalArgumentException(
              "no container " + name + " in " + taskArn + ": " + task.containers);
        }
      }
      Instant now = clock.instant();
      task.lastStatus = "STOPPED";
      task.desiredStatus = "STOPPED";
      task.stoppingAt = now;
      task.stoppedAt = now;
      task.updatedAt = now;
      task.stopCode = stopCode;
      task.stoppedReason = stoppedReason;
      task.exitCodes.putAll(exitCodes);
      task.reasons.putAll(reasons);
      task.version++;
      return task.snapshot();
    }

    synchronized ObjectNode stateChangeEvent(String taskArn) {
      TaskState task = existing(taskArn);
      ObjectNode event = JSON.createObjectNode();
      event.put("version", "0");
      event.put("id", UUID.randomUUID().toString());
      event.put("detail-type", EVENT_DETAIL_TYPE);
      event.put("source", EVENT_SOURCE);
      event.put("account", ACCOUNT);
      event.put("time", EVENT_TIME.format(task.updatedAt));
      event.put("region", REGION);
      event.putArray("resources").add(task.taskArn);
      event.set("detail", task.eventDetail());
      return event;
    }

    synchronized void forgetTasks() {
      tokens.clear();
      tasks.clear();
      started.clear();
    }

    private TaskState existing(String taskArn) {
      TaskState task = tasks.get(taskArn);
      if (task == null) {
        throw new IllegalArgumentException("the stub started no task " + taskArn);
      }
      return task;
    }

    private static ResponseDefinition error(int status, String type, String message) {
      return json(status, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }

    private static ResponseDefinition json(int status, String body) {
      return aResponse()
          .withStatus(status)
          .withHeader("Content-Type", "application/x-amz-json-1.1")
          .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
          .withBody(body)
          .build();
    }
  }

  private static String clusterArn(String cluster) {
    return cluster.startsWith("arn:") ? cluster : ARN_PREFIX + "cluster/" + cluster;
  }

  /** A family, family:revision or ARN as the ARN ECS answers with (revision 1 when none). */
  private static String taskDefinitionArn(String taskDefinition) {
    if (taskDefinition.startsWith("arn:")) {
      return taskDefinition;
    }
    String withRevision = taskDefinition.contains(":") ? taskDefinition : taskDefinition + ":1";
    return ARN_PREFIX + "task-definition/" + withRevision;
  }

  private static void epochSeconds(ObjectNode node, String field, Instant time) {
    if (time != null) {
      node.put(field, BigDecimal.valueOf(time.toEpochMilli(), 3));
    }
  }

  private static void iso(ObjectNode node, String field, Instant time) {
    if (time != null) {
      node.put(field, DETAIL_TIME.format(time));
    }
  }

  /** The list of calls as a string, for assertion messages. */
  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    behaviour.requests.forEach(r -> lines.add(r.toString()));
    return String.join("\n", lines);
  }
}
