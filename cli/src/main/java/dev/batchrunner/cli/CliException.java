package dev.batchrunner.cli;

/**
 * Ends a command with an exit status and a message for people (printed on stderr after the
 * command's name), without a stack trace: the message says what failed and what to do.
 */
final class CliException extends RuntimeException {
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause, false, false);
    this.exitCode = exitCode;
  }

  /** One of {@link ExitCode}'s values. */
  int exitCode() {
    return exitCode;
  }
}
