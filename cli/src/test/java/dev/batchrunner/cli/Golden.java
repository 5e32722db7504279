package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files: expected human output under {@code cli/src/test/resources/golden/}, compared
 * exactly. After an intended change of the output, rewrite them with {@code -Dgolden.update=true}
 * and review the diff like code.
 */
final class Golden {
  private static final Path DIR = Fixtures.projectRoot().resolve("cli/src/test/resources/golden");

  private Golden() {}

  /** Asserts that {@code actual} is the golden file {@code name}, byte for byte. */
  static void assertMatches(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual, StandardCharsets.UTF_8);
      }
      if (!Files.isRegularFile(file)) {
        throw new AssertionError(
            "no golden file " + file + " (run once with -Dgolden.update=true); actual:\n" + actual);
      }
      assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "golden " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
