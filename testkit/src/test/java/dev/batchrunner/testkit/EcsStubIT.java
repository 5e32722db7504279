package dev.batchrunner.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * The ECS stub's own behaviour, through the real SDK client over HTTP: ECS's clientToken memory (24
 * hours, or one hour after the task stopped, whichever is shorter), the task lifecycle the tests
 * drive, and the "ECS Task State Change" events it renders.
 */
class EcsStubIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");
  private static final String CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/batch";

  private static EcsStub ecs;
  private static EcsClient client;
  private final MutableClock clock = new MutableClock(START);

  @BeforeAll
  static void startStub() {
    ecs = EcsStub.start();
    client = ecs.client(false);
  }

  @AfterAll
  static void stopStub() {
    client.close();
    ecs.close();
  }

  @BeforeEach
  void freshStub() {
    ecs.reset();
    ecs.useClock(clock);
  }

  @Test
  void runTask_whenSameTokenBeforeStop_returnsTheSameTask() {
    String first = runTask("token-1", "2026-11-22");
    ecs.run(first);
    clock.advance(Duration.ofMinutes(30));

    assertEquals(first, runTask("token-1", "2026-11-22"));
    assertEquals(1, ecs.tasksStarted());
    assertEquals(2, ecs.runTaskCount());
  }

  @Test
  void runTask_when59MinutesAfterStop_returnsTheSameTask() {
    String first = runTask("token-1", "2026-11-22");
    ecs.run(first);
    clock.advance(Duration.ofMinutes(10));
    ecs.stop(first, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    clock.advance(Duration.ofMinutes(59));

    assertEquals(first, runTask("token-1", "2026-11-22"));
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void runTask_when61MinutesAfterStop_startsANewTask() {
    String first = runTask("token-1", "2026-11-22");
    ecs.run(first);
    clock.advance(Duration.ofMinutes(10));
    ecs.stop(first, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    clock.advance(Duration.ofMinutes(61));

    String second = runTask("token-1", "2026-11-22");

    assertNotEquals(first, second, "ECS has forgotten the token an hour after its task stopped");
    assertEquals(List.of(first, second), ecs.startedTaskArns());
    assertEquals("PROVISIONING", ecs.task(second).lastStatus());
    // The token now stands for the new task.
    clock.advance(Duration.ofMinutes(5));
    assertEquals(second, runTask("token-1", "2026-11-22"));
    assertEquals(2, ecs.tasksStarted());
  }

  @Test
  void runTask_when25HoursAfterStartOfARunningTask_startsANewTask() {
    String first = runTask("token-1", "2026-11-22");
    ecs.run(first);
    clock.advance(Duration.ofHours(23));
    assertEquals(first, runTask("token-1", "2026-11-22"), "remembered within 24 hours");

    clock.advance(Duration.ofHours(2));
    String second = runTask("token-1", "2026-11-22");

    assertNotEquals(first, second, "24 hours is the most ECS remembers, even for a running task");
    assertEquals("RUNNING", ecs.task(first).lastStatus());
    assertEquals(2, ecs.tasksStarted());
  }

  @Test
  void runTask_whenSameTokenWithOtherParameters_conflictNamingTheFirstTask() {
    String first = runTask("token-1", "2026-11-22");

    ConflictException conflict =
        assertThrows(ConflictException.class, () -> runTask("token-1", "2026-11-21"));

    assertEquals(List.of(first), conflict.resourceIds());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void runTask_whenTokenForgottenAndOtherParameters_startsANewTaskWithoutConflict() {
    String first = runTask("token-1", "2026-11-22");
    ecs.stop(first, Map.of(), "TaskFailedToStart", "CannotPullContainerError");
    clock.advance(Duration.ofMinutes(61));

    String second = runTask("token-1", "2026-11-21");

    assertNotEquals(first, second);
    assertEquals("2026-11-21", ecs.task(second).environment("app", "REPORT_DATE"));
  }

  @Test
  void runTask_whenSameTokenOnAnotherCluster_startsAnotherTask() {
    String first = runTask("token-1", "2026-11-22");
    String other =
        client
            .runTask(request("token-1", "2026-11-22").toBuilder().cluster("other").build())
            .tasks()
            .get(0)
            .taskArn();

    assertNotEquals(first, other, "ECS keeps tokens per cluster");
    assertEquals("arn:aws:ecs:eu-west-1:123456789012:cluster/other", ecs.task(other).clusterArn());
  }

  @Test
  void runTask_whenSixteenThreadsSendOneToken_startsOneTask() throws Exception {
    ecs.delay(50);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return runTask("token-1", "2026-11-22");
                }));
      }
      go.countDown();
      Set<String> arns = ConcurrentHashMap.newKeySet();
      for (Future<String> answer : answers) {
        arns.add(answer.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, arns.size(), arns.toString());
      assertEquals(1, ecs.tasksStarted());
      assertEquals(16, ecs.runTaskCount());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tasks_rememberWhatRunTaskStarted() {
    String arn = runTask("token-1", "2026-11-22");

    EcsStub.Task task = ecs.tasks().get(0);

    assertEquals(arn, task.taskArn());
    assertEquals(CLUSTER, task.clusterArn());
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/daily-report:1",
        task.taskDefinitionArn());
    assertEquals("batch-runner", task.startedBy());
    assertEquals("family:daily-report", task.group());
    assertEquals("token-1", task.clientToken());
    assertEquals("daily-report/2026-11-22", task.environment("app", "IDEMPOTENCY_KEY"));
    assertEquals(Map.of("batch-runner:batch-type", "daily-report"), task.tags());
    assertEquals(START, task.createdAt());
    assertEquals("PROVISIONING", task.lastStatus());
    assertEquals(1, task.version());
  }

  @Test
  void stateChangeEvent_whenRunning_hasEcsFieldsAndTypes() throws Exception {
    ecs.sidecars("log-router");
    String arn = runTask("token-1", "2026-11-22");
    clock.advance(Duration.ofSeconds(20));
    ecs.run(arn);

    JsonNode event = JSON.readTree(ecs.stateChangeEvent(arn));

    assertEquals("0", event.get("version").asText());
    assertEquals("aws.ecs", event.get("source").asText());
    assertEquals("ECS Task State Change", event.get("detail-type").asText());
    assertEquals("123456789012", event.get("account").asText());
    assertEquals("eu-west-1", event.get("region").asText());
    assertEquals("2036-11-23T02:00:20Z", event.get("time").asText());
    assertEquals(arn, event.at("/resources/0").asText());
    JsonNode detail = event.get("detail");
    assertEquals(arn, detail.get("taskArn").asText());
    assertEquals(CLUSTER, detail.get("clusterArn").asText());
    assertTrue(
        detail.get("taskDefinitionArn").asText().endsWith(":task-definition/daily-report:1"));
    assertEquals("RUNNING", detail.get("lastStatus").asText());
    assertEquals("RUNNING", detail.get("desiredStatus").asText());
    assertTrue(detail.get("version").isIntegralNumber(), "version is a number");
    assertEquals(2, detail.get("version").asInt());
    assertEquals("batch-runner", detail.get("startedBy").asText());
    assertEquals("family:daily-report", detail.get("group").asText());
    assertEquals("2036-11-23T02:00:00.000Z", detail.get("createdAt").asText());
    assertEquals("2036-11-23T02:00:20.000Z", detail.get("startedAt").asText());
    assertFalse(detail.has("stoppedAt"));
    assertFalse(detail.has("stopCode"));
    assertEquals(
        "daily-report/2026-11-22",
        envValue(detail.at("/overrides/containerOverrides/0"), "IDEMPOTENCY_KEY"));
    JsonNode containers = detail.get("containers");
    assertEquals(2, containers.size());
    assertEquals("app", containers.get(0).get("name").asText());
    assertEquals("log-router", containers.get(1).get("name").asText());
    containers.forEach(
        c -> {
          assertEquals("RUNNING", c.get("lastStatus").asText());
          assertFalse(c.has("exitCode"), "no exit code while running");
        });
  }

  @Test
  void stateChangeEvent_whenStopped_hasExitCodesStopCodeAndAHigherVersion() throws Exception {
    ecs.sidecars("log-router");
    String arn = runTask("token-1", "2026-11-22");
    long created = JSON.readTree(ecs.stateChangeEvent(arn)).at("/detail/version").asLong();
    ecs.run(arn);
    long running = JSON.readTree(ecs.stateChangeEvent(arn)).at("/detail/version").asLong();
    clock.advance(Duration.ofMinutes(7));
    ecs.stop(
        arn,
        Map.of("app", 1, "log-router", 0),
        "EssentialContainerExited",
        "Essential container in task exited",
        Map.of("app", "exit status 1"));

    JsonNode detail = JSON.readTree(ecs.stateChangeEvent(arn)).get("detail");

    long stopped = detail.get("version").asLong();
    assertTrue(created < running && running < stopped, created + " " + running + " " + stopped);
    assertEquals("STOPPED", detail.get("lastStatus").asText());
    assertEquals("STOPPED", detail.get("desiredStatus").asText());
    assertEquals("EssentialContainerExited", detail.get("stopCode").asText());
    assertEquals("Essential container in task exited", detail.get("stoppedReason").asText());
    assertEquals("2036-11-23T02:07:00.000Z", detail.get("stoppedAt").asText());
    JsonNode app = detail.at("/containers/0");
    assertEquals("app", app.get("name").asText());
    assertEquals("STOPPED", app.get("lastStatus").asText());
    assertTrue(app.get("exitCode").isIntegralNumber());
    assertEquals(1, app.get("exitCode").asInt());
    assertEquals("exit status 1", app.get("reason").asText());
    JsonNode sidecar = detail.at("/containers/1");
    assertEquals("log-router", sidecar.get("name").asText());
    assertEquals(0, sidecar.get("exitCode").asInt());
    assertEquals(Map.of("app", 1, "log-router", 0), ecs.task(arn).exitCodes());
  }

  @Test
  void stop_whenTaskNeverRan_eventHasNoExitCodeAndExitCodesAreRefused() throws Exception {
    String arn = runTask("token-1", "2026-11-22");
    assertThrows(
        IllegalArgumentException.class,
        () -> ecs.stop(arn, Map.of("app", 0), "TaskFailedToStart", "never ran"));

    ecs.stop(
        arn,
        Map.of(),
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth",
        Map.of("app", "CannotPullContainerError: pull image manifest has been retried"));

    JsonNode detail = JSON.readTree(ecs.stateChangeEvent(arn)).get("detail");
    assertEquals("TaskFailedToStart", detail.get("stopCode").asText());
    assertFalse(detail.has("startedAt"));
    assertFalse(detail.at("/containers/0").has("exitCode"));
    assertTrue(detail.at("/containers/0/reason").asText().startsWith("CannotPullContainerError"));
    assertThrows(IllegalStateException.class, () -> ecs.run(arn), "a stopped task stays stopped");
  }

  @Test
  void describeTasksAndStopTask_answerFromTheTaskState() {
    String arn = runTask("token-1", "2026-11-22");
    ecs.run(arn);
    clock.advance(Duration.ofMinutes(3));

    client.stopTask(b -> b.cluster(CLUSTER).task(arn).reason("operator"));
    DescribeTasksResponse described =
        client.describeTasks(
            b -> b.cluster(CLUSTER).tasks(arn, "missing-task").include(TaskField.TAGS));

    var task = described.tasks().get(0);
    assertEquals(arn, task.taskArn());
    assertEquals("STOPPED", task.lastStatus());
    assertEquals("UserInitiated", task.stopCodeAsString());
    assertEquals("operator", task.stoppedReason());
    assertEquals(3, task.version());
    assertEquals(START, task.createdAt());
    assertEquals(START.plus(Duration.ofMinutes(3)), task.stoppedAt());
    assertEquals(143, task.containers().get(0).exitCode());
    assertEquals("batch-runner:batch-type", task.tags().get(0).key());
    assertEquals("MISSING", described.failures().get(0).reason());
    assertEquals("UserInitiated", ecs.task(arn).stopCode());
  }

  private String runTask(String token, String reportDate) {
    return client.runTask(request(token, reportDate)).tasks().get(0).taskArn();
  }

  private static RunTaskRequest request(String token, String reportDate) {
    return RunTaskRequest.builder()
        .cluster(CLUSTER)
        .taskDefinition("daily-report")
        .launchType("FARGATE")
        .clientToken(token)
        .startedBy("batch-runner")
        .overrides(
            o ->
                o.containerOverrides(
                    c ->
                        c.name("app")
                            .environment(
                                KeyValuePair.builder()
                                    .name("IDEMPOTENCY_KEY")
                                    .value("daily-report/" + reportDate)
                                    .build(),
                                KeyValuePair.builder()
                                    .name("REPORT_DATE")
                                    .value(reportDate)
                                    .build())))
        .tags(t -> t.key("batch-runner:batch-type").value("daily-report"))
        .build();
  }

  private static String envValue(JsonNode containerOverride, String name) {
    for (JsonNode kv : containerOverride.path("environment")) {
      if (kv.path("name").asText().equals(name)) {
        return kv.path("value").asText();
      }
    }
    return null;
  }
}
