package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard as ECS runs it: {@code java -jar target/batch-runner-cli.jar guard} in a process of its
 * own, its request in its environment, against DynamoDB Local over HTTP. First start, a duplicate,
 * an invalid parameter, DynamoDB down (it fails closed), 8 starts of one request at once (exactly
 * one goes), a re-run of a FAILED request, and a task batch-runner started itself.
 */
class GuardProcessIT extends GuardTestBase {
  private static final Path JAR = Path.of("target", "batch-runner-cli.jar");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long RUN_TIMEOUT_SECONDS = 120;

  @Test
  void guard_firstStartGoes_theSameRequestInAnotherTaskIsADuplicate() throws Exception {
    Run first = guard(env(task(1)));
    Run second = guard(env(task(2)));

    assertEquals(0, first.code, first.toString());
    assertEquals("GO", first.line().get("outcome").asText());
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(task(1), record.current().taskArn());
    assertEquals(10, second.code, second.toString());
    assertEquals("DUPLICATE", second.line().get("outcome").asText());
    assertEquals(List.of(task(1)), store.find(MONOLITH_KEY).orElseThrow().taskArns());
  }

  @Test
  void guard_whenAParameterIsInvalid_exits2NamingTheField() throws Exception {
    Map<String, String> env = env(task(1));
    env.put("REPORT_DATE", "yesterday");

    Run run = guard(env);

    assertEquals(2, run.code, run.toString());
    assertTrue(run.err.contains("parameters.reportDate: 'yesterday' does not match"), run.err);
    assertEquals("parameters.reportDate", run.line().get("reason").asText().split(":")[0]);
    assertTrue(store.find(MONOLITH_KEY).isEmpty());
  }

  @Test
  void guard_whenDynamoDbIsDown_exits1AndNothingIsClaimed() throws Exception {
    Map<String, String> env = env(task(1));
    env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:" + DynamoDbLocal.freePort());

    Run run = guard(env);

    assertEquals(1, run.code, run.toString());
    assertEquals("FAILED", run.line().get("outcome").asText());
    assertEquals("IDEMPOTENCY_STORE", run.line().get("failureReason").asText());
    assertTrue(run.err.contains("cannot write idempotency record " + MONOLITH_KEY), run.err);
    assertTrue(store.find(MONOLITH_KEY).isEmpty(), "nothing claimed");
  }

  @Test
  void guard_when8TasksOfOneRequestStartAtOnce_exactlyOneGoes() throws Exception {
    List<Process> processes = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      processes.add(start(env(task(i))));
    }
    List<Run> runs = new ArrayList<>();
    for (Process process : processes) {
      runs.add(await(process));
    }

    List<Integer> codes = runs.stream().map(Run::code).sorted().toList();
    assertEquals(List.of(0, 10, 10, 10, 10, 10, 10, 10), codes, runs.toString());
    int winner = runs.stream().map(Run::code).toList().indexOf(0);
    var items = dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).items();
    assertEquals(1, items.size(), "one record");
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(List.of(task(winner + 1)), record.taskArns(), "the winner's task, only");
    assertEquals(1, record.attempt());
    for (Run run : runs) {
      assertEquals(MONOLITH_KEY, run.line().get("idempotencyKey").asText(), run.toString());
    }
  }

  @Test
  void guard_whenTheRecordFailed_theResentRequestGoesAsAttempt2() throws Exception {
    assertEquals(0, guard(env(task(1))).code);
    stopped(task(1), 1); // the function follows the task to FAILED
    assertEquals(RequestStatus.FAILED, store.find(MONOLITH_KEY).orElseThrow().status());

    Run rerun = guard(env(task(2)));

    assertEquals(0, rerun.code, rerun.toString());
    assertEquals(2, rerun.line().get("attempt").asInt());
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(2, record.attempt());
    assertEquals(List.of(task(1), task(2)), record.taskArns());
  }

  @Test
  void guard_inATaskBatchRunnerStarted_goesWhenItIsTheRecordsCurrentTask() throws Exception {
    assertEquals(0, guard(env(task(1))).code);
    Map<String, String> retry = env(task(1));
    retry.put("IDEMPOTENCY_KEY", MONOLITH_KEY);
    Map<String, String> stray = env(task(3));
    stray.put("IDEMPOTENCY_KEY", MONOLITH_KEY);

    Run current = guard(retry);
    Run other = guard(stray);

    assertEquals(0, current.code, current.toString());
    assertEquals("started-by-batch-runner", current.line().get("mode").asText());
    assertEquals(10, other.code, other.toString());
  }

  // --- helpers -------------------------------------------------------------------------------

  static String task(int n) {
    return "arn:aws:ecs:eu-west-1:123456789012:task/batch/" + String.format("%032x", n);
  }

  /** The whole environment of the guard's process: nothing inherited. */
  private Map<String, String> env(String taskArn) {
    return guardEnvironment(taskArn);
  }

  /** The task's STOPPED event with the app's exit code, through the function, as in Lambda. */
  private void stopped(String taskArn, int exitCode) throws IOException {
    ObjectNode event =
        (ObjectNode)
            JSON.readTree(Fixtures.event("task-state-change/ecs-direct-stopped-exit-0.json"));
    ((ObjectNode) event.get("detail")).put("taskArn", taskArn);
    event.putArray("resources").add(taskArn);
    ((ObjectNode) event.at("/detail/containers/1")).put("exitCode", exitCode);
    Map<String, String> env = env(taskArn);
    env.put("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:9"); // the lifecycle starts no task here
    byte[] answer =
        FunctionFactory.assemble(
                FunctionConfig.fromEnvironment(env),
                FunctionFactory.Options.builder().observer(s -> {}).taskObserver(quiet()).build())
            .processor()
            .process(JSON.writeValueAsBytes(event), Duration.ofSeconds(30));
    JsonNode outcome = JSON.readTree(answer);
    assertEquals(
        exitCode == 0 ? "SUCCEEDED" : "FAILED",
        outcome.get("outcome").asText(),
        outcome.toString());
  }

  private static RerunCommand.QuietTasks quiet() {
    return new RerunCommand.QuietTasks();
  }

  private Run guard(Map<String, String> env) throws Exception {
    return await(start(env));
  }

  /** Starts {@code java -jar batch-runner-cli.jar guard} with exactly {@code env}. */
  static Process start(Map<String, String> env, String... options) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The Dockerfile's JVM flags for a short-lived process (batch-runner-guard's JAVA_OPTS).
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
    command.addAll(List.of("-jar", JAR.toString(), "guard"));
    command.addAll(List.of(options));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    return process;
  }

  static Run await(Process process) throws Exception {
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("guard did not exit within " + RUN_TIMEOUT_SECONDS + " s");
    }
    return new Run(
        process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Run(int code, String out, String err) {
    /** The guard's one JSON line on stdout. */
    JsonNode line() {
      List<String> lines = out.lines().toList();
      assertEquals(1, lines.size(), out + err);
      try {
        return JSON.readTree(lines.get(0));
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }
  }
}
