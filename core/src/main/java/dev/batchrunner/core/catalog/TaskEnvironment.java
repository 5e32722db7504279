package dev.batchrunner.core.catalog;

/**
 * The environment variables batch-runner itself sets (or reads) in every task it starts: a catalog
 * may not use their names, and the task lifecycle finds a task's record through {@link
 * #IDEMPOTENCY_KEY}, or, for a task an {@code EcsDirect} rule started, through the request the
 * other names carry.
 */
public final class TaskEnvironment {
  /** The batch type of the request. */
  public static final String BATCH_TYPE_ID = "BATCH_TYPE_ID";

  /** The idempotency record id, {@code <batchTypeId>#<sha256hex>}. */
  public static final String IDEMPOTENCY_KEY = "IDEMPOTENCY_KEY";

  /**
   * {@code EcsDirect}: the EventBridge envelope's {@code id}, which the guard takes as the trace id
   * when the request has none (as the function defaults the trace id to the envelope id).
   */
  public static final String EVENT_ID = "BATCH_RUNNER_EVENT_ID";

  /** {@code EcsDirect}: the request's explicit {@code idempotencyKey}, when it has one. */
  public static final String REQUEST_KEY = "BATCH_RUNNER_REQUEST_KEY";

  /**
   * The guard's own task ARN, in place of the ECS task metadata endpoint's (tests, local runs). A
   * catalog may not use it: a parameter under this name would let a publisher choose the task the
   * guard records.
   */
  public static final String TASK_ARN = "BATCH_RUNNER_TASK_ARN";

  private TaskEnvironment() {}
}
