package dev.batchrunner.core.testing;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An {@link IdempotencyStore} in memory with DynamoDbIdempotencyStore's conditions: a claim wins
 * when no record exists or the record's TTL (epoch seconds) has passed; a replace wins when the
 * stored revision is the expected one; a release deletes only the caller's own IN_PROGRESS claim.
 * {@link IdempotencyStoreContract} holds both stores to the same behaviour
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
  public synchronized Optional<IdempotencyRecord> find(String id) {
    return Optional.ofNullable(records.get(id));
  }

  @Override
  public synchronized boolean replace(IdempotencyRecord next, String expectedRevision) {
    IdempotencyRecord stored = records.get(next.id());
    if (stored == null || !Objects.equals(stored.revision(), expectedRevision)) {
      return false;
    }
    records.put(next.id(), asStored(next));
    return true;
  }

  @Override
  public synchronized void release(String id, String claimId) {
    IdempotencyRecord r = records.get(id);
    if (r != null
        && r.status() == RequestStatus.IN_PROGRESS
        && claimId != null
        && claimId.equals(r.claimId())) {
      records.remove(id);
    }
  }

  /** The record stored under {@code id}, live or not. */
  public synchronized Optional<IdempotencyRecord> get(String id) {
    return Optional.ofNullable(records.get(id));
  }

  /** Every stored record, live or not, by id. */
  public synchronized List<IdempotencyRecord> all() {
    return List.copyOf(records.values());
  }

  /** How many records are stored, live or not. */
  public synchronized int size() {
    return records.size();
  }

  /**
   * The record at the precision of the DynamoDB item: expiresAt in epoch seconds (the TTL
   * attribute), inProgressUntil and completionDue in epoch millis; createdAt is ISO-8601 text
   * there, kept whole.
   */
  private static IdempotencyRecord asStored(IdempotencyRecord r) {
    return r.toBuilder()
        .expiresAt(r.expiresAt() == null ? null : r.expiresAt().truncatedTo(ChronoUnit.SECONDS))
        .inProgressUntil(millis(r.inProgressUntil()))
        .completionDue(millis(r.completionDue()))
        .build();
  }

  private static Instant millis(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS);
  }

  /** The same liveness rule as DynamoDbIdempotencyStore.CLAIM_CONDITION, negated. */
  private static boolean isLive(IdempotencyRecord r, Instant now) {
    return r.expiresAt() == null || r.expiresAt().getEpochSecond() >= now.getEpochSecond();
  }
}
