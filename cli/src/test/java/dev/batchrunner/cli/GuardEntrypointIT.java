package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard image's entrypoint, {@code cli/docker/batch-runner-guard}, run by {@code /bin/sh} as
 * the container would run it, over the packaged CLI jar and DynamoDB Local: the wrapper starts the
 * app (with the request's resolved environment, its exit status the container's) only when the
 * guard says go; the sidecar mode exits with the guard's status.
 */
class GuardEntrypointIT extends GuardTestBase {
  private static final Path SCRIPT =
      Fixtures.projectRoot().resolve("cli/docker/batch-runner-guard");
  private static final Path JAR = Path.of("target", "batch-runner-cli.jar").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The app: prints what the guard resolved, leaves a mark that it ran, exits 7. */
  private static final String APP =
      "printf 'app: TENANT=%s REPORT_DATE=%s IDEMPOTENCY_KEY=%s TRACE_ID=%s\\n'"
          + " \"$TENANT\" \"$REPORT_DATE\" \"$IDEMPOTENCY_KEY\" \"$TRACE_ID\";"
          + " printf '%s' \"$*\" > \"$APP_MARK\"; exit 7";

  @TempDir Path dir;

  @BeforeEach
  void needsSh() {
    RequiredTool.require(Files.isExecutable(Path.of("/bin/sh")), "needs a POSIX /bin/sh");
  }

  @Test
  void wrapper_onGo_execsTheAppWithTheResolvedEnvironment_andExitsWithTheAppsStatus()
      throws Exception {
    Map<String, String> env = env(GuardProcessIT.task(1));
    env.put("TENANT", ""); // not in the event: the catalog's default applies

    Run run = entrypoint(env, "--", "sh", "-c", APP, "app", "--date", "2026-11-22");

    assertEquals(7, run.code, run.toString());
    List<String> lines = run.out.lines().toList();
    assertEquals(2, lines.size(), run.out);
    JsonNode guard = JSON.readTree(lines.get(0));
    assertEquals("GO", guard.get("outcome").asText());
    String key = guard.get("idempotencyKey").asText();
    assertEquals(
        "app: TENANT=all REPORT_DATE=2026-11-22 IDEMPOTENCY_KEY="
            + key
            + " TRACE_ID=8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        lines.get(1));
    assertEquals("--date 2026-11-22", Files.readString(mark()), "the app's own arguments");
    assertEquals(RequestStatus.DISPATCHED, store.find(key).orElseThrow().status());
    assertNoEnvFileLeft();
  }

  @Test
  void wrapper_onDuplicate_exits10_andTheAppNeverRuns() throws Exception {
    assertEquals(7, entrypoint(env(GuardProcessIT.task(1)), "--", "sh", "-c", APP).code);
    Files.delete(mark());

    Run run = entrypoint(env(GuardProcessIT.task(2)), "--", "sh", "-c", APP);

    assertEquals(10, run.code, run.toString());
    assertEquals("DUPLICATE", JSON.readTree(run.out.strip()).get("outcome").asText());
    assertFalse(run.out.contains("app:"), run.out);
    assertFalse(Files.exists(mark()), "the app never ran");
    assertNoEnvFileLeft();
  }

  @Test
  void wrapper_onInvalidRequest_exits2_andTheAppNeverRuns() throws Exception {
    Map<String, String> env = env(GuardProcessIT.task(1));
    env.put("REPORT_DATE", "yesterday");

    Run run = entrypoint(env, "--", "sh", "-c", APP);

    assertEquals(2, run.code, run.toString());
    assertTrue(run.err.contains("parameters.reportDate"), run.err);
    assertFalse(Files.exists(mark()));
    assertTrue(store.find(MONOLITH_KEY).isEmpty());
  }

  @Test
  void sidecar_exitsWithTheGuardsStatus() throws Exception {
    Run first = entrypoint(env(GuardProcessIT.task(1)));
    Run second = entrypoint(env(GuardProcessIT.task(2)));

    assertEquals(0, first.code, first.toString());
    assertEquals("GO", JSON.readTree(first.out.strip()).get("outcome").asText());
    assertEquals(10, second.code, second.toString());
    assertEquals(
        List.of(GuardProcessIT.task(1)), store.find(MONOLITH_KEY).orElseThrow().taskArns());
  }

  @Test
  void wrapper_withNothingAfterTheSeparator_isAUsageError() throws Exception {
    Run run = entrypoint(env(GuardProcessIT.task(1)), "--");

    assertEquals(2, run.code, run.toString());
    assertTrue(run.err.contains("nothing to run after --"), run.err);
    assertTrue(store.find(MONOLITH_KEY).isEmpty(), "the guard did not run");
  }

  // --- helpers -------------------------------------------------------------------------------

  private Map<String, String> env(String taskArn) throws IOException {
    Map<String, String> env = guardEnvironment(taskArn);
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
    env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    env.put("BATCH_RUNNER_JAR", JAR.toString());
    env.put("APP_MARK", mark().toString());
    return env;
  }

  private Path mark() {
    return dir.resolve("app-ran");
  }

  private void assertNoEnvFileLeft() throws IOException {
    try (var files = Files.list(dir.resolve("tmp"))) {
      assertEquals(List.of(), files.toList(), "the request's environment file is removed");
    }
  }

  private Run entrypoint(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/bin/sh", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("the entrypoint did not exit within 120 s");
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

  private record Run(int code, String out, String err) {}
}
