package dev.batchrunner.function.event;

/** {@link EventParser#isUtf8} for the benchmarks outside this package. */
public final class Utf8Probe {
  private Utf8Probe() {}

  public static boolean isUtf8(byte[] bytes) {
    return EventParser.isUtf8(bytes);
  }
}
