package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.Rejection;
import java.util.List;

/** What became of one request: launched now, launched before, or refused. */
public sealed interface DispatchOutcome {

  /** The outcome in results, logs and metrics. */
  Outcome outcome();

  /** The batch type as sent (possibly unknown to the catalog). */
  String batchTypeId();

  String traceId();

  /**
   * A task was launched (or, in dry-run, its RunTask request built and logged).
   *
   * @param taskArns the task this attempt started (empty in dry-run)
   * @param attempt the attempt it started: 1, or the next one of a re-run after failure
   */
  record Dispatched(
      String batchTypeId,
      String traceId,
      String idempotencyKey,
      List<String> taskArns,
      boolean dryRun,
      int attempt)
      implements DispatchOutcome {
    public Dispatched {
      taskArns = List.copyOf(taskArns);
    }

    /** Attempt 1. */
    public Dispatched(
        String batchTypeId,
        String traceId,
        String idempotencyKey,
        List<String> taskArns,
        boolean dryRun) {
      this(batchTypeId, traceId, idempotencyKey, taskArns, dryRun, 1);
    }

    @Override
    public Outcome outcome() {
      return Outcome.DISPATCHED;
    }
  }

  /**
   * The same request was dispatched before, inside its window; nothing was launched now.
   *
   * @param taskArns the record's tasks, every attempt's, in attempt order
   * @param firstTraceId the trace id of the request that created the record
   * @param status where the record stands
   * @param attempt its current attempt
   * @param exitCode the current attempt's exit code, or null while unknown
   */
  record Duplicate(
      String batchTypeId,
      String traceId,
      String idempotencyKey,
      List<String> taskArns,
      String firstTraceId,
      RequestStatus status,
      int attempt,
      Integer exitCode)
      implements DispatchOutcome {
    public Duplicate {
      taskArns = List.copyOf(taskArns);
    }

    /** A duplicate of attempt 1, dispatched and not yet followed further. */
    public Duplicate(
        String batchTypeId,
        String traceId,
        String idempotencyKey,
        List<String> taskArns,
        String firstTraceId) {
      this(
          batchTypeId,
          traceId,
          idempotencyKey,
          taskArns,
          firstTraceId,
          RequestStatus.DISPATCHED,
          1,
          null);
    }

    @Override
    public Outcome outcome() {
      return Outcome.DUPLICATE;
    }
  }

  /** The request was refused before any DynamoDB write or ECS call. */
  record Rejected(String batchTypeId, String traceId, Rejection rejection)
      implements DispatchOutcome {
    @Override
    public Outcome outcome() {
      return Outcome.REJECTED;
    }
  }
}
