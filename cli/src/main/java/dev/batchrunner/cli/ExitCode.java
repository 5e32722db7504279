package dev.batchrunner.cli;

/** The CLI's exit statuses: one meaning each, the same for every command (CONTRACT.md). */
final class ExitCode {
  /** Done: the command did what was asked (for {@code local}: the function answered). */
  static final int OK = 0;

  /** An AWS or I/O failure: a call failed, a tool or file the command needs is missing. */
  static final int FAILURE = 1;

  /** Usage or invalid input: the message names the argument or field and says why. */
  static final int USAGE = 2;

  /** What was asked for does not exist. */
  static final int NOT_FOUND = 3;

  /**
   * {@code guard} only: the request is a duplicate (another task runs it, or ran it inside its
   * window), so the app must not start.
   */
  static final int DUPLICATE = 10;

  private ExitCode() {}
}
