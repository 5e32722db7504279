package dev.batchrunner.function.bench;

import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.event.Utf8Probe;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The event parser's UTF-8 check on a sample event: the JDK's strict decoder into a buffer (what
 * the parser did before issue 12) against the scan it does now ({@code EventParser.isUtf8}, through
 * the test-side {@code Utf8Probe}). Run ad hoc, e.g. {@code mvn -q -pl function -am test-compile
 * exec:exec@jmh -Dexec.args="-classpath %classpath org.openjdk.jmh.Main Utf8CheckBenchmark
 * -jvmArgsAppend -XX:TieredStopAtLevel=1"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Utf8CheckBenchmark {
  @Param({"task-state-change/stopped-exit-0.json", "monolith-put-events.json"})
  public String event;

  private byte[] payload;

  @Setup
  public void load() {
    payload = Fixtures.event(event);
  }

  @Benchmark
  public boolean jdkDecoder() {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Benchmark
  public boolean scan() {
    return Utf8Probe.isUtf8(payload);
  }
}
