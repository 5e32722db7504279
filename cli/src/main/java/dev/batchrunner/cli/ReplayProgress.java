package dev.batchrunner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code replay}'s progress on a terminal: one stderr line, rewritten in place, with the counts so
 * far and the rate. Off a terminal (a pipe, a file, CI) it prints nothing; the summary comes after
 * it either way.
 */
final class ReplayProgress implements Consumer<DeadLetterReplay.Counts> {
  /** At most this often, so a fast drain does not spend its time on the terminal. */
  private static final long EVERY_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final LongSupplier nanoTime;
  private final long start;
  private long last = Long.MIN_VALUE;
  private int width;

  /**
   * @param terminal whether stderr is a terminal ({@link #stderrIsTerminal()})
   * @param nanoTime the clock ({@link System#nanoTime} outside tests)
   */
  ReplayProgress(PrintWriter err, boolean terminal, LongSupplier nanoTime) {
    this.err = err;
    this.terminal = terminal;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
  }

  /**
   * Whether stderr is a terminal. {@code System.console()} (Java 17) answers for stdin and stdout,
   * so {@code replay --json > out.json} would show no progress; on Linux, stderr's own file
   * descriptor says it.
   */
  static boolean stderrIsTerminal() {
    if (System.console() != null) {
      return true;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false; // no /proc (macOS, Windows): as System.console() said
    }
  }

  @Override
  public void accept(DeadLetterReplay.Counts counts) {
    if (!terminal) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (last != Long.MIN_VALUE && now - last < EVERY_NANOS) {
      return;
    }
    last = now;
    double seconds = Math.max(1e-9, (now - start) / 1e9);
    String line =
        String.format(
            Locale.ROOT,
            "batch-runner replay: %d received, %d replayed, %d failed, %d skipped (%.1f/s)",
            counts.received(),
            counts.replayed(),
            counts.failed(),
            counts.skipped(),
            counts.received() / seconds);
    err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
    err.flush();
    width = line.length();
  }

  /** Clears the progress line, if one was printed, so the summary starts on a clean line. */
  void finish() {
    if (width > 0) {
      err.print("\r" + " ".repeat(width) + "\r");
      err.flush();
      width = 0;
    }
  }
}
