package dev.batchrunner.function.observability;

import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.event.TaskObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The task lifecycle's CloudWatch embedded-format metrics, one JSON line per attempt that ended:
 * {@code TaskSucceeded}, {@code TaskFailed} (no retry left) or {@code TaskRetried} (count 1), and
 * {@code TaskRunTime} (milliseconds, started to stopped, when the task ran), by {@code BatchTypeId}
 * and in total. Events that change nothing write no metric, so a redelivered STOPPED event is not
 * counted twice; a late completion ({@code ANNOUNCED}) counts the end its failed delivery did not.
 */
public final class EmfTaskMetrics implements TaskObserver {
  private final String namespace;
  private final Consumer<String> sink;
  private final Clock clock;

  public EmfTaskMetrics(String namespace, Consumer<String> sink, Clock clock) {
    this.namespace = namespace;
    this.sink = sink;
    this.clock = clock;
  }

  @Override
  public void handled(
      TaskStateChange change, TaskEventOutcome outcome, RequestSummary.Delivery delivery) {
    String metric = metricName(outcome);
    if (metric == null) {
      return;
    }
    Long runTime = outcome.attempt() == null ? null : outcome.attempt().runTimeMillis();
    List<EmfLine.Metric> metrics = new ArrayList<>();
    metrics.add(new EmfLine.Metric(metric, "Count", 1));
    if (runTime != null) {
      metrics.add(new EmfLine.Metric("TaskRunTime", "Milliseconds", runTime));
    }
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("traceId", outcome.traceId());
    properties.put("taskArn", outcome.taskArn());
    sink.accept(
        EmfLine.write(namespace, clock.millis(), outcome.batchTypeId(), metrics, properties));
  }

  @Override
  public void failed(
      TaskStateChange change, RuntimeException failure, RequestSummary.Delivery delivery) {
    // Delivered again: counted when it is applied.
  }

  /**
   * The metric of an attempt that ended, or null for an event that ended none. A request whose
   * completion event was put late ({@code ANNOUNCED}) is counted then: the delivery that finished
   * it failed (its put failed, or it died), so it counted nothing.
   */
  static String metricName(TaskEventOutcome outcome) {
    return switch (outcome.kind()) {
      case SUCCEEDED -> "TaskSucceeded";
      case FAILED -> "TaskFailed";
      case RETRIED -> "TaskRetried";
      case ANNOUNCED ->
          outcome.status() == dev.batchrunner.core.lifecycle.RequestStatus.SUCCEEDED
              ? "TaskSucceeded"
              : "TaskFailed";
      case IGNORED, ADOPTED, UPDATED -> null;
    };
  }
}
