package dev.batchrunner.function.observability;

import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.event.RequestSummary;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Emits CloudWatch embedded-metric-format (EMF) metrics per request, as one JSON line on stdout,
 * which Lambda's log agent turns into metrics: one of {@code Dispatched}, {@code Duplicate}, {@code
 * Rejected}, {@code Failed} (count 1) and {@code DispatchLatency}, by {@code BatchTypeId} and in
 * total (no dimension). Batch types the catalog does not know are counted under {@value #UNKNOWN},
 * so a publisher cannot create metric dimensions at will.
 *
 * <p>Written with Jackson's generator rather than the aws-embedded-metrics library: the library
 * builds a Jackson {@code ObjectMapper} of its own, about 50 ms more of a cold start for one line.
 * The format is the documented one (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
 * CloudWatch_Embedded_Metric_Format_Specification.html); EmfMetricsObserverTest checks it.
 */
public final class EmfMetricsObserver implements RequestObserver {
  public static final String DEFAULT_NAMESPACE = "BatchRunner";
  public static final String UNKNOWN = "(unknown)";

  private final String namespace;
  private final Consumer<String> sink;
  private final Clock clock;

  /** Metrics to stdout, Lambda's log stream. */
  public static EmfMetricsObserver toStdout(String namespace) {
    // System.out looked up per line, as the JSON log lines do (jsonlog.JsonLineWriter).
    return new EmfMetricsObserver(namespace, line -> System.out.println(line), Clock.systemUTC());
  }

  /**
   * @param namespace the CloudWatch namespace
   * @param sink receives each EMF document, one line of JSON
   */
  public EmfMetricsObserver(String namespace, Consumer<String> sink, Clock clock) {
    this.namespace = namespace;
    this.sink = sink;
    this.clock = clock;
  }

  @Override
  public void completed(RequestSummary s) {
    String metric = metricName(s.outcome());
    String dimension = s.knownBatchType() ? s.batchTypeId() : UNKNOWN;
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("traceId", s.traceId());
    sink.accept(
        EmfLine.write(
            namespace,
            clock.millis(),
            dimension,
            List.of(
                new EmfLine.Metric(metric, "Count", 1),
                new EmfLine.Metric("DispatchLatency", "Milliseconds", s.durationMillis())),
            properties));
  }

  static String metricName(Outcome outcome) {
    return switch (outcome) {
      case DISPATCHED -> "Dispatched";
      case DUPLICATE -> "Duplicate";
      case REJECTED -> "Rejected";
      case FAILED -> "Failed";
    };
  }
}
