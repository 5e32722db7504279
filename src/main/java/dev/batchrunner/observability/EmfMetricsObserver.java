package dev.batchrunner.observability;

import dev.batchrunner.event.RequestObserver;
import dev.batchrunner.event.RequestSummary;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Emits CloudWatch embedded-metric-format metrics per request: one of {@code Dispatched}, {@code
 * Duplicate}, {@code Rejected}, {@code Failed} (count 1) and {@code DispatchLatency}, by {@code
 * BatchTypeId} and in total (no dimension). Batch types the catalog does not know are counted under
 * {@value #UNKNOWN}, so a publisher cannot create metric dimensions at will.
 */
public final class EmfMetricsObserver implements RequestObserver {
  public static final String DEFAULT_NAMESPACE = "BatchRunner";
  public static final String UNKNOWN = "(unknown)";

  private final Environment environment;
  private final String namespace;

  /**
   * @param environment where the metrics go ({@code LambdaEnvironment}: stdout)
   * @param namespace the CloudWatch namespace
   */
  public EmfMetricsObserver(Environment environment, String namespace) {
    this.environment = environment;
    this.namespace = namespace;
  }

  @Override
  public void completed(RequestSummary s) {
    MetricsLogger metrics = new MetricsLogger(environment);
    try {
      metrics.setNamespace(namespace);
    } catch (software.amazon.cloudwatchlogs.emf.exception.InvalidNamespaceException e) {
      throw new IllegalStateException("invalid metrics namespace " + namespace, e);
    }
    String dimension = s.knownBatchType() ? s.batchTypeId() : UNKNOWN;
    // Per batch type, and once more without dimensions: the stack's alarms watch the totals.
    metrics.setDimensions(DimensionSet.of("BatchTypeId", dimension), new DimensionSet());
    metrics.putMetric(metricName(s.outcome()), 1, Unit.COUNT);
    metrics.putMetric("DispatchLatency", s.durationMillis(), Unit.MILLISECONDS);
    if (s.traceId() != null) {
      metrics.putProperty("traceId", s.traceId());
    }
    metrics.flush();
  }

  static String metricName(String outcome) {
    return switch (outcome) {
      case "DISPATCHED" -> "Dispatched";
      case "DUPLICATE" -> "Duplicate";
      case "REJECTED" -> "Rejected";
      default -> "Failed";
    };
  }
}
