package dev.batchrunner.cli;

import dev.batchrunner.core.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link BatchRunnerCli#execute} in this JVM, with the environment given: its exit status, its
 * stdout and its stderr.
 */
record CliRun(int code, String out, String err) {

  /** The environment the tests' catalog needs (its four placeholders), and nothing else. */
  static Map<String, String> catalogEnv() {
    return new HashMap<>(Fixtures.CATALOG_ENV);
  }

  static CliRun run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        BatchRunnerCli.execute(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }

  /** The project root in output replaced by {@code $ROOT}, so that goldens hold on any machine. */
  static String portable(String text) {
    return text.replace(Fixtures.projectRoot().toString(), "$ROOT");
  }
}
