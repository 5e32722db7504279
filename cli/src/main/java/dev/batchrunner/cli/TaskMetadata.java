package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.TaskEnvironment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The ARN of the task this process runs in: {@value TaskEnvironment#TASK_ARN} when set (tests, a
 * local run), else the {@code TaskARN} of the ECS task metadata endpoint version 4 ({@code
 * $ECS_CONTAINER_METADATA_URI_V4/task}), which ECS gives every container of a task (Fargate 1.4+,
 * EC2 agent 1.39+). It is local to the task and answers at once, so the timeouts are short.
 */
final class TaskMetadata {
  /** Set by ECS in every container: the base URI of the task metadata endpoint v4. */
  static final String METADATA_ENV = "ECS_CONTAINER_METADATA_URI_V4";

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  static final int ATTEMPTS = 3;
  private static final Duration BETWEEN_ATTEMPTS = Duration.ofMillis(200);
  private static final ObjectMapper JSON = new ObjectMapper();

  private TaskMetadata() {}

  /**
   * The task's ARN.
   *
   * @throws CliException exit 2 when neither variable is set (not in an ECS task: a deployment
   *     mistake), exit 1 when the endpoint cannot be read or its answer has no {@code TaskARN}
   */
  static String ownTaskArn(Map<String, String> env) {
    String given = env.get(TaskEnvironment.TASK_ARN);
    if (given != null && !given.isBlank()) {
      return given.trim();
    }
    String base = env.get(METADATA_ENV);
    if (base == null || base.isBlank()) {
      throw new CliException(
          ExitCode.USAGE,
          "cannot tell which task this is: neither "
              + METADATA_ENV
              + " (set by ECS in every container of a task) nor "
              + TaskEnvironment.TASK_ARN
              + " is set; run the guard inside the ECS task, or set "
              + TaskEnvironment.TASK_ARN);
    }
    URI uri;
    try {
      uri = URI.create(base.trim().replaceAll("/+$", "") + "/task");
    } catch (IllegalArgumentException e) {
      throw new CliException(
          ExitCode.USAGE, METADATA_ENV + "=" + base + " is not a URI: " + e.getMessage(), e);
    }
    return fetch(uri);
  }

  private static String fetch(URI uri) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
    String problem = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return taskArn(uri, response.body());
        }
        problem = "HTTP " + response.statusCode();
      } catch (IOException e) {
        problem = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCode.FAILURE, "interrupted while reading " + uri, e);
      }
      sleep(BETWEEN_ATTEMPTS);
    }
    throw new CliException(
        ExitCode.FAILURE,
        "the task metadata endpoint "
            + uri
            + " did not answer ("
            + problem
            + ", "
            + ATTEMPTS
            + " attempts): cannot tell which task this is");
  }

  private static String taskArn(URI uri, String body) {
    JsonNode arn;
    try {
      arn = JSON.readTree(body).path("TaskARN");
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE, "the task metadata endpoint " + uri + " answered no JSON", e);
    }
    if (!arn.isTextual() || arn.textValue().isBlank()) {
      throw new CliException(
          ExitCode.FAILURE, "the task metadata endpoint " + uri + " answered without a TaskARN");
    }
    return arn.textValue();
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
