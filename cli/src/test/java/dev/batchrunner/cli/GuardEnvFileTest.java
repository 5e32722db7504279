package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guard --env-file}: what a POSIX {@code sh} gets back when it sources the file, for values
 * a shell would otherwise expand, split or end early on.
 */
class GuardEnvFileTest {
  @TempDir Path dir;

  @Test
  void writeEnvFile_whenSourcedBySh_givesEveryValueBackExactly() throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PLAIN", "2026-11-22");
    env.put("QUOTES", "it's \"quoted\" ''");
    env.put("EXPANSIONS", "$HOME ${PATH} $(id) `id` \\n \\\\ ! * ?");
    env.put("LINES", "line 1\nline 2\r\n\ttabbed  ");
    env.put("UNICODE", "Grüße € 日本語");
    env.put("EMPTY", "");
    Path file = dir.resolve("request.env");

    GuardCommand.writeEnvFile(file, env);

    assertEquals(env, source(file, env.keySet().toArray(String[]::new)));
    assertTrue(Files.readString(file).startsWith("# batch-runner guard"));
  }

  @Test
  void writeEnvFile_replacesAnEarlierFile() throws Exception {
    Path file = dir.resolve("request.env");
    GuardCommand.writeEnvFile(file, Map.of("A", "first"));

    GuardCommand.writeEnvFile(file, Map.of("A", "second"));

    assertEquals(Map.of("A", "second"), source(file, "A"));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  /** Every variable the file exports, as {@code sh} sees it after sourcing it. */
  static Map<String, String> source(Path file) throws IOException, InterruptedException {
    String text = Files.readString(file);
    return source(
        file,
        text.lines()
            .filter(l -> l.startsWith("export "))
            .map(l -> l.substring("export ".length(), l.indexOf('=')))
            .toArray(String[]::new));
  }

  /** The named variables after {@code . file} in {@code sh}, each printed NUL-terminated. */
  static Map<String, String> source(Path file, String... names)
      throws IOException, InterruptedException {
    RequiredTool.require(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
    StringBuilder script = new StringBuilder(". \"$1\"");
    for (String name : names) {
      script.append(" && printf '%s\\0' \"$").append(name).append('"');
    }
    Process sh =
        new ProcessBuilder("/bin/sh", "-c", script.toString(), "sh", file.toString())
            .redirectErrorStream(false)
            .start();
    sh.getOutputStream().close();
    byte[] out = sh.getInputStream().readAllBytes();
    String err = new String(sh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, sh.exitValue(), err);
    String[] values = new String(out, StandardCharsets.UTF_8).split("\0", -1);
    Map<String, String> result = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      result.put(names[i], values[i]);
    }
    return result;
  }
}
