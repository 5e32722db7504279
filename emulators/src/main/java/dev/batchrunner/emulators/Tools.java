package dev.batchrunner.emulators;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Looks up the external tools the emulators need (python3, moto_server). */
public final class Tools {
  private Tools() {}

  /** Whether an executable named {@code command} is on the PATH. */
  public static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null || path.isBlank()) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return true;
      }
    }
    return false;
  }
}
