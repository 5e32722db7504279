package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The offline commands of the packaged CLI, {@code java -jar target/batch-runner-cli.jar validate |
 * explain | completion}, as a user runs them: stdout (the same goldens as the in-JVM tests), stderr
 * and the exit status, in a JVM whose environment holds only what each test gives it.
 */
class OfflineCommandsIT {
  private static final Path JAR = Path.of("target", "batch-runner-cli.jar");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long RUN_TIMEOUT_SECONDS = 60;

  @Test
  void validate_whenFixturesCatalogAndItsEnvironment_printsTheGoldenAndExits0() throws Exception {
    Run run = java(Fixtures.CATALOG_ENV, "validate", "--catalog", catalog());

    assertEquals(0, run.code, run.err);
    assertEquals("", run.err);
    Golden.assertMatches("validate-fixtures.txt", CliRun.portable(run.out));
  }

  @Test
  void validate_whenPlaceholdersUnset_exits2ListingThemWithTheHint() throws Exception {
    Run run = java(Map.of(), "validate", "--catalog", catalog());

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    Golden.assertMatches("validate-unset-placeholders.txt", CliRun.portable(run.err));
  }

  @Test
  void validate_whenJson_printsOneDocument() throws Exception {
    Run run = java(Fixtures.CATALOG_ENV, "validate", "--catalog", catalog(), "--json");

    assertEquals(0, run.code, run.err);
    OfflineShapes.VALID_CATALOG.check(JSON.readTree(run.out));
  }

  @Test
  void explain_whenMonolithEnvelope_printsTheGoldenAndExits0() throws Exception {
    Run run =
        java(
            Fixtures.CATALOG_ENV,
            "explain",
            event("monolith-put-events.json"),
            "--catalog",
            catalog());

    assertEquals(0, run.code, run.err);
    assertEquals("", run.err);
    Golden.assertMatches("explain-monolith.txt", ExplainCommandTest.portable(run.out));
  }

  @Test
  void explain_whenSqsBatchJson_exits2WithTheDocumentAndTheRejectedRecordOnStderr()
      throws Exception {
    Run run =
        java(
            Fixtures.CATALOG_ENV,
            "explain",
            event("sqs-batch.json"),
            "--catalog",
            catalog(),
            "--json");

    assertEquals(2, run.code, run.err);
    JsonNode doc = JSON.readTree(run.out);
    OfflineShapes.sqsExplanation().check(doc);
    assertEquals(3, doc.get("items").size());
    assertTrue(
        run.err.contains("message 9a8b7c6d-5e4f-4321-8fed-cba987654321: batchTypeId: unknown"),
        run.err);
    assertTrue(!run.err.contains("\tat "), run.err);
  }

  @Test
  void explain_whenRejected_exits2NamingTheField() throws Exception {
    Run run =
        java(
            Fixtures.CATALOG_ENV,
            "explain",
            event("invalid/missing-required-parameter.json"),
            "--catalog",
            catalog());

    assertEquals(2, run.code, run.err);
    assertTrue(run.err.contains(": rejected: parameters.reportDate: required"), run.err);
  }

  @Test
  void explain_whenEventFileMissing_exits2WithOneLine() throws Exception {
    Run run = java(Fixtures.CATALOG_ENV, "explain", "events/nope.json", "--catalog", catalog());

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertEquals("batch-runner explain: EVENT_FILE events/nope.json: no such file\n", run.err);
  }

  @Test
  void completion_printsTheScript() throws Exception {
    Run run = java(Map.of(), "completion");

    assertEquals(0, run.code, run.err);
    assertTrue(run.out.contains("complete -F _complete_batch-runner"), run.out);
  }

  private static String catalog() {
    return Fixtures.catalogFile().toString();
  }

  private static String event(String name) {
    return Fixtures.events().resolve(name).toString();
  }

  /** Runs the jar with {@code env} as the only catalog-related environment (and no AWS_*). */
  private static Run java(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.equals("BATCH_CATALOG"));
    Fixtures.CATALOG_ENV.keySet().forEach(builder.environment()::remove);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("no exit within " + RUN_TIMEOUT_SECONDS + " s: " + String.join(" ", command));
    }
    return new Run(
        process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Run(int code, String out, String err) {}
}
