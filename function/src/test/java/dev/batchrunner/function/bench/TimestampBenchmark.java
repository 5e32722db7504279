package dev.batchrunner.function.bench;

import dev.batchrunner.function.event.TimestampProbe;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One task-event timestamp read by {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME} (what the reader
 * did before issue 12) and by the reader's hand-read form ({@code
 * TaskStateChangeReader.isoInstant}, through the test-side {@code TimestampProbe}). Run ad hoc like
 * {@link Utf8CheckBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TimestampBenchmark {
  public String text = "2026-11-23T02:00:41.226Z";

  @Benchmark
  public Instant formatter() {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, Instant::from);
  }

  @Benchmark
  public Instant handRead() {
    return TimestampProbe.isoInstant(text);
  }
}
