package dev.batchrunner.core.testing;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An {@link IdempotencyStore} in memory with DynamoDbIdempotencyStore's conditions: a claim wins
 * when no record exists, the record's TTL (epoch seconds) has passed, or it is an IN_PROGRESS claim
 * past its {@code inProgressUntil} (epoch millis); a release deletes only the caller's own
 * IN_PROGRESS claim. {@link IdempotencyStoreContract} holds both stores to the same behaviour
 * (InMemoryIdempotencyStoreTest, DynamoDbIdempotencyStoreIT).
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
  private final Map<String, IdempotencyRecord> records = new TreeMap<>();

  @Override
  public synchronized Claim claim(IdempotencyRecord record, Instant now) {
    IdempotencyRecord existing = records.get(record.id());
    if (existing != null && isLive(existing, now)) {
      return new Claim.Existing(existing);
    }
    records.put(record.id(), asStored(record));
    return new Claim.Acquired();
  }

  @Override
  public synchronized void markDispatched(String id, List<String> taskArns, Instant now) {
    IdempotencyRecord r = records.get(id);
    if (r == null) {
      // DynamoDB's "attribute_exists(#id)" fails: the adapter reports it as a failed update.
      throw new DispatchFailedException(
          "idempotency record " + id + " is gone", FailureReason.RECORD_UPDATE, null);
    }
    records.put(
        id,
        r.toBuilder()
            .status(IdempotencyRecord.Status.DISPATCHED)
            .taskArns(taskArns)
            .inProgressUntil(null)
            .claimId(null)
            .build());
  }

  @Override
  public synchronized void release(String id, String claimId) {
    IdempotencyRecord r = records.get(id);
    if (r != null
        && r.status() == IdempotencyRecord.Status.IN_PROGRESS
        && claimId != null
        && claimId.equals(r.claimId())) {
      records.remove(id);
    }
  }

  /** The record stored under {@code id}, live or not. */
  public synchronized Optional<IdempotencyRecord> get(String id) {
    return Optional.ofNullable(records.get(id));
  }

  /** How many records are stored, live or not. */
  public synchronized int size() {
    return records.size();
  }

  /**
   * The record at the precision of the DynamoDB item: expiresAt in epoch seconds (the TTL
   * attribute), inProgressUntil in epoch millis; createdAt is ISO-8601 text there, kept whole.
   */
  private static IdempotencyRecord asStored(IdempotencyRecord r) {
    return r.toBuilder()
        .expiresAt(r.expiresAt() == null ? null : r.expiresAt().truncatedTo(ChronoUnit.SECONDS))
        .inProgressUntil(
            r.inProgressUntil() == null ? null : r.inProgressUntil().truncatedTo(ChronoUnit.MILLIS))
        .build();
  }

  /** The same liveness rule as DynamoDbIdempotencyStore.CLAIM_CONDITION, negated. */
  private static boolean isLive(IdempotencyRecord r, Instant now) {
    if (r.expiresAt() != null && r.expiresAt().getEpochSecond() < now.getEpochSecond()) {
      return false;
    }
    return !(r.status() == IdempotencyRecord.Status.IN_PROGRESS
        && r.inProgressUntil() != null
        && r.inProgressUntil().toEpochMilli() < now.toEpochMilli());
  }
}
