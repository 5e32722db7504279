package dev.batchrunner.function.observability;

import dev.batchrunner.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One CloudWatch embedded-metric-format document as one JSON line: the {@code _aws} metadata (the
 * namespace, the dimension sets {@code [BatchTypeId]} and {@code []}, the totals the stack's alarms
 * read, and each metric's name and unit), then the dimension's value, the metric values and the
 * extra properties. Written with Jackson's generator; the format is the documented one
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
 * CloudWatch_Embedded_Metric_Format_Specification.html).
 */
final class EmfLine {
  /** The one dimension of every batch-runner metric. */
  static final String DIMENSION = "BatchTypeId";

  /**
   * One metric value.
   *
   * @param name the metric's name
   * @param unit CloudWatch's unit, e.g. {@code Count}, {@code Milliseconds}
   * @param value its value
   */
  record Metric(String name, String unit, long value) {}

  private EmfLine() {}

  /**
   * The document.
   *
   * @param batchTypeId the dimension's value
   * @param properties written after the metric values (null values left out)
   */
  static String write(
      String namespace,
      long timestampMillis,
      String batchTypeId,
      List<Metric> metrics,
      Map<String, String> properties) {
    byte[] line =
        Json.write(
            json -> {
              json.writeStartObject();
              json.writeObjectFieldStart("_aws");
              json.writeNumberField("Timestamp", timestampMillis);
              json.writeArrayFieldStart("CloudWatchMetrics");
              json.writeStartObject();
              json.writeStringField("Namespace", namespace);
              json.writeArrayFieldStart("Dimensions");
              json.writeStartArray();
              json.writeString(DIMENSION);
              json.writeEndArray();
              json.writeStartArray(); // the totals, for the stack's alarms
              json.writeEndArray();
              json.writeEndArray();
              json.writeArrayFieldStart("Metrics");
              for (Metric metric : metrics) {
                json.writeStartObject();
                json.writeStringField("Name", metric.name());
                json.writeStringField("Unit", metric.unit());
                json.writeEndObject();
              }
              json.writeEndArray();
              json.writeEndObject();
              json.writeEndArray();
              json.writeEndObject();
              json.writeStringField(DIMENSION, batchTypeId);
              for (Metric metric : metrics) {
                json.writeNumberField(metric.name(), metric.value());
              }
              for (Map.Entry<String, String> property : properties.entrySet()) {
                if (property.getValue() != null) {
                  json.writeStringField(property.getKey(), property.getValue());
                }
              }
              json.writeEndObject();
            });
    return new String(line, StandardCharsets.UTF_8);
  }
}
