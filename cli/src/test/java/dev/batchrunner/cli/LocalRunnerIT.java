package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.testkit.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's local command: the same event twice prints DISPATCHED, then DUPLICATE. */
class LocalRunnerIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The tests' own catalog, which the events/ samples name (the shipped one is the user's). */
  private static final Map<String, String> TESTS_CATALOG = testsCatalog();

  @TempDir Path state;

  @Test
  void run_whenSameEventTwice_printsDispatchedThenDuplicate() throws Exception {
    Output first = run(Fixtures.events().resolve("monolith-put-events.json").toString());
    Output second = run(Fixtures.events().resolve("monolith-put-events.json").toString());

    assertEquals(0, first.code);
    assertEquals("DISPATCHED", first.answer().get("outcome").asText());
    assertTrue(first.text.contains("RunTask request (dry run, not sent)"), first.text);
    assertTrue(first.text.contains("\"clientToken\""), first.text);
    assertEquals("DUPLICATE", second.answer().get("outcome").asText());
    assertEquals(first.answer().get("idempotencyKey"), second.answer().get("idempotencyKey"));
  }

  @Test
  void run_whenReset_forgetsEarlierDispatches() throws Exception {
    run(Fixtures.events().resolve("scheduled-input-transformer.json").toString());
    Output again =
        run(
            new LocalRunner.Options(
                Fixtures.events().resolve("scheduled-input-transformer.json"), null, state, true));

    assertEquals("DISPATCHED", again.answer().get("outcome").asText());
  }

  @Test
  void run_whenInvalidEvent_printsTheHandlerErrorAndFails() throws Exception {
    Output out = run(Fixtures.events().resolve("invalid/pattern-mismatch.json").toString());

    assertEquals(1, out.code);
    JsonNode error = JSON.readTree(out.text.substring(out.text.indexOf("Handler error:\n") + 15));
    assertEquals("RequestRejectedException", error.get("errorType").asText());
    assertTrue(out.text.contains("parameters.reportDate"), out.text);
  }

  @Test
  void run_whenMoto_sendsRunTaskAndReadsTheTaskBack() throws Exception {
    RequiredTool.require(MotoServer.available(), "--moto needs moto: pip install 'moto[server]'");

    Output out =
        run(
            new LocalRunner.Options(
                Fixtures.events().resolve("monolith-put-events.json"), null, state, false, true));

    assertEquals(0, out.code, out.text);
    assertEquals(1, out.answer().get("taskArns").size(), out.text);
    String arn = out.answer().get("taskArns").get(0).asText();
    assertTrue(
        out.text.contains("moto task " + arn + " (RUNNING, startedBy batch-runner)"), out.text);
    assertTrue(out.text.contains("REPORT_DATE=2026-11-22"), out.text);
  }

  @Test
  void parse_whenNoEvent_isUsageError() {
    assertEquals(null, LocalRunner.Options.parse(new String[] {"--reset"}));
    assertEquals(null, LocalRunner.Options.parse(new String[] {"a.json", "--ecs-endpoint"}));
    assertEquals(
        null,
        LocalRunner.Options.parse(new String[] {"a.json", "--moto", "--ecs-endpoint", "http://x"}));
  }

  private Output run(String event) throws Exception {
    return run(new LocalRunner.Options(Path.of(event), null, state, false));
  }

  private static Output run(LocalRunner.Options options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code =
        LocalRunner.run(
            options, TESTS_CATALOG, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return new Output(code, bytes.toString(StandardCharsets.UTF_8));
  }

  private static Map<String, String> testsCatalog() {
    Map<String, String> env = new HashMap<>(Fixtures.CATALOG_ENV);
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    return Map.copyOf(env);
  }

  private record Output(int code, String text) {
    JsonNode answer() throws Exception {
      int at = text.indexOf("Handler answer:\n");
      assertTrue(at >= 0, text);
      return JSON.readTree(text.substring(at + "Handler answer:\n".length()));
    }
  }
}
