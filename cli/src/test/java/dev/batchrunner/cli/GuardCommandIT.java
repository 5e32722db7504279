package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guard} in this JVM against DynamoDB Local over HTTP: every branch of its decision (claim,
 * duplicate, rejection, re-run of a failed request, a claim held or abandoned by another start, a
 * task batch-runner started itself), where its task ARN comes from (the variable, the task metadata
 * endpoint served by a local HTTP server), and its {@code --env-file}. The process-level cases (the
 * packaged jar, DynamoDB down, 8 concurrent starts) are {@link GuardProcessIT}'s.
 */
class GuardCommandIT extends GuardTestBase {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Ahead of the real clock, so DynamoDB Local's TTL job leaves the records alone.
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");
  private static final String TASK_1 =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/" + "a1".repeat(16);
  private static final String TASK_2 =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/" + "b2".repeat(16);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(START);

  // --- claiming ------------------------------------------------------------------------------

  @Test
  void guard_whenFirstStart_exits0_recordsThisTaskAsTheAttempt_andPrintsOneJsonLine()
      throws Exception {
    Run run = guard(env(TASK_1));

    assertEquals(0, run.code, run.toString());
    assertEquals("", run.err);
    JsonNode line = run.line();
    assertEquals("GO", line.get("outcome").asText());
    assertEquals(0, line.get("exitCode").asInt());
    assertEquals("batch-runner.guard", line.get("logger").asText());
    assertEquals(MONOLITH_KEY, line.get("idempotencyKey").asText());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", line.get("traceId").asText());
    assertEquals(TASK_1, line.get("taskArn").asText());
    assertEquals(1, line.get("attempt").asInt());
    assertEquals("acme", line.at("/parameters/tenant").asText());
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(TASK_1, record.current().taskArn());
    assertEquals(List.of(TASK_1), record.taskArns());
    assertNull(record.claimId(), "the claim is settled");
    assertEquals(START.plus(Duration.ofHours(24)), record.expiresAt());
  }

  @Test
  void guard_whenTheSameRequestStartsInAnotherTask_exits10AndChangesNothing() throws Exception {
    assertEquals(0, guard(env(TASK_1)).code);
    IdempotencyRecord before = store.find(MONOLITH_KEY).orElseThrow();

    Map<String, String> resent = env(TASK_2);
    resent.put("TRACE_ID", "another-trace"); // a re-send: a new trace id, the same request
    Run run = guard(resent);

    assertEquals(ExitCode.DUPLICATE, run.code, run.toString());
    assertEquals("", run.err);
    JsonNode line = run.line();
    assertEquals("DUPLICATE", line.get("outcome").asText());
    assertEquals("DISPATCHED", line.get("status").asText());
    assertEquals(TASK_1, line.at("/taskArns/0").asText());
    assertEquals(before, store.find(MONOLITH_KEY).orElseThrow());
  }

  @Test
  void guard_whenAParameterIsInvalid_exits2WithTheFunctionsMessage_withoutAnyAwsCall() {
    Map<String, String> env = env(null); // no task ARN either: never asked for
    env.put("REPORT_DATE", "22/11/2026");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"); // nothing listens there

    Run run = guard(env);

    assertEquals(ExitCode.USAGE, run.code, run.toString());
    String message =
        "parameters.reportDate: '22/11/2026' does not match pattern \\d{4}-\\d{2}-\\d{2}";
    assertEquals("REJECTED", run.line().get("outcome").asText());
    assertEquals(message, run.line().get("reason").asText());
    assertEquals("batch-runner guard: " + message + "\n", run.err);
  }

  @Test
  void guard_whenAnExplicitKeyComesBackWithOtherParameters_exits2AsAConflict() {
    Map<String, String> first = env(TASK_1);
    first.put("BATCH_RUNNER_REQUEST_KEY", "report/2026-11-22");
    assertEquals(0, guard(first).code);
    Map<String, String> other = env(TASK_2);
    other.put("BATCH_RUNNER_REQUEST_KEY", "report/2026-11-22");
    other.put("TENANT", "globex");

    Run run = guard(other);

    assertEquals(ExitCode.USAGE, run.code, run.toString());
    assertTrue(
        run.line().get("reason").asText().startsWith("idempotencyKey: 'report/2026-11-22' was"),
        run.toString());
  }

  @Test
  void guard_whenTheRecordFailed_startsAttempt2InThisTask_unlessRerunFailedIsOff()
      throws Exception {
    assertEquals(0, guard(env(TASK_1)).code);
    fail(MONOLITH_KEY);
    clock.advance(Duration.ofMinutes(30));

    Run rerun = guard(env(TASK_2));

    assertEquals(0, rerun.code, rerun.toString());
    assertEquals(2, rerun.line().get("attempt").asInt());
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(2, record.attempt());
    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(List.of(TASK_1, TASK_2), record.taskArns());
    assertTrue(record.current().startReason().startsWith("re-sent request"), record.toString());

    freshTable();
    Path noRerun = catalogWith("\"rerunFailed\": false");
    Map<String, String> first = env(TASK_1);
    first.put("BATCH_CATALOG", noRerun.toString());
    assertEquals(0, guard(first).code);
    fail(MONOLITH_KEY);
    Map<String, String> again = env(TASK_2);
    again.put("BATCH_CATALOG", noRerun.toString());
    Run refused = guard(again);
    assertEquals(ExitCode.DUPLICATE, refused.code, refused.toString());
    assertEquals("FAILED", refused.line().get("status").asText());
  }

  @Test
  void guard_whenAnotherStartHoldsTheClaimNow_exits10_andTakesAnAbandonedOneOver()
      throws Exception {
    IdempotencyRecord held = inProgress(MONOLITH_KEY, START.plusSeconds(40));
    store.claim(held, START);

    Run busy = guard(env(TASK_2));

    assertEquals(ExitCode.DUPLICATE, busy.code, busy.toString());
    assertEquals("IN_PROGRESS", busy.line().get("failureReason").asText());
    assertEquals(held, store.find(MONOLITH_KEY).orElseThrow());

    clock.advance(Duration.ofMinutes(1)); // its holder died: the hold has passed
    Run takeover = guard(env(TASK_2));

    assertEquals(0, takeover.code, takeover.toString());
    IdempotencyRecord record = store.find(MONOLITH_KEY).orElseThrow();
    assertEquals(1, record.attempt(), "the same attempt, taken over");
    assertEquals(TASK_2, record.current().taskArn());
    assertEquals(RequestStatus.DISPATCHED, record.status());
  }

  // --- a task batch-runner started itself ------------------------------------------------------

  @Test
  void guard_whenBatchRunnerStartedTheTask_goesOnlyForTheRecordsCurrentTask() throws Exception {
    assertEquals(0, guard(env(TASK_1)).code);
    IdempotencyRecord before = store.find(MONOLITH_KEY).orElseThrow();

    Run current = guard(startedByBatchRunner(TASK_1, MONOLITH_KEY));
    Run other = guard(startedByBatchRunner(TASK_2, MONOLITH_KEY));
    Run none = guard(startedByBatchRunner(TASK_2, "daily-report#" + "0".repeat(64)));

    assertEquals(0, current.code, current.toString());
    assertEquals("started-by-batch-runner", current.line().get("mode").asText());
    assertEquals("GO", current.line().get("outcome").asText());
    assertEquals(ExitCode.DUPLICATE, other.code, other.toString());
    assertTrue(other.line().get("reason").asText().contains(TASK_1), other.toString());
    assertEquals(ExitCode.DUPLICATE, none.code, none.toString());
    assertTrue(none.line().get("reason").asText().startsWith("no record"), none.toString());
    assertEquals(before, store.find(MONOLITH_KEY).orElseThrow(), "it claims nothing");
  }

  @Test
  void guard_whenBatchRunnersRunTaskHasNotAnsweredYet_goes() {
    // The function claimed attempt 1 and called RunTask; the task's guard runs before the answer.
    store.claim(inProgress(MONOLITH_KEY, START.plusSeconds(40)), START);

    Run run = guard(startedByBatchRunner(TASK_1, MONOLITH_KEY));

    assertEquals(0, run.code, run.toString());
    assertEquals("IN_PROGRESS", run.line().get("status").asText());
  }

  // --- the task's own ARN --------------------------------------------------------------------

  @Test
  void guard_readsItsTaskArnFromTheTaskMetadataEndpoint() throws Exception {
    HttpServer metadata =
        metadataEndpoint(200, "{\"Cluster\":\"batch\",\"TaskARN\":\"" + TASK_1 + "\"}");
    try {
      Map<String, String> env = env(null);
      env.put("ECS_CONTAINER_METADATA_URI_V4", uri(metadata) + "/v4/abc-123");

      Run run = guard(env);

      assertEquals(0, run.code, run.toString());
      assertEquals(TASK_1, store.find(MONOLITH_KEY).orElseThrow().current().taskArn());
    } finally {
      metadata.stop(0);
    }
  }

  @Test
  void guard_whenTheMetadataEndpointFails_exits1AndClaimsNothing() {
    HttpServer metadata = metadataEndpoint(500, "internal error");
    try {
      Map<String, String> env = env(null);
      env.put("ECS_CONTAINER_METADATA_URI_V4", uri(metadata) + "/v4/abc-123");

      Run run = guard(env);

      assertEquals(ExitCode.FAILURE, run.code, run.toString());
      assertEquals("FAILED", run.line().get("outcome").asText());
      assertTrue(run.err.contains("task metadata endpoint"), run.err);
      assertTrue(store.find(MONOLITH_KEY).isEmpty(), "nothing claimed");
    } finally {
      metadata.stop(0);
    }
  }

  @Test
  void guard_whenNoTaskArnCanBeFound_exits2SayingWhatToSet() {
    Run run = guard(env(null));

    assertEquals(ExitCode.USAGE, run.code, run.toString());
    assertTrue(run.err.contains("ECS_CONTAINER_METADATA_URI_V4"), run.err);
    assertTrue(run.err.contains("BATCH_RUNNER_TASK_ARN"), run.err);
    assertTrue(store.find(MONOLITH_KEY).isEmpty());
  }

  // --- --env-file ----------------------------------------------------------------------------

  @Test
  void guard_withEnvFile_writesTheFunctionsEnvironmentOnGo_andNoFileOtherwise() throws Exception {
    Path file = dir.resolve("request.env");
    Map<String, String> env = env(TASK_1);
    env.put("TENANT", ""); // not given: the default applies

    Run go = guard(env, "--env-file", file.toString());

    assertEquals(0, go.code, go.toString());
    Map<String, String> sourced = GuardEnvFileTest.source(file);
    assertEquals("all", sourced.get("TENANT"));
    assertEquals("2026-11-22", sourced.get("REPORT_DATE"));
    assertEquals("daily-report", sourced.get("BATCH_TYPE_ID"));
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", sourced.get("TRACE_ID"));
    assertEquals("acme-reports", sourced.get("OUTPUT_BUCKET"));
    String key = go.line().get("idempotencyKey").asText();
    assertEquals(key, sourced.get("IDEMPOTENCY_KEY"));
    assertEquals(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(file));

    env.put("BATCH_RUNNER_TASK_ARN", TASK_2);
    Run duplicate = guard(env, "--env-file", file.toString());
    assertEquals(ExitCode.DUPLICATE, duplicate.code);
    assertFalse(Files.exists(file), "no environment to start an app with");
  }

  // --- helpers -------------------------------------------------------------------------------

  /** The environment of an EcsDirect task for the monolith's request, with the guard's needs. */
  private Map<String, String> env(String taskArn) {
    return guardEnvironment(taskArn);
  }

  /** A task the function started: its overrides, as TaskLaunchFactory sets them. */
  private Map<String, String> startedByBatchRunner(String taskArn, String key) {
    Map<String, String> env = env(taskArn);
    env.remove("BATCH_RUNNER_EVENT_ID");
    env.remove("BATCH_RUNNER_REQUEST_KEY");
    env.put("IDEMPOTENCY_KEY", key);
    return env;
  }

  private IdempotencyRecord inProgress(String id, Instant heldUntil) {
    return IdempotencyRecord.builder()
        .id(id)
        .batchTypeId("daily-report")
        .status(RequestStatus.IN_PROGRESS)
        .traceId("trace-of-another-start")
        .requestHash(id.substring(id.indexOf('#') + 1))
        .parameters(Map.of("reportDate", "2026-11-22", "tenant", "acme"))
        .createdAt(START)
        .expiresAt(START.plus(Duration.ofHours(24)))
        .inProgressUntil(heldUntil)
        .claimId("claim-of-another-start")
        .revision("rev-1")
        .build();
  }

  /** The record's current attempt stopped with exit code 1 (what its STOPPED event does). */
  private void fail(String id) {
    IdempotencyRecord found = store.find(id).orElseThrow();
    LifecycleState state = found.lifecycle();
    Attempt stopped =
        new Attempt(
            found.attempt(),
            found.current().taskArn(),
            "STOPPED",
            5,
            1,
            "EssentialContainerExited",
            "Essential container in task exited",
            null,
            START.plusSeconds(5),
            START.plusSeconds(65));
    List<Attempt> attempts = new java.util.ArrayList<>(state.attempts());
    attempts.set(found.attempt() - 1, stopped);
    IdempotencyRecord failed =
        found.with(new LifecycleState(RequestStatus.FAILED, found.attempt(), attempts)).toBuilder()
            .revision("rev-failed-" + found.attempt())
            .build();
    assertTrue(store.replace(failed, found.revision()));
  }

  private Path catalogWith(String field) throws IOException {
    String text =
        new String(Fixtures.catalog(), StandardCharsets.UTF_8)
            .replaceFirst("\"daily-report\"\\s*:\\s*\\{", "\"daily-report\": {" + field + ",");
    Path file = dir.resolve("catalog-" + table + ".json");
    Files.writeString(file, text);
    return file;
  }

  private static HttpServer metadataEndpoint(int status, String body) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/v4/abc-123/task",
          exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String uri(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private Run guard(Map<String, String> env, String... options) {
    String[] args = new String[options.length + 1];
    args[0] = "guard";
    System.arraycopy(options, 0, args, 1, options.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(
            args, env, clock, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {
    /** The one JSON line on stdout. */
    JsonNode line() {
      List<String> lines = out.lines().toList();
      assertEquals(1, lines.size(), out);
      try {
        return JSON.readTree(lines.get(0));
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + out, e);
      }
    }
  }
}
