package dev.batchrunner.core.dispatch;

import java.time.Instant;
import java.util.List;

/** Port: the idempotency records, written with conditional writes so one writer wins. */
public interface IdempotencyStore {

  /**
   * Writes {@code record} unless a live record with its id exists. A record counts as absent when
   * it has expired, or when it is IN_PROGRESS past its {@code inProgressUntil} (its holder died).
   */
  Claim claim(IdempotencyRecord record, Instant now);

  /** Marks a claimed record DISPATCHED with the task ARNs. */
  void markDispatched(String id, List<String> taskArns, Instant now);

  /**
   * Deletes the IN_PROGRESS record this claim wrote, after a failed launch, so a redelivery can
   * run; a record that another invocation has since taken over is left alone.
   */
  void release(String id, String claimId);
}
