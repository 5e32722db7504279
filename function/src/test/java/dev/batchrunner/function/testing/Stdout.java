package dev.batchrunner.function.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Captures what the function writes to stdout (its JSON log lines and EMF metrics). */
public final class Stdout {
  private Stdout() {}

  /** What runs while stdout is captured. */
  @FunctionalInterface
  public interface Action {
    void run() throws Exception;
  }

  /**
   * Runs {@code action} with {@code System.out} captured and returns what it wrote. One capture at
   * a time in this JVM (synchronized): System.out is global.
   */
  public static synchronized String capture(Action action) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.out.flush();
      System.setOut(original);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
