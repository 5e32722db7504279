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
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * A WireMock server speaking ECS's JSON protocol for RunTask, with ECS's documented clientToken
 * semantics: per cluster, the same token with the same request returns the task started the first
 * time; the same token with a different request is a {@code ConflictException} whose {@code
 * resourceIds} name that task. Responses can be scripted ahead (failures[], throttling, 5xx).
 */
public final class EcsStub implements AutoCloseable {
  public static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WireMockServer server;
  private final RunTaskBehaviour behaviour = new RunTaskBehaviour();

  private EcsStub() {
    server =
        new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(behaviour));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
  }

  public static EcsStub start() {
    return new EcsStub();
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

  /** Forgets requests, tokens, scripts, delay and throttling. */
  public void reset() {
    behaviour.delayMillis = 0;
    behaviour.throttleShare = 0;
    behaviour.throttled.set(0);
    behaviour.requests.clear();
    behaviour.tokens.clear();
    behaviour.started.clear();
    behaviour.scripted.clear();
    server.resetRequests();
  }

  @Override
  public void close() {
    server.stop();
  }

  private record Scripted(int status, String body) {}

  private record Started(String taskArn, JsonNode request) {}

  private static final class RunTaskBehaviour implements ResponseDefinitionTransformerV2 {
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final Map<String, Started> tokens = new ConcurrentHashMap<>();
    final List<String> started = new CopyOnWriteArrayList<>();
    final Queue<Scripted> scripted = new ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicInteger throttled =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile int delayMillis;
    volatile double throttleShare;
    volatile java.util.Random random = new java.util.Random(1);

    @Override
    public String getName() {
      return "ecs-run-task";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      String target = event.getRequest().getHeader("X-Amz-Target");
      if (!(TARGET_PREFIX + "RunTask").equals(target)) {
        return error(400, "UnknownOperationException", "stub speaks RunTask only, got " + target);
      }
      JsonNode request;
      try {
        request = JSON.readTree(event.getRequest().getBodyAsString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
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
      String cluster = request.path("cluster").asText("default");
      String token = request.path("clientToken").asText(null);
      ObjectNode withoutToken = ((ObjectNode) request.deepCopy());
      withoutToken.remove("clientToken");
      if (token != null) {
        Started first = tokens.get(cluster + "|" + token);
        if (first != null) {
          if (first.request().equals(withoutToken)) {
            return json(200, response(first.taskArn(), request));
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
          "arn:aws:ecs:eu-west-1:123456789012:task/"
              + clusterName
              + "/"
              + UUID.randomUUID().toString().replace("-", "");
      started.add(arn);
      if (token != null) {
        tokens.put(cluster + "|" + token, new Started(arn, withoutToken));
      }
      return json(200, response(arn, request));
    }

    private static String response(String arn, JsonNode request) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode tasks = body.putArray("tasks");
      ObjectNode task = tasks.addObject();
      task.put("taskArn", arn);
      task.put("lastStatus", "PROVISIONING");
      task.put("desiredStatus", "RUNNING");
      task.put("startedBy", request.path("startedBy").asText());
      task.set("overrides", request.path("overrides"));
      task.set("tags", request.path("tags"));
      body.putArray("failures");
      return body.toString();
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

  /** The list of calls as a string, for assertion messages. */
  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    behaviour.requests.forEach(r -> lines.add(r.toString()));
    return String.join("\n", lines);
  }
}
