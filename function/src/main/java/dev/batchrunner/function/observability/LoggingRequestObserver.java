package dev.batchrunner.function.observability;

import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.event.RequestSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/** Writes the one structured log line of each request. */
public final class LoggingRequestObserver implements RequestObserver {
  private static final Logger LOG = LoggerFactory.getLogger("batch-runner.request");

  @Override
  public void completed(RequestSummary s) {
    LoggingEventBuilder line = LOG.atLevel(level(s));
    if (s.batchTypeId() != null) {
      line = line.addKeyValue("batchTypeId", s.batchTypeId());
    }
    line =
        line.addKeyValue("traceId", s.traceId())
            .addKeyValue("idempotencyKey", s.idempotencyKey())
            .addKeyValue("outcome", s.outcome().name())
            .addKeyValue("taskArns", s.taskArns())
            .addKeyValue("eventId", s.delivery().eventId())
            .addKeyValue("durationMs", s.durationMillis())
            .addKeyValue("parameters", s.parameters());
    if (s.delivery().messageId() != null) {
      line = line.addKeyValue("messageId", s.delivery().messageId());
    }
    if (s.reason() != null) {
      line = line.addKeyValue("reason", s.reason());
    }
    if (s.failure() != null) {
      line =
          line.addKeyValue("failureReason", s.failure().reason().name())
              .addKeyValue("retryable", s.failure().retryable());
    }
    if (s.dryRun()) {
      line = line.addKeyValue("dryRun", true);
    }
    line.log(message(s));
  }

  private static Level level(RequestSummary s) {
    return switch (s.outcome()) {
      case DISPATCHED, DUPLICATE -> Level.INFO;
      case REJECTED -> Level.WARN;
      case FAILED -> s.failure().retryable() ? Level.WARN : Level.ERROR;
    };
  }

  private static String message(RequestSummary s) {
    return switch (s.outcome()) {
      case DISPATCHED -> s.dryRun() ? "dispatched (dry run)" : "dispatched";
      case DUPLICATE -> "duplicate: nothing launched";
      case REJECTED -> "rejected: " + s.reason();
      case FAILED -> "failed: " + s.reason();
    };
  }
}
