package dev.batchrunner.function.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.function.event.RequestSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The EMF line follows CloudWatch's embedded metric format specification. */
class EmfMetricsObserverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-23T02:00:00Z");

  private final List<String> lines = new ArrayList<>();
  private final EmfMetricsObserver observer =
      new EmfMetricsObserver("BatchRunner", lines::add, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void completed_whenDispatched_writesOneEmfDocument() throws Exception {
    observer.completed(summary("daily-report", true, "DISPATCHED", 42));

    assertEquals(1, lines.size());
    assertFalse(lines.get(0).contains("\n"));
    JsonNode emf = JSON.readTree(lines.get(0));
    assertEquals(
        JSON.readTree(
            """
            {"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"BatchRunner",
              "Dimensions":[["BatchTypeId"],[]],
              "Metrics":[{"Name":"Dispatched","Unit":"Count"},
                         {"Name":"DispatchLatency","Unit":"Milliseconds"}]}]},
             "BatchTypeId":"daily-report","Dispatched":1,"DispatchLatency":42,"traceId":"t-1"}
            """
                .formatted(NOW.toEpochMilli())),
        emf);
  }

  @Test
  void completed_perOutcome_namesItsMetric() throws Exception {
    Map<String, String> names =
        Map.of(
            "DISPATCHED", "Dispatched",
            "DUPLICATE", "Duplicate",
            "REJECTED", "Rejected",
            "FAILED", "Failed");
    for (Map.Entry<String, String> e : names.entrySet()) {
      lines.clear();
      observer.completed(summary("daily-report", true, e.getKey(), 1));
      JsonNode emf = JSON.readTree(lines.get(0));
      assertEquals(e.getValue(), emf.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText());
      assertEquals(1, emf.get(e.getValue()).asInt());
    }
  }

  @Test
  void completed_whenBatchTypeUnknown_countsItUnderOneDimensionValue() throws Exception {
    observer.completed(summary("../../etc/passwd", false, "REJECTED", 1));

    assertEquals("(unknown)", JSON.readTree(lines.get(0)).get("BatchTypeId").asText());
  }

  /** A summary as EventProcessor derives it, for a batch type the catalog knows or not. */
  private static RequestSummary summary(String batch, boolean known, String outcome, long ms) {
    BatchRequest request = new BatchRequest(batch, "t-1", Map.of(), null, null);
    Rejection rejection = new Rejection("batchTypeId", "refused");
    Resolution resolution = new Resolution.Invalid(request, known, Map.of(), rejection);
    RequestSummary.Delivery delivery = new RequestSummary.Delivery(null, null);
    DispatchOutcome result =
        switch (Outcome.valueOf(outcome)) {
          case DISPATCHED -> new Dispatched(batch, "t-1", batch + "#0", List.of("arn"), false);
          case DUPLICATE -> new Duplicate(batch, "t-1", batch + "#0", List.of("arn"), "t-0");
          case REJECTED -> new Rejected(batch, "t-1", rejection);
          case FAILED -> null;
        };
    return result == null
        ? RequestSummary.failed(
            resolution,
            new DispatchFailedException("down", FailureReason.ECS_TRANSIENT, null),
            delivery,
            ms)
        : RequestSummary.completed(resolution, result, delivery, ms);
  }
}
