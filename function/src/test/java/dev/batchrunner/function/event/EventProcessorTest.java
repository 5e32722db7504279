package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventProcessorTest {

  @Test
  void left_whenTheDeadlineHasPassed_isStillPositiveSoTheClaimHoldStaysShort() {
    long longAgo = System.nanoTime() - Duration.ofSeconds(5).toNanos();

    Duration left = EventProcessor.left(Duration.ofSeconds(1), longAgo);

    assertEquals(Duration.ofMillis(1), left);
  }

  @Test
  void left_whenTimeRemains_subtractsWhatWasSpent() {
    long now = System.nanoTime();

    Duration left = EventProcessor.left(Duration.ofSeconds(30), now);

    assertTrue(
        left.compareTo(Duration.ofSeconds(29)) > 0 && left.compareTo(Duration.ofSeconds(30)) <= 0,
        left.toString());
  }

  @Test
  void left_whenNoDeadlineIsKnown_staysUnknown() {
    assertEquals(Duration.ZERO, EventProcessor.left(Duration.ZERO, System.nanoTime() - 1_000_000));
  }
}
