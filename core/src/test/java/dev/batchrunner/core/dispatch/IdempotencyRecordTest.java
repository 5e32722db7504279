package dev.batchrunner.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdempotencyRecordTest {
  private static final Instant NOW = Instant.parse("2026-11-22T08:00:00Z");

  private static final IdempotencyRecord CLAIM =
      IdempotencyRecord.builder()
          .id("daily-report#abc")
          .batchTypeId("daily-report")
          .status(IdempotencyRecord.Status.IN_PROGRESS)
          .traceId("trace-1")
          .requestHash("abc")
          .createdAt(NOW)
          .expiresAt(NOW.plusSeconds(86_400))
          .inProgressUntil(NOW.plusSeconds(60))
          .claimId("claim-1")
          .build();

  @Test
  void builder_setsEachComponentByName() {
    assertEquals(
        new IdempotencyRecord(
            "daily-report#abc",
            "daily-report",
            IdempotencyRecord.Status.IN_PROGRESS,
            "trace-1",
            "abc",
            List.of(),
            NOW,
            NOW.plusSeconds(86_400),
            NOW.plusSeconds(60),
            "claim-1"),
        CLAIM);
  }

  @Test
  void builder_whenTaskArnsUnset_hasNone() {
    assertEquals(List.of(), IdempotencyRecord.builder().build().taskArns());
  }

  @Test
  void toBuilder_whenNothingChanges_buildsAnEqualRecord() {
    assertEquals(CLAIM, CLAIM.toBuilder().build());
  }

  @Test
  void toBuilder_changesOnlyWhatIsSet() {
    IdempotencyRecord dispatched =
        CLAIM.toBuilder()
            .status(IdempotencyRecord.Status.DISPATCHED)
            .taskArns(List.of("arn:task/1"))
            .inProgressUntil(null)
            .claimId(null)
            .build();

    assertEquals(IdempotencyRecord.Status.DISPATCHED, dispatched.status());
    assertEquals(List.of("arn:task/1"), dispatched.taskArns());
    assertNull(dispatched.inProgressUntil());
    assertNull(dispatched.claimId());
    assertEquals(CLAIM.id(), dispatched.id());
    assertEquals(CLAIM.traceId(), dispatched.traceId());
    assertEquals(CLAIM.createdAt(), dispatched.createdAt());
    assertEquals(CLAIM.expiresAt(), dispatched.expiresAt());
    assertEquals(IdempotencyRecord.Status.IN_PROGRESS, CLAIM.status());
  }
}
