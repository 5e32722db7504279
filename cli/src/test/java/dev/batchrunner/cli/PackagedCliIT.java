package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.testkit.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI, {@code java -jar target/batch-runner-cli.jar}, as a user runs it: exit codes,
 * what goes to stdout and stderr, and that it exits as soon as it has answered.
 */
class PackagedCliIT {
  private static final Path JAR = Path.of("target", "batch-runner-cli.jar");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long RUN_TIMEOUT_SECONDS = 120;

  /** How long the JVM may live on after the answer (DynamoDB Local's TTL thread kept it ~10 s). */
  private static final long EXIT_AFTER_ANSWER_MILLIS = 4_000;

  @TempDir Path dir;

  @Test
  void jar_whenHelp_printsUsageOnStdoutAndExits0() throws Exception {
    Run run = java("-jar", JAR.toString(), "--help");
    Run local = java("-jar", JAR.toString(), "local", "--help");

    assertEquals(0, run.code, run.err);
    assertTrue(run.out.startsWith("Usage: batch-runner"), run.out);
    assertEquals("", run.err);
    assertEquals(0, local.code, local.err);
    assertTrue(local.out.contains("batch-runner local events/monolith-put-events.json"), local.out);
  }

  @Test
  void jar_whenUnknownOption_exits2NamingIt() throws Exception {
    Run run = local("monolith-put-events.json", "--bogus");

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.startsWith("batch-runner local: Unknown option: '--bogus'"), run.err);
  }

  @Test
  void jar_whenEventFileMissing_exits2WithOneLineAndNoStackTrace() throws Exception {
    Run run = java("-jar", JAR.toString(), "local", "events/nope.json");

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertEquals(
        "batch-runner local: EVENT_FILE events/nope.json: no such file",
        run.err.lines().findFirst().orElse(""));
    assertTrue(!run.err.contains("\tat "), run.err);
  }

  @Test
  void jar_whenSameEventTwice_answersDispatchedThenDuplicateAndExitsRightAway() throws Exception {
    Run first = local("monolith-put-events.json");
    Run second = local("monolith-put-events.json");

    assertEquals(0, first.code, first.err);
    assertEquals("DISPATCHED", first.answer().get("outcome").asText());
    assertTrue(first.err.contains("RunTask request (dry run, not sent)"), first.err);
    assertEquals(0, second.code, second.err);
    assertEquals("DUPLICATE", second.answer().get("outcome").asText());
    for (Run run : List.of(first, second)) {
      assertTrue(
          run.exitedAfterAnswerMillis < EXIT_AFTER_ANSWER_MILLIS,
          "exited " + run.exitedAfterAnswerMillis + " ms after its answer");
      assertTrue(!run.err.contains("Initializing DynamoDB Local"), run.err);
    }
  }

  @Test
  void jar_whenRejected_exits2WithFieldAndReason() throws Exception {
    Run run = local("invalid/missing-required-parameter.json");

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.contains("the function rejected it: parameters.reportDate"), run.err);
  }

  @Test
  void jar_whenMoto_startsTheTaskInMoto() throws Exception {
    RequiredTool.require(MotoServer.available(), "--moto needs moto: pip install 'moto[server]'");

    Run run = local("direct-explicit-key.json", "--moto");

    assertEquals(0, run.code, run.err);
    assertEquals("DISPATCHED", run.answer().get("outcome").asText(), run.err);
    String arn = run.answer().get("taskArns").get(0).asText();
    assertTrue(run.err.contains("moto task " + arn + " (RUNNING"), run.err);
    assertTrue(run.exitedAfterAnswerMillis < EXIT_AFTER_ANSWER_MILLIS, run.err);
  }

  @Test
  void jar_whenCopiedWithoutItsDynamoDbLocalClasspath_exits1SayingHowToBuild() throws Exception {
    Path copy = Files.copy(JAR, dir.resolve("batch-runner-cli.jar"));

    Run run =
        java(
            "-jar",
            copy.toString(),
            "local",
            Fixtures.events().resolve("monolith-put-events.json").toString(),
            "--catalog",
            Fixtures.catalogFile().toString(),
            "--state",
            dir.resolve("state").toString());

    assertEquals(1, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.contains(LocalDynamoDb.CLASSPATH_FILE + ", which is missing"), run.err);
    assertTrue(run.err.contains("./batch-runner"), run.err);
  }

  @Test
  void jar_status_readsTheLocalRunnersRecord_andExits3Or2AsTheContractSays() throws Exception {
    assertEquals(0, local("monolith-put-events.json").code);
    String key = "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";
    String[] local = {"--local", "--state", dir.resolve("state").toString()};
    String catalog = Fixtures.catalogFile().toString();

    Run found =
        java(
            concat("-jar", JAR.toString(), "status", "--key", key, "--json", "--catalog", catalog)
                .with(local));
    Run missing =
        java(
            concat(
                    "-jar",
                    JAR.toString(),
                    "status",
                    "--key",
                    "daily-report#0",
                    "--catalog",
                    catalog)
                .with(local));
    Run noTable = java("-jar", JAR.toString(), "status", "--key", key, "--region", "eu-west-1");

    assertEquals(0, found.code, found.err);
    assertEquals("DISPATCHED", found.answer().get("status").asText());
    assertEquals(key, found.answer().get("idempotencyKey").asText());
    assertEquals(3, missing.code, missing.err);
    assertEquals("", missing.out);
    assertEquals(2, noTable.code, noTable.err);
    assertTrue(noTable.err.contains("--table"), noTable.err);
  }

  private static Args concat(String... first) {
    return new Args(List.of(first));
  }

  private record Args(List<String> first) {
    String[] with(String... more) {
      List<String> all = new ArrayList<>(first);
      all.addAll(List.of(more));
      return all.toArray(String[]::new);
    }
  }

  private Run local(String event, String... options) throws Exception {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("-jar", JAR.toString(), "local"));
    args.add(Fixtures.events().resolve(event).toString());
    args.addAll(List.of("--catalog", Fixtures.catalogFile().toString()));
    args.addAll(List.of("--state", dir.resolve("state").toString()));
    args.addAll(List.of(options));
    return java(args.toArray(String[]::new));
  }

  /** Runs a JVM and notes when its stdout's first bytes came and when it exited. */
  private Run java(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("BATCH_CATALOG");
    builder.environment().remove("IDEMPOTENCY_TABLE");
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<Timed> out =
        CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<Timed> err =
        CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("no exit within " + RUN_TIMEOUT_SECONDS + " s: " + String.join(" ", command));
    }
    long exited = System.nanoTime();
    Timed stdout = out.get(10, TimeUnit.SECONDS);
    Timed stderr = err.get(10, TimeUnit.SECONDS);
    long afterAnswer =
        stdout.firstByteNanos == 0 ? 0 : (exited - stdout.firstByteNanos) / 1_000_000;
    return new Run(process.exitValue(), stdout.text, stderr.text, afterAnswer);
  }

  private static Timed read(InputStream in) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long first = 0;
    byte[] buffer = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (first == 0 && n > 0) {
          first = System.nanoTime();
        }
        bytes.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new Timed(bytes.toString(StandardCharsets.UTF_8), first);
  }

  private record Timed(String text, long firstByteNanos) {}

  private record Run(int code, String out, String err, long exitedAfterAnswerMillis) {
    JsonNode answer() throws Exception {
      assertTrue(!out.isBlank(), err);
      return JSON.readTree(out);
    }
  }
}
