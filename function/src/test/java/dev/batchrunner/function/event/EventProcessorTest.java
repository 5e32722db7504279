package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventProcessorTest {
  private final AtomicInteger lookups = new AtomicInteger();
  private final BatchCatalog catalog = counting(Processors.catalog());
  private final CapturingObserver observer = new CapturingObserver();

  @Test
  void process_whenDispatched_resolvesTheRequestOnceForDispatchLogAndMetrics() {
    processor(new RecordingTaskLauncher())
        .process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30));

    assertEquals(1, lookups.get(), "catalog lookups for one request");
    assertEquals(Outcome.DISPATCHED, observer.last().outcome());
    assertEquals("2026-11-22", observer.last().parameters().get("reportDate"));
  }

  @Test
  void process_whenDispatchFails_logsFromTheSameResolutionWithoutResolvingAgain() {
    TaskLauncher failing =
        launch -> {
          throw new TaskLaunchException("throttled", true, null);
        };

    assertThrows(
        DispatchFailedException.class,
        () ->
            processor(failing)
                .process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));

    assertEquals(1, lookups.get(), "catalog lookups for one request");
    assertEquals(Outcome.FAILED, observer.last().outcome());
    assertTrue(observer.last().idempotencyKey().startsWith("daily-report#"));
  }

  private EventProcessor processor(TaskLauncher launcher) {
    return new EventProcessor(
        new EventParser(() -> "trace"),
        new BatchDispatcher(
            catalog,
            new InMemoryIdempotencyStore(),
            launcher,
            new MutableClock(Instant.parse("2026-11-23T02:00:00Z")),
            () -> "claim"),
        observer,
        (change, delivery, remaining) -> {
          throw new AssertionError("no task event in these tests");
        });
  }

  private BatchCatalog counting(BatchCatalog inner) {
    return new BatchCatalog() {
      @Override
      public Optional<BatchDefinition> find(String batchTypeId) {
        lookups.incrementAndGet();
        return inner.find(batchTypeId);
      }

      @Override
      public Set<String> batchTypeIds() {
        return inner.batchTypeIds();
      }
    };
  }

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
