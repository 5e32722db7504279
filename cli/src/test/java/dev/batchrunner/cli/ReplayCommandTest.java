package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.cli.DeadLetterReplay.Replayed;
import dev.batchrunner.cli.DeadLetterReplay.Result;
import dev.batchrunner.cli.DeadLetterReplay.Stop;
import dev.batchrunner.cli.DeadLetterReplay.Summary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code replay}'s command line, exit statuses and reports, without AWS: every usage error is
 * caught before the first call (the environment points at no endpoint, so a call would fail).
 */
class ReplayCommandTest {
  private static final String QUEUE =
      "https://sqs.eu-west-1.amazonaws.com/123456789012/batch-runner-prod-EventsDeadLetterQueue-1A";
  private static final Map<String, String> ENV =
      Map.of(
          "AWS_REGION", "eu-west-1",
          "AWS_ACCESS_KEY_ID", "testing",
          "AWS_SECRET_ACCESS_KEY", "testing",
          // A closed port: a call that got through would fail with exit 1, not 2.
          "AWS_ENDPOINT_URL", "http://127.0.0.1:9");

  @Test
  void help_showsUsageExamplesExitStatusesAndIam() {
    Run run = run("replay", "--help");

    assertEquals(0, run.code);
    assertEquals("", run.err);
    assertTrue(run.out.startsWith("Drains a dead-letter queue of the stack"), run.out);
    assertTrue(run.out.contains("Usage: batch-runner replay"), run.out);
    for (String option :
        List.of(
            "--queue=URL",
            "--bus=NAME_OR_ARN",
            "--function=NAME_OR_ARN",
            "--direct",
            "--dry-run",
            "--max=N",
            "--json",
            "--wait=SECONDS",
            "--region=REGION",
            "--profile=NAME")) {
      assertTrue(run.out.contains(option), option + " in\n" + run.out);
    }
    assertTrue(run.out.contains("Examples:"), run.out);
    assertTrue(run.out.contains("batch-runner replay --dry-run --queue"), run.out);
    assertTrue(run.out.contains("Exit status:"), run.out);
    assertTrue(run.out.contains("  0   every message received was handed on and deleted"), run.out);
    assertTrue(run.out.contains("  1   an AWS call failed"), run.out);
    assertTrue(run.out.contains("  2   a bad or missing option, or messages left"), run.out);
    for (String action : ReplayCommand.IAM_ACTIONS) {
      assertTrue(run.out.replaceAll("\\n\\s*", "").contains(action), action + " in --help");
    }
    assertTrue(!run.out.contains("--table"), "replay reads no idempotency table");
  }

  @Test
  void topLevelHelp_listsReplay() {
    Run run = run("--help");

    assertTrue(run.out.contains("  replay "), run.out);
  }

  @Test
  void iamActions_areExactlyTheCallsReplayMakes() {
    assertEquals(
        List.of(
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "events:PutEvents",
            "lambda:InvokeFunction"),
        ReplayCommand.IAM_ACTIONS);
  }

  @Test
  void replay_whenNoQueue_isUsageError() {
    Run run = run("replay", "--bus", "b");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("Missing required option: '--queue=URL'"), run.err);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "batch-runner-prod-EventsDeadLetterQueue",
        "ftp://sqs.eu-west-1.amazonaws.com/123456789012/q",
        "https://sqs.eu-west-1.amazonaws.com/q",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/q/extra",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/q?Action=ReceiveMessage",
        "https:///123456789012/q"
      })
  void replay_whenQueueIsNoQueueUrl_exits2NamingTheOption(String url) {
    Run run = run("replay", "--queue", url, "--bus", "b");

    assertEquals(2, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(
        run.err.startsWith("batch-runner replay: --queue " + url + ": not a queue URL"), run.err);
  }

  @Test
  void replay_whenQueueIsAnArn_saysWhichUrlToGive() {
    Run run = run("replay", "--queue", "arn:aws:sqs:eu-west-1:123456789012:dlq", "--bus", "b");

    assertEquals(2, run.code);
    assertTrue(
        run.err.contains(
            "a queue ARN; give its URL: https://sqs.eu-west-1.amazonaws.com/123456789012/dlq"),
        run.err);
  }

  @Test
  void replay_whenNoTargetAndNoDryRun_exits2SayingWhatToGive() {
    Run run = run("replay", "--queue", QUEUE);

    assertEquals(2, run.code);
    assertTrue(run.err.contains("nothing to hand the events on to: give --bus"), run.err);
    assertTrue(run.err.contains("--function NAME_OR_ARN"), run.err);
  }

  @Test
  void replay_whenDirectWithoutFunction_exits2() {
    Run run = run("replay", "--queue", QUEUE, "--direct", "--dry-run");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--direct: invokes --function with every event"), run.err);
  }

  @Test
  void replay_whenDirectWithBus_exits2() {
    Run run = run("replay", "--queue", QUEUE, "--direct", "--function", "f", "--bus", "b");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--bus would not be used"), run.err);
  }

  @Test
  void replay_whenBusIsBlank_exits2() {
    Run run = run("replay", "--queue", QUEUE, "--bus", " ");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--bus: empty"), run.err);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-3"})
  void replay_whenMaxBelowOne_exits2(String max) {
    Run run = run("replay", "--queue", QUEUE, "--bus", "b", "--max", max);

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--max " + max + ": give at least 1"), run.err);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "21"})
  void replay_whenWaitOutOfSqsRange_exits2(String wait) {
    Run run = run("replay", "--queue", QUEUE, "--bus", "b", "--wait", wait);

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--wait " + wait + ": SQS waits 0 to 20 seconds"), run.err);
  }

  @Test
  void replay_whenEndpointVariableIsNoUrl_exits2NamingIt() {
    Map<String, String> env = new java.util.HashMap<>(ENV);
    env.put("AWS_ENDPOINT_URL_SQS", "not a url");

    Run run = run(env, "replay", "--queue", QUEUE, "--bus", "b");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("AWS_ENDPOINT_URL_SQS=not a url is not an endpoint URL"), run.err);
  }

  @Test
  void replay_whenQueueIsInAnotherRegion_exits2NamingBoth() {
    Run run = run("replay", "--queue", QUEUE, "--bus", "b", "--region", "us-east-1");

    assertEquals(2, run.code);
    assertTrue(
        run.err.contains("a queue in eu-west-1, but the region is us-east-1 (--region,"), run.err);
  }

  @Test
  void replay_whenNoRegionGiven_takesTheQueueUrls() {
    Run run =
        run(
            Map.of(
                "AWS_ACCESS_KEY_ID", "x",
                "AWS_SECRET_ACCESS_KEY", "y",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            "replay",
            "--queue",
            QUEUE.replace("eu-west-1", "ap-southeast-2"),
            "--bus",
            "b",
            "--wait",
            "0");

    // Past the region check to the (refused) call: exit 1, not a usage error.
    assertEquals(1, run.code, run.err);
    assertTrue(run.err.contains("ReceiveMessage from "), run.err);
  }

  @Test
  void replay_whenNoRegionAnywhere_exits2NamingRegion() {
    Run run =
        run(
            Map.of("AWS_ACCESS_KEY_ID", "x", "AWS_SECRET_ACCESS_KEY", "y"),
            "replay",
            "--queue",
            "http://127.0.0.1:9/123456789012/dlq",
            "--bus",
            "b");

    assertEquals(2, run.code);
    assertTrue(run.err.contains("--region: AWS_REGION is not set"), run.err);
  }

  @Test
  void replay_whenTheQueueCannotBeReached_exits1AfterTheSummary() {
    Run run = run("replay", "--queue", QUEUE, "--bus", "b", "--wait", "0");

    assertEquals(1, run.code, run.err);
    assertEquals("", run.out);
    assertTrue(run.err.startsWith("batch-runner replay: 0 received"), run.err);
    assertTrue(run.err.contains("ReceiveMessage from " + QUEUE + " failed: "), run.err);
  }

  @Test
  void regionOf_readsTheRegionOfAwsQueueUrlsOnly() {
    assertEquals("eu-west-1", ReplayCommand.regionOf(URI.create(QUEUE)));
    assertEquals(
        "us-east-2",
        ReplayCommand.regionOf(URI.create("https://us-east-2.queue.amazonaws.com/1/q")));
    assertEquals(
        "cn-north-1",
        ReplayCommand.regionOf(URI.create("https://sqs.cn-north-1.amazonaws.com.cn/1/q")));
    assertNull(ReplayCommand.regionOf(URI.create("http://127.0.0.1:5000/123456789012/q")));
  }

  @Test
  void exitCode_isOneForAnyFailureThenTwoForAnythingLeftElseZero() {
    assertEquals(0, ReplayCommand.exitCode(summary(Stop.EMPTY, Result.REPLAYED, Result.REPLAYED)));
    assertEquals(0, ReplayCommand.exitCode(summary(Stop.MAX, Result.REPLAYED)));
    assertEquals(0, ReplayCommand.exitCode(summary(Stop.EMPTY)));
    assertEquals(0, ReplayCommand.exitCode(summary(Stop.EMPTY, Result.DRY_RUN)));
    assertEquals(2, ReplayCommand.exitCode(summary(Stop.EMPTY, Result.REPLAYED, Result.SKIPPED)));
    assertEquals(2, ReplayCommand.exitCode(summary(Stop.EMPTY, Result.DRY_RUN, Result.SKIPPED)));
    assertEquals(1, ReplayCommand.exitCode(summary(Stop.EMPTY, Result.SKIPPED, Result.FAILED)));
    assertEquals(1, ReplayCommand.exitCode(summary(Stop.ERROR, Result.REPLAYED)));
    assertEquals(1, ReplayCommand.exitCode(summary(Stop.ERROR)));
  }

  @Test
  void report_whenSomethingIsLeft_saysWhatAndWhatToDo() {
    List<Replayed> messages = new ArrayList<>();
    messages.add(replayed("m1", "{\"batchTypeId\":\"a\"}", "function:f", Result.REPLAYED));
    messages.add(replayed("m2", "{\"batchTypeId\":\"b\"}", "function:f", Result.FAILED));
    messages.add(replayed("m3", event("task-state-change/running.json"), null, Result.SKIPPED));
    messages.add(replayed("m4", event("monolith-put-events.json"), null, Result.SKIPPED));
    messages.add(replayed("m5", "nope", null, Result.SKIPPED));
    StringWriter text = new StringWriter();

    ReplayCommand.report(
        new Summary(false, messages, Stop.MAX, null, List.of("m9 could not be made visible")),
        new PrintWriter(text, true));

    List<String> lines = text.toString().lines().toList();
    assertEquals(
        List.of(
            "batch-runner replay: 5 received: 1 replayed and deleted, 1 failed, 3 skipped; 4 left"
                + " in the queue",
            "batch-runner replay: stopped at --max 5; the queue may hold more",
            "batch-runner replay: 1 hand-on(s) failed (see DETAIL); fix the cause, then run replay"
                + " again",
            "batch-runner replay: 1 Batch Requested envelope(s) need --bus NAME_OR_ARN (or"
                + " --direct --function)",
            "batch-runner replay: 1 task state change(s) or bare request(s) need --function"
                + " NAME_OR_ARN",
            "batch-runner replay: 1 message(s) are not replayable (see DETAIL) and stay in the"
                + " queue: replay never deletes them; read them with aws sqs receive-message,"
                + " delete them by hand",
            "batch-runner replay: warning: m9 could not be made visible"),
        lines);
  }

  @Test
  void report_whenDryRun_saysNothingWasDone() {
    StringWriter text = new StringWriter();

    ReplayCommand.report(
        new Summary(
            true,
            List.of(replayed("m1", "{\"batchTypeId\":\"a\"}", "function:f", Result.DRY_RUN)),
            Stop.EMPTY,
            null,
            List.of()),
        new PrintWriter(text, true));

    assertEquals(
        "batch-runner replay: dry run: 1 received: 1 would be replayed, 0 skipped; nothing was"
            + " handed on or deleted\n",
        text.toString().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void table_showsOneRowPerMessageWithTerminalSafeCells() {
    String table =
        ReplayCommand.table(
            new Summary(
                true,
                List.of(
                    replayed(
                        "m1",
                        "{\"batchTypeId\":\"evil\\u001b[2J\",\"traceId\":\"t\"}",
                        "function:f",
                        Result.DRY_RUN),
                    replayed("m2", "nope", null, Result.SKIPPED)),
                Stop.EMPTY,
                null,
                List.of()));

    List<String> lines = table.lines().toList();
    assertEquals(4, lines.size(), table);
    assertTrue(lines.get(0).startsWith("MESSAGE ID  KIND"), table);
    assertTrue(lines.get(2).startsWith("m1          REQUEST"), table);
    assertTrue(lines.get(2).contains("evil?[2J"), table);
    assertTrue(!table.contains("\u001b"), table);
    assertTrue(lines.get(3).contains("UNREPLAYABLE"), table);
    assertTrue(lines.get(3).contains("SKIPPED"), table);
  }

  @Test
  void progress_onATerminal_rewritesOneLineThenClearsIt() {
    StringWriter text = new StringWriter();
    AtomicLong now = new AtomicLong(0);
    ReplayProgress progress = new ReplayProgress(new PrintWriter(text, true), true, now::get);

    now.set(2_000_000_000L);
    progress.accept(new DeadLetterReplay.Counts(10, 8, 1, 1));
    now.set(2_050_000_000L);
    progress.accept(new DeadLetterReplay.Counts(11, 9, 1, 1)); // within 100 ms: not drawn
    now.set(4_000_000_000L);
    progress.accept(new DeadLetterReplay.Counts(20, 18, 1, 1));
    progress.finish();

    String out = text.toString();
    assertTrue(
        out.startsWith(
            "\rbatch-runner replay: 10 received, 8 replayed, 1 failed, 1 skipped (5.0/s)"),
        out);
    assertTrue(!out.contains("11 received"), out);
    assertTrue(
        out.contains(
            "\rbatch-runner replay: 20 received, 18 replayed, 1 failed, 1 skipped (5.0/s)"),
        out);
    assertTrue(out.endsWith("\r"), "cleared for the summary: " + out);
    assertTrue(!out.contains("\n"), out);
  }

  @Test
  void progress_offATerminal_printsNothing() {
    StringWriter text = new StringWriter();
    ReplayProgress progress = new ReplayProgress(new PrintWriter(text, true), false, () -> 0L);

    progress.accept(new DeadLetterReplay.Counts(1, 1, 0, 0));
    progress.finish();

    assertEquals("", text.toString());
  }

  private static Summary summary(Stop stop, Result... results) {
    List<Replayed> messages = new ArrayList<>();
    for (int i = 0; i < results.length; i++) {
      messages.add(replayed("m" + i, "{\"batchTypeId\":\"a\"}", "function:f", results[i]));
    }
    return new Summary(false, messages, stop, stop == Stop.ERROR ? "it broke" : null, List.of());
  }

  private static Replayed replayed(String id, String body, String target, Result result) {
    return new Replayed(id, DeadLetter.classify(body), target, result, "detail of " + id);
  }

  private static String event(String name) {
    return new String(
        dev.batchrunner.core.testing.Fixtures.event(name), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static Run run(String... args) {
    return run(ENV, args);
  }

  private static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}
}
