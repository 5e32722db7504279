package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code batch-runner completion}: picocli's script for the whole command tree. */
class CompletionCommandTest {
  @Test
  void completion_whenRun_printsABashScriptForEveryCommandAndOption() {
    CliRun run = CliRun.run(Map.of(), "completion");

    assertEquals(0, run.code(), run.err());
    assertEquals("", run.err());
    assertTrue(run.out().startsWith("#!/usr/bin/env bash"), run.out());
    assertTrue(run.out().contains("\ncomplete -F _complete_batch-runner "), run.out());
    // the zsh path of the same script
    assertTrue(run.out().contains("bashcompinit"), run.out());
    for (String command : List.of("local", "validate", "explain", "completion")) {
      assertTrue(run.out().contains("function _picocli_batch-runner_" + command + "()"), command);
    }
    for (String option : List.of("--catalog", "--env", "--json", "--moto", "--ecs-endpoint")) {
      assertTrue(run.out().contains(option), option);
    }
  }

  @Test
  void completion_whenZsh_printsTheSameScript() {
    assertEquals(
        CliRun.run(Map.of(), "completion", "bash").out(),
        CliRun.run(Map.of(), "completion", "zsh").out());
    assertEquals(
        CliRun.run(Map.of(), "completion").out(), CliRun.run(Map.of(), "completion", "zsh").out());
  }

  @Test
  void completion_whenOtherShell_isAUsageErrorNamingTheChoices() {
    CliRun run = CliRun.run(Map.of(), "completion", "fish");

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertTrue(run.err().contains("expected one of [bash, zsh]"), run.err());
  }

  @Test
  void completion_whenHelp_showsHowToInstallIt() {
    CliRun run = CliRun.run(Map.of(), "completion", "--help");

    assertEquals(0, run.code());
    assertTrue(run.out().contains("Example:\n  source <(batch-runner completion)"), run.out());
    assertTrue(run.out().contains("Exit status:"), run.out());
    assertTrue(run.out().lines().allMatch(l -> l.length() <= 80), run.out());
  }
}
