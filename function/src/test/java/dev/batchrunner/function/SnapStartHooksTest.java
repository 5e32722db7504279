package dev.batchrunner.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.batchrunner.function.startup.SnapStartHooks;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SnapStartHooksTest {
  private final AtomicInteger primed = new AtomicInteger();
  private final RandomIds ids = new RandomIds();
  private final SnapStartHooks hooks = new SnapStartHooks(primed::incrementAndGet, ids);

  @Test
  void beforeCheckpoint_primesTheRequestPaths() {
    hooks.beforeCheckpoint(null);

    assertEquals(1, primed.get());
  }

  @Test
  void afterRestore_replacesTheRandomSource() {
    Random snapshotted = ids.source();

    hooks.afterRestore(null);

    assertNotSame(snapshotted, ids.source());
    assertEquals(0, primed.get(), "a restore does not prime again");
  }

  @Test
  void randomIds_areVersion4UuidsWithoutRepeats() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = ids.get();
      UUID uuid = UUID.fromString(id);
      assertEquals(4, uuid.version(), id);
      assertEquals(2, uuid.variant(), id);
      seen.add(id);
      if (i == 500) {
        ids.reseed();
      }
    }
    assertEquals(1000, seen.size());
    assertNotEquals(ids.get(), ids.get());
  }
}
