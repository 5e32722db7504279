package dev.batchrunner.function.observability;

import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.event.TaskObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes the one structured log line of each task state change, to {@code batch-runner.task}: trace
 * id, key, attempt, task ARN, the record's status, ECS's last status and version, exit code, stop
 * code and reasons, and what was done. The task's override environment is never logged: its values
 * may come from sensitive parameters.
 */
public final class LoggingTaskObserver implements TaskObserver {
  private static final Logger LOG = LoggerFactory.getLogger("batch-runner.task");

  private final Logger log;

  public LoggingTaskObserver() {
    this(LOG);
  }

  /** Logs to {@code log} (priming passes a no-op one). */
  public LoggingTaskObserver(Logger log) {
    this.log = log;
  }

  @Override
  public void handled(
      TaskStateChange change, TaskEventOutcome outcome, RequestSummary.Delivery delivery) {
    Level level =
        switch (outcome.kind()) {
          case FAILED -> Level.WARN;
          default -> Level.INFO;
        };
    LoggingEventBuilder line = common(log.atLevel(level), change, delivery);
    line =
        line.addKeyValue("traceId", outcome.traceId())
            .addKeyValue("batchTypeId", outcome.batchTypeId())
            .addKeyValue("idempotencyKey", outcome.idempotencyKey())
            .addKeyValue("outcome", outcome.kind().name());
    if (outcome.status() != null) {
      line = line.addKeyValue("status", outcome.status().name());
    }
    Attempt attempt = outcome.attempt();
    if (attempt != null) {
      line =
          line.addKeyValue("attempt", attempt.number())
              .addKeyValue("exitCode", attempt.exitCode())
              .addKeyValue("runTimeMs", attempt.runTimeMillis());
    }
    if (outcome.nextTaskArn() != null) {
      line = line.addKeyValue("nextTaskArn", outcome.nextTaskArn());
    }
    if (outcome.reason() != null) {
      line = line.addKeyValue("reason", outcome.reason());
    }
    line.log(message(outcome));
  }

  @Override
  public void failed(
      TaskStateChange change, RuntimeException failure, RequestSummary.Delivery delivery) {
    LoggingEventBuilder line = common(log.atWarn(), change, delivery);
    line =
        line.addKeyValue("idempotencyKey", change.idempotencyKey())
            .addKeyValue("outcome", "ERROR")
            .addKeyValue("reason", String.valueOf(failure.getMessage()));
    if (failure instanceof DispatchFailedException d) {
      line = line.addKeyValue("failureReason", d.reason().name());
    }
    line.log("task state change not applied, to be delivered again: " + failure.getMessage());
  }

  private static LoggingEventBuilder common(
      LoggingEventBuilder line, TaskStateChange change, RequestSummary.Delivery delivery) {
    line =
        line.addKeyValue("taskArn", change.task().taskArn())
            .addKeyValue("lastStatus", change.status().lastStatus())
            .addKeyValue("version", change.task().version())
            .addKeyValue("stopCode", change.status().stopCode())
            .addKeyValue("stoppedReason", change.status().stoppedReason())
            .addKeyValue("exitCodes", exitCodes(change))
            .addKeyValue("eventId", delivery.eventId());
    if (delivery.messageId() != null) {
      line = line.addKeyValue("messageId", delivery.messageId());
    }
    return line;
  }

  /** Every container's exit code (null: none), sidecars included, to tell them apart. */
  private static Map<String, Integer> exitCodes(TaskStateChange change) {
    Map<String, Integer> codes = new LinkedHashMap<>();
    for (TaskStateChange.Container container : change.containers()) {
      codes.put(container.name(), container.exitCode());
    }
    return codes;
  }

  private static String message(TaskEventOutcome o) {
    return switch (o.kind()) {
      case IGNORED -> "task state change ignored: " + o.reason();
      case ADOPTED -> "task adopted by its in-progress record";
      case UPDATED -> "task state change applied";
      case SUCCEEDED -> "batch succeeded";
      case FAILED -> "batch failed" + (o.reason() == null ? "" : ": " + o.reason());
      case RETRIED -> "attempt failed; next attempt started";
      case ANNOUNCED -> "completion event put";
    };
  }
}
