package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TaskStateChangeReader#isoInstant}'s hand-read form, held to the ISO formatter. */
class TaskStateChangeReaderTimeTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-23T02:00:41.226Z",
        "2026-11-23T02:00:41Z",
        "2026-11-23T02:00:41.1Z",
        "2026-11-23T02:00:41.123456789Z",
        "2026-11-23T02:00:41.1234567890Z",
        "2026-11-23T02:00:41.Z",
        "2026-02-29T00:00:00Z",
        "2028-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "2026-11-23T02:00:41.226z",
        "2026-11-23T02:00:41.226+01:00",
        "2026-11-23T02:00:41+00:00",
        "2026-11-23 02:00:41Z",
        "+2026-11-23T02:00:41Z",
        "2026-1-23T02:00:41Z",
        "2026-11-23T02:00:4AZ",
        "2026-11-23T02:00Z",
        "",
        "Z",
        "2026-11-23T02:00:41.22a6Z",
        "२०२६-11-23T02:00:41Z"
      })
  void isoInstant_onEdgeForms_answersAsTheFormatter(String text) {
    assertEquals(formatter(text), fast(text), text);
  }

  @Property(tries = 3000)
  void isoInstant_onWrittenInstants_answersAsTheFormatter(@ForAll("written") String text) {
    assertEquals(formatter(text), fast(text), text);
  }

  /**
   * Timestamps as ECS writes them, with 0 to 10 fraction digits, some with one character changed.
   */
  @Provide
  Arbitrary<String> written() {
    Arbitrary<String> text =
        Combinators.combine(
                Arbitraries.longs().between(-62_135_596_800L, 253_402_300_799L),
                Arbitraries.integers().between(0, 999_999_999),
                Arbitraries.integers().between(0, 10))
            .as(
                (seconds, nanos, digits) -> {
                  String base = Instant.ofEpochSecond(seconds).toString(); // ...:ssZ
                  String fraction = String.format("%09d", nanos) + "0";
                  return digits == 0
                      ? base
                      : base.substring(0, base.length() - 1)
                          + "."
                          + fraction.substring(0, digits)
                          + "Z";
                });
    Arbitrary<String> changed =
        Combinators.combine(text, Arbitraries.integers().between(0, 29), Arbitraries.chars())
            .as(
                (t, at, c) ->
                    at < t.length() ? t.substring(0, at) + c + t.substring(at + 1) : t + c);
    return Arbitraries.oneOf(text, changed);
  }

  private static Optional<Instant> fast(String text) {
    try {
      return Optional.of(TaskStateChangeReader.isoInstant(text));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Instant> formatter(String text) {
    try {
      return Optional.of(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, Instant::from));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }
}
