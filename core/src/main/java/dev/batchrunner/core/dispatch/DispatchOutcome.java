package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.request.Rejection;
import java.util.List;

/** What became of one request: launched now, launched before, or refused. */
public sealed interface DispatchOutcome {

  /** The outcome in results, logs and metrics. */
  Outcome outcome();

  /** The batch type as sent (possibly unknown to the catalog). */
  String batchTypeId();

  String traceId();

  /** A task was launched (or, in dry-run, its RunTask request built and logged). */
  record Dispatched(
      String batchTypeId,
      String traceId,
      String idempotencyKey,
      List<String> taskArns,
      boolean dryRun)
      implements DispatchOutcome {
    public Dispatched {
      taskArns = List.copyOf(taskArns);
    }

    @Override
    public Outcome outcome() {
      return Outcome.DISPATCHED;
    }
  }

  /** The same request was dispatched before, inside its window; nothing was launched now. */
  record Duplicate(
      String batchTypeId,
      String traceId,
      String idempotencyKey,
      List<String> taskArns,
      String firstTraceId)
      implements DispatchOutcome {
    public Duplicate {
      taskArns = List.copyOf(taskArns);
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
