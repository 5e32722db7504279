package dev.batchrunner.core.testing;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import java.time.Instant;
import java.util.Optional;

/** An {@link IdempotencyStore} that forwards every call: tests override the one they change. */
public class ForwardingIdempotencyStore implements IdempotencyStore {
  private final IdempotencyStore delegate;

  public ForwardingIdempotencyStore(IdempotencyStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public Claim claim(IdempotencyRecord record, Instant now) {
    return delegate.claim(record, now);
  }

  @Override
  public Optional<IdempotencyRecord> find(String id) {
    return delegate.find(id);
  }

  @Override
  public boolean replace(IdempotencyRecord next, String expectedRevision) {
    return delegate.replace(next, expectedRevision);
  }

  @Override
  public void release(String id, String claimId) {
    delegate.release(id, claimId);
  }
}
