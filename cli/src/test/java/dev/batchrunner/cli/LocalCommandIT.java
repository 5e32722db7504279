package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.testkit.EcsStub;
import dev.batchrunner.testkit.RequiredTool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batch-runner local} in this JVM (DynamoDB Local in its child JVM): README's "run it
 * locally" with the tests' catalog.
 */
class LocalCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  @Test
  void local_whenSameEventTwice_answersDispatchedThenDuplicate() throws Exception {
    Run first = local("monolith-put-events.json");
    Run second = local("monolith-put-events.json");

    assertEquals(0, first.code, first.err);
    assertEquals("DISPATCHED", first.answer().get("outcome").asText());
    assertTrue(first.answer().get("dryRun").asBoolean(), first.out);
    assertTrue(first.err.contains("RunTask request (dry run, not sent)"), first.err);
    assertTrue(first.err.contains("\"clientToken\""), first.err);
    assertEquals(0, second.code, second.err);
    assertEquals("DUPLICATE", second.answer().get("outcome").asText());
    assertEquals(first.answer().get("idempotencyKey"), second.answer().get("idempotencyKey"));
    assertTrue(second.err.contains("--reset forgets them"), second.err);
    assertTrue(Files.isDirectory(state.resolve("dry-run").resolve("dynamodb")));
  }

  @Test
  void local_whenReset_forgetsEarlierDispatches() throws Exception {
    local("scheduled-input-transformer.json");
    Run again = local("scheduled-input-transformer.json", "--reset");

    assertEquals(0, again.code, again.err);
    assertEquals("DISPATCHED", again.answer().get("outcome").asText());
    assertTrue(again.err.contains("--reset: forgot the records in"), again.err);
  }

  @Test
  void local_whenFunctionRejectsTheEvent_exits2NamingFieldAndReason() {
    Run run = local("invalid/pattern-mismatch.json");

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(
        run.err.contains("the function rejected it: parameters.reportDate: '22/11/2026' does not"),
        run.err);
  }

  @Test
  void local_whenSqsBatchHasARejectedRecord_printsTheAnswerAndExits2() throws Exception {
    Run run = local("sqs-batch.json");

    assertEquals(2, run.code, run.err);
    assertEquals(1, run.answer().get("batchItemFailures").size(), run.out);
    assertTrue(run.err.contains("REJECTED (SQS message "), run.err);
    assertEquals(2, count(run.err, "DISPATCHED (SQS message "), run.err);
  }

  @Test
  void local_whenEcsEndpointUnreachable_exits1() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    Run run = local("monolith-put-events.json", "--ecs-endpoint", "http://127.0.0.1:" + closedPort);

    assertEquals(1, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.contains("not dispatched (a retry may succeed)"), run.err);
  }

  @Test
  void local_whenEcsEndpointAfterADryRun_dispatchesForReal() throws Exception {
    Run dryRun = local("monolith-put-events.json");
    try (EcsStub ecs = EcsStub.start()) {
      Run real = local("monolith-put-events.json", "--ecs-endpoint", ecs.endpoint().toString());
      Run again = local("monolith-put-events.json", "--ecs-endpoint", ecs.endpoint().toString());

      assertEquals("DISPATCHED", dryRun.answer().get("outcome").asText());
      assertEquals(0, real.code, real.err);
      assertEquals("DISPATCHED", real.answer().get("outcome").asText(), real.err);
      assertEquals(ecs.startedTaskArns().get(0), real.answer().get("taskArns").get(0).asText());
      assertEquals("DUPLICATE", again.answer().get("outcome").asText());
      assertEquals(1, ecs.runTaskCount());
    }
  }

  @Test
  void local_whenMotoAfterADryRun_startsATaskInMotoEveryTime() throws Exception {
    RequiredTool.require(MotoServer.available(), "--moto needs moto: pip install 'moto[server]'");

    Run dryRun = local("monolith-put-events.json");
    Run moto = local("monolith-put-events.json", "--moto");
    Run motoAgain = local("monolith-put-events.json", "--moto");

    assertEquals("DISPATCHED", dryRun.answer().get("outcome").asText());
    // moto forgets its tasks when it stops: each --moto run is fresh, records included.
    for (Run run : List.of(moto, motoAgain)) {
      assertEquals(0, run.code, run.err);
      assertEquals("DISPATCHED", run.answer().get("outcome").asText(), run.err);
      assertEquals(1, run.answer().get("taskArns").size(), run.out);
      String arn = run.answer().get("taskArns").get(0).asText();
      assertTrue(
          run.err.contains("moto task " + arn + " (RUNNING, startedBy batch-runner)"), run.err);
      assertTrue(run.err.contains("REPORT_DATE=2026-11-22"), run.err);
      assertTrue(!run.err.contains("no task was started"), run.err);
    }
  }

  @Test
  void theOperatorCommands_withLocal_readTheLocalRunnersRecords() throws Exception {
    assertEquals(0, local("monolith-put-events.json").code);
    String key = "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

    Run status =
        cli(
            "status",
            "--local",
            "--batch",
            "daily-report",
            "--param",
            "reportDate=2026-11-22",
            "--param",
            "tenant=acme",
            "--json");
    Run list = cli("list", "--local");
    Run rerun = cli("rerun", "--local", "--key", key, "--reason", "test");

    assertEquals(0, status.code, status.err);
    assertEquals(key, status.answer().get("idempotencyKey").asText());
    assertEquals("DISPATCHED", status.answer().get("status").asText());
    assertEquals(0, list.code, list.err);
    assertTrue(list.out.contains(key), list.out);
    assertEquals(ExitCode.USAGE, rerun.code, rerun.out);
    assertTrue(rerun.err.contains("in flight is never re-run"), rerun.err);
  }

  @Test
  void theOperatorCommands_withLocalAndNoRecordsYet_sayWhatToRunFirst() {
    Run status = cli("status", "--local", "--key", "daily-report#0");

    assertEquals(ExitCode.NOT_FOUND, status.code, status.err);
    assertTrue(status.err.contains("./batch-runner local"), status.err);
  }

  private Run cli(String... words) {
    List<String> args = new ArrayList<>(List.of(words));
    args.addAll(List.of("--catalog", Fixtures.catalogFile().toString()));
    args.addAll(List.of("--state", state.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(
            args.toArray(String[]::new),
            Map.of(),
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private Run local(String event, String... options) {
    List<String> words =
        new ArrayList<>(List.of("local", Fixtures.events().resolve(event).toString()));
    words.addAll(List.of(options));
    return cli(words.toArray(String[]::new));
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  private record Run(int code, String out, String err) {
    /** stdout holds the answer and nothing else. */
    JsonNode answer() throws Exception {
      assertTrue(!out.isBlank(), err);
      return JSON.readTree(out);
    }
  }
}
