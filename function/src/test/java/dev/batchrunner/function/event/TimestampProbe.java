package dev.batchrunner.function.event;

import java.time.Instant;

/** {@link TaskStateChangeReader#isoInstant} for the benchmarks outside this package. */
public final class TimestampProbe {
  private TimestampProbe() {}

  public static Instant isoInstant(String text) {
    return TaskStateChangeReader.isoInstant(text);
  }
}
