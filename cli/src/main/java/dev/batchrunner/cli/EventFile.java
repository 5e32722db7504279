package dev.batchrunner.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The EVENT_FILE argument of {@code local} and {@code explain}. */
final class EventFile {
  private EventFile() {}

  /**
   * The file's bytes.
   *
   * @throws CliException exit 2 for a missing file or a folder, exit 1 when it cannot be read
   */
  static byte[] read(Path eventFile) {
    if (!Files.exists(eventFile)) {
      throw new CliException(ExitCode.USAGE, "EVENT_FILE " + eventFile + ": no such file");
    }
    if (Files.isDirectory(eventFile)) {
      throw new CliException(
          ExitCode.USAGE,
          "EVENT_FILE "
              + eventFile
              + ": is a folder; give one event file, e.g. events/monolith-put-events.json");
    }
    try {
      return Files.readAllBytes(eventFile);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE, "EVENT_FILE " + eventFile + ": cannot be read: " + e, e);
    }
  }
}
