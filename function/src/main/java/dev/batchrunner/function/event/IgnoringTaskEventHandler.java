package dev.batchrunner.function.event;

import dev.batchrunner.core.lifecycle.TaskStateChange;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placeholder {@link TaskEventHandler} until issue 9's task lifecycle lands: it writes one INFO
 * line per task state change and answers {@code IGNORED}, changing nothing, so that EventBridge and
 * SQS do not deliver the event again. Records do not follow their tasks yet: a batch-runner task's
 * exit code is logged here and nowhere else.
 */
public final class IgnoringTaskEventHandler implements TaskEventHandler {
  /** A task batch-runner did not start: ignoring it is the contract, not a placeholder. */
  static final String NOT_OURS = "not started by batch-runner";

  static final String NO_KEY = "started by batch-runner but without an IDEMPOTENCY_KEY override";

  static final String NOT_TRACKED =
      "task lifecycle not built yet (issue 9): the record is not updated";

  private static final Logger LOG = LoggerFactory.getLogger("batch-runner.task");

  private final Logger log;

  /** Logs to {@code batch-runner.task}. */
  public IgnoringTaskEventHandler() {
    this(LOG);
  }

  /** Logs to {@code log} (priming passes a no-op one). */
  public IgnoringTaskEventHandler(Logger log) {
    this.log = log;
  }

  @Override
  public TaskEventResult handle(TaskStateChange change, RequestSummary.Delivery delivery) {
    String reason;
    if (!change.startedByBatchRunner()) {
      reason = NOT_OURS;
    } else if (change.idempotencyKey() == null) {
      reason = NO_KEY;
    } else {
      reason = NOT_TRACKED;
    }
    // Container name to exit code, null when it has none; the environment is never logged, since
    // its values may come from sensitive parameters.
    Map<String, Integer> exitCodes = new LinkedHashMap<>();
    for (TaskStateChange.Container container : change.containers()) {
      exitCodes.put(container.name(), container.exitCode());
    }
    var line =
        log.atInfo()
            .addKeyValue("taskArn", change.task().taskArn())
            .addKeyValue("lastStatus", change.status().lastStatus())
            .addKeyValue("version", change.task().version())
            .addKeyValue("idempotencyKey", change.idempotencyKey())
            .addKeyValue("stopCode", change.status().stopCode())
            .addKeyValue("exitCodes", exitCodes)
            .addKeyValue("eventId", delivery.eventId());
    if (delivery.messageId() != null) {
      line = line.addKeyValue("messageId", delivery.messageId());
    }
    line.log("task state change ignored: " + reason);
    return TaskEventResult.ignored(change.task().taskArn(), reason);
  }
}
