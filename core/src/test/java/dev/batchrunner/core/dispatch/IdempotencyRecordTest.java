package dev.batchrunner.core.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotencyRecordTest {
  private static final Instant NOW = Instant.parse("2026-11-22T08:00:00Z");

  private static final IdempotencyRecord CLAIM =
      IdempotencyRecord.builder()
          .id("daily-report#abc")
          .batchTypeId("daily-report")
          .status(RequestStatus.IN_PROGRESS)
          .traceId("trace-1")
          .requestHash("abc")
          .parameters(Map.of("reportDate", "2026-11-23"))
          .createdAt(NOW)
          .expiresAt(NOW.plusSeconds(86_400))
          .inProgressUntil(NOW.plusSeconds(60))
          .claimId("claim-1")
          .revision("rev-1")
          .build();

  @Test
  void builder_setsEachComponentByName_andStartsAtAPendingAttempt1() {
    assertEquals(
        new IdempotencyRecord(
            "daily-report#abc",
            "daily-report",
            RequestStatus.IN_PROGRESS,
            "trace-1",
            "abc",
            null,
            Map.of("reportDate", "2026-11-23"),
            1,
            List.of(Attempt.pending(1)),
            NOW,
            NOW.plusSeconds(86_400),
            NOW.plusSeconds(60),
            "claim-1",
            "rev-1",
            null),
        CLAIM);
  }

  @Test
  void taskArns_whenNoAttemptHasATask_isEmpty() {
    assertEquals(List.of(), IdempotencyRecord.builder().build().taskArns());
  }

  @Test
  void taskArns_listsEveryAttemptsTaskInOrder() {
    IdempotencyRecord twice =
        CLAIM.with(
            CLAIM.lifecycle().dispatched("arn:task/1").nextAttempt().dispatched("arn:task/2"));

    assertEquals(List.of("arn:task/1", "arn:task/2"), twice.taskArns());
    assertEquals(2, twice.attempt());
    assertEquals(RequestStatus.DISPATCHED, twice.status());
  }

  @Test
  void toBuilder_whenNothingChanges_buildsAnEqualRecord() {
    assertEquals(CLAIM, CLAIM.toBuilder().build());
  }

  @Test
  void with_changesOnlyTheLifecycle() {
    IdempotencyRecord dispatched = CLAIM.with(CLAIM.lifecycle().dispatched("arn:task/1"));

    assertEquals(RequestStatus.DISPATCHED, dispatched.status());
    assertEquals(List.of("arn:task/1"), dispatched.taskArns());
    assertEquals(CLAIM.claimId(), dispatched.claimId(), "the caller clears the claim");
    assertEquals(
        CLAIM.toBuilder().status(null).attempts(1, null).build(),
        dispatched.toBuilder().status(null).attempts(1, null).build());
    assertEquals(RequestStatus.IN_PROGRESS, CLAIM.status());
    assertNull(CLAIM.current().taskArn());
  }
}
