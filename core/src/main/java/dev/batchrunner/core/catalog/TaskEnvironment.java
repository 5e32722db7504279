package dev.batchrunner.core.catalog;

/**
 * The environment variables batch-runner itself sets in every task it starts: a catalog may not use
 * their names, and the task lifecycle finds a task's record through {@link #IDEMPOTENCY_KEY}.
 */
public final class TaskEnvironment {
  /** The batch type of the request. */
  public static final String BATCH_TYPE_ID = "BATCH_TYPE_ID";

  /** The idempotency record id, {@code <batchTypeId>#<sha256hex>}. */
  public static final String IDEMPOTENCY_KEY = "IDEMPOTENCY_KEY";

  private TaskEnvironment() {}
}
