package dev.batchrunner.core.dispatch;

import java.time.Instant;
import java.util.List;

/**
 * One request's idempotency record, as stored.
 *
 * @param id {@code <batchTypeId>#<sha256hex>}
 * @param batchTypeId the batch type
 * @param status IN_PROGRESS until the task ARNs are known, then DISPATCHED
 * @param traceId the trace id of the first dispatch
 * @param requestHash SHA-256 of the canonical request (what an explicit key must keep matching)
 * @param taskArns task ARNs once dispatched
 * @param createdAt when the record was first written
 * @param expiresAt when it stops counting (DynamoDB TTL, epoch seconds)
 * @param inProgressUntil when an IN_PROGRESS claim is considered abandoned
 * @param claimId a random id of the invocation that holds the claim, so that only it releases it
 */
public record IdempotencyRecord(
    String id,
    String batchTypeId,
    Status status,
    String traceId,
    String requestHash,
    List<String> taskArns,
    Instant createdAt,
    Instant expiresAt,
    Instant inProgressUntil,
    String claimId) {

  public IdempotencyRecord {
    taskArns = taskArns == null ? List.of() : List.copyOf(taskArns);
  }

  /** Record states. */
  public enum Status {
    IN_PROGRESS,
    DISPATCHED
  }
}
