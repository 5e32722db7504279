package dev.batchrunner.core.testing;

import dev.batchrunner.core.dispatch.IdempotencyStore;

/** The in-memory fake held to the same contract as the DynamoDB adapter. */
class InMemoryIdempotencyStoreTest extends IdempotencyStoreContract {

  @Override
  protected IdempotencyStore newStore() {
    return new InMemoryIdempotencyStore();
  }
}
