package dev.batchrunner.core.dispatch;

import java.time.Instant;
import java.util.Optional;

/**
 * Port: the idempotency records, written with conditional writes so one writer wins. After the
 * first write ({@link #claim}), every write is a {@link #replace} conditioned on the revision the
 * writer read: of two writers that read the same version, one wins and the other reads again.
 */
public interface IdempotencyStore {

  /**
   * Writes {@code record} unless a live record with its id exists. A record counts as absent only
   * once it has expired (past its {@code expiresAt}, which DynamoDB deletes lazily). An IN_PROGRESS
   * record whose holder died is returned like any other: the dispatcher takes it over with {@link
   * #replace}, keeping its attempts.
   */
  Claim claim(IdempotencyRecord record, Instant now);

  /** The record stored under {@code id} (read consistently), expired or not; empty if none. */
  Optional<IdempotencyRecord> find(String id);

  /**
   * Replaces the stored record of {@code next.id()} with {@code next} if the stored one is still
   * the version {@code expectedRevision} names (null: a record stored before records had
   * revisions). {@code next} must carry a new revision.
   *
   * @return true when written; false when another writer changed or deleted the record first
   */
  boolean replace(IdempotencyRecord next, String expectedRevision);

  /**
   * Deletes the IN_PROGRESS record this claim wrote, after a failed launch of attempt 1, so a
   * redelivery can run; a record that another invocation has since taken over is left alone.
   */
  void release(String id, String claimId);
}
