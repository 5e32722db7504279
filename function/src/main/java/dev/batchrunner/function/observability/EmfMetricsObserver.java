package dev.batchrunner.function.observability;

import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.event.RequestSummary;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
    // System.out looked up per line, as logback's console appender does.
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
    byte[] line =
        Json.write(
            json -> {
              json.writeStartObject();
              json.writeObjectFieldStart("_aws");
              json.writeNumberField("Timestamp", clock.millis());
              json.writeArrayFieldStart("CloudWatchMetrics");
              json.writeStartObject();
              json.writeStringField("Namespace", namespace);
              json.writeArrayFieldStart("Dimensions");
              json.writeStartArray();
              json.writeString("BatchTypeId");
              json.writeEndArray();
              json.writeStartArray(); // the totals, for the stack's alarms
              json.writeEndArray();
              json.writeEndArray();
              json.writeArrayFieldStart("Metrics");
              json.writeStartObject();
              json.writeStringField("Name", metric);
              json.writeStringField("Unit", "Count");
              json.writeEndObject();
              json.writeStartObject();
              json.writeStringField("Name", "DispatchLatency");
              json.writeStringField("Unit", "Milliseconds");
              json.writeEndObject();
              json.writeEndArray();
              json.writeEndObject();
              json.writeEndArray();
              json.writeEndObject();
              json.writeStringField("BatchTypeId", dimension);
              json.writeNumberField(metric, 1);
              json.writeNumberField("DispatchLatency", s.durationMillis());
              if (s.traceId() != null) {
                json.writeStringField("traceId", s.traceId());
              }
              json.writeEndObject();
            });
    sink.accept(new String(line, StandardCharsets.UTF_8));
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
