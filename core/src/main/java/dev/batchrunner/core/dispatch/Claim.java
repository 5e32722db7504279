package dev.batchrunner.core.dispatch;

/** The answer of {@link IdempotencyStore#claim}: the record is ours, or someone's already. */
public sealed interface Claim {

  /** No live record existed; ours is written with status IN_PROGRESS. */
  record Acquired() implements Claim {}

  /** A live record exists; nothing was written. */
  record Existing(IdempotencyRecord record) implements Claim {}
}
