package dev.batchrunner.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {
  private static final IdempotencyKey KEY =
      IdempotencyKey.of("daily-report", Map.of("reportDate", "2026-11-23"), null);

  @Test
  void clientToken_whenAttempt1_isTheKeysHash() {
    assertEquals(KEY.hash(), KEY.clientToken(1));
    assertEquals(KEY.hash(), IdempotencyKey.clientToken(KEY.hash(), 1));
  }

  @Test
  void clientToken_whenLaterAttempts_isDistinct64HexAndStable() {
    String second = KEY.clientToken(2);
    String third = KEY.clientToken(3);

    assertEquals(3, Set.of(KEY.hash(), second, third).size());
    for (String token : new String[] {second, third}) {
      assertEquals(64, token.length());
      assertTrue(token.matches("[0-9a-f]{64}"), token);
    }
    assertEquals(second, IdempotencyKey.clientToken(KEY.hash(), 2));
    assertEquals(
        IdempotencyKey.sha256Hex(
            (KEY.hash() + "#2").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        second);
    assertNotEquals(
        KEY.clientToken(2),
        IdempotencyKey.of("daily-report", Map.of("reportDate", "2026-11-24"), null).clientToken(2));
  }

  @Test
  void clientToken_whenAttemptBelow1_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> KEY.clientToken(0));
  }
}
