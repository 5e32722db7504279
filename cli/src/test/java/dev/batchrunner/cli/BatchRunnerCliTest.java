package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line itself: help, usage errors and input checks that need no DynamoDB Local. */
class BatchRunnerCliTest {
  @TempDir Path dir;

  @Test
  void execute_whenHelp_printsUsageWithAnExampleOnStdout() {
    Run top = run("--help");
    Run local = run("local", "--help");

    assertEquals(0, top.code);
    assertTrue(top.out.contains("Usage: batch-runner"), top.out);
    assertTrue(top.out.contains("local"), top.out);
    assertTrue(top.out.contains("Examples:"), top.out);
    for (String command : List.of("local", "validate", "explain", "status", "list", "rerun")) {
      assertTrue(top.out.contains("  " + command + " "), command + " missing: " + top.out);
    }
    assertEquals("", top.err);
    assertEquals(0, local.code);
    assertTrue(local.out.contains("Usage: batch-runner local"), local.out);
    assertTrue(local.out.contains("EVENT_FILE"), local.out);
    assertTrue(local.out.contains("--moto"), local.out);
    assertTrue(local.out.contains("--ecs-endpoint=URL"), local.out);
    assertTrue(local.out.contains("Example:"), local.out);
    assertTrue(local.out.contains("batch-runner local events/monolith-put-events.json"), local.out);
    assertEquals("", local.err);
  }

  @Test
  void execute_whenNoCommand_isUsageErrorNamingIt() {
    Run run = run();

    assertEquals(2, run.code);
    assertEquals("", run.out);
    assertTrue(run.err.startsWith("batch-runner: missing COMMAND"), run.err);
  }

  @Test
  void execute_whenUnknownOption_namesItAndExits2() {
    Run run = run("local", "--bogus", event("monolith-put-events.json"));

    assertEquals(2, run.code);
    assertEquals("", run.out);
    assertTrue(run.err.startsWith("batch-runner local: Unknown option: '--bogus'"), run.err);
    assertTrue(run.err.contains("Try 'batch-runner local --help'"), run.err);
  }

  @Test
  void execute_whenEventFileMissing_saysWhichArgumentAndWhy() {
    Run run = run("local", "events/nope.json");

    assertEquals(2, run.code);
    assertEquals("", run.out);
    assertTrue(
        run.err.startsWith("batch-runner local: EVENT_FILE events/nope.json: no such file"),
        run.err);
    assertTrue(!run.err.contains("Exception"), run.err);
  }

  @Test
  void execute_whenNoEventFile_isUsageError() {
    Run run = run("local", "--reset");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("Missing required parameter: 'EVENT_FILE'"), run.err);
  }

  @Test
  void execute_whenMotoAndEcsEndpoint_isUsageError() {
    Run run =
        run("local", event("monolith-put-events.json"), "--moto", "--ecs-endpoint", "http://x");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("mutually exclusive"), run.err);
  }

  @Test
  void execute_whenEcsEndpointIsNoHttpUrl_namesTheOption() {
    Run run = run("local", event("monolith-put-events.json"), "--ecs-endpoint", "ftp://host");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--ecs-endpoint ftp://host: expected an http://"), run.err);
  }

  @Test
  void execute_whenCatalogMissing_namesTheOption() {
    Run run = run("local", event("monolith-put-events.json"), "--catalog", "nope.json");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--catalog nope.json: no such file"), run.err);
  }

  @Test
  void execute_whenCatalogInvalid_listsEveryProblemAndExits2() throws Exception {
    Path catalog = dir.resolve("catalog.json");
    Files.writeString(
        catalog,
        "{\"batches\":{\"x\":{\"containerName\":\"app\",\"parameters\":{\"p\":{\"env\":\"LD_X\"}}}}}");

    Run run =
        run(
            "local",
            event("monolith-put-events.json"),
            "--catalog",
            catalog.toString(),
            "--state",
            dir.resolve("state").toString());

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.contains("invalid batch catalog"), run.err);
    assertTrue(run.err.contains("batches.x.taskDefinition"), run.err);
    assertTrue(run.err.contains("LD_X"), run.err);
  }

  @Test
  void execute_whenStateIsAFile_namesTheOption() throws Exception {
    Path file = Files.writeString(dir.resolve("state"), "");

    Run run = run("local", event("monolith-put-events.json"), "--state", file.toString());

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--state " + file + ": not a folder"), run.err);
  }

  @Test
  void execute_whenVersion_printsIt() {
    Run run = run("--version");

    assertEquals(0, run.code);
    assertTrue(run.out.startsWith("batch-runner "), run.out);
  }

  private static String event(String name) {
    return Fixtures.events().resolve(name).toString();
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(
            args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}
}
