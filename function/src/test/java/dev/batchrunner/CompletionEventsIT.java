package dev.batchrunner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.CompletionPublishException;
import dev.batchrunner.core.dispatch.CompletionPublisher;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.core.text.SafeText;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import dev.batchrunner.function.testing.Completions;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Completion events from the assembled function: records in DynamoDB Local, tasks in the ECS stub,
 * and {@code COMPLETION_EVENT_BUS} on moto's EventBridge, whose rule for {@code source}
 * batch-runner sends each event to an SQS queue that the test reads back as a subscriber would.
 * Exactly one event per finished request, whatever is redelivered; sensitive parameters masked.
 */
class CompletionEventsIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");
  private static final Duration HOLD = Duration.ofSeconds(30);
  private static final String BUS = "batch-runner-completions";

  private static MotoServer moto;
  private static EventBridgeClient events;
  private static SqsClient sqs;

  private final MutableClock clock = new MutableClock(START);
  private String table;
  private String queueUrl;

  @BeforeAll
  static void startMoto() {
    if (MotoServer.available()) {
      moto = MotoServer.start();
      events = moto.configure(EventBridgeClient.builder()).build();
      sqs = moto.configure(SqsClient.builder()).build();
    }
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      events.close();
      sqs.close();
      moto.close();
    }
  }

  @BeforeEach
  void fresh() {
    RequiredTool.require(
        MotoServer.available(),
        "CompletionEventsIT needs moto's server for EventBridge: pip install 'moto[server]'");
    moto.reset();
    ecs.reset();
    ecs.useClock(clock);
    table = newTable("done");
    queueUrl = Completions.subscribe(events, sqs, BUS);
  }

  @Test
  void aSucceededRequest_putsOneBatchSucceeded_withSensitiveParametersMasked() {
    EventProcessor function = function(UnaryOperator.identity());
    String invoice =
        "{\"batchTypeId\":\"invoice-export\",\"traceId\":\"trace-inv\",\"parameters\":"
            + "{\"customerId\":\"C1234567\",\"accountNumber\":\"DE44500105175407324931\"}}";
    String task =
        answer(function.process(invoice.getBytes(UTF_8), HOLD)).at("/taskArns/0").asText();
    deliver(function, ecs.run(task).taskArn());
    clock.advance(Duration.ofMinutes(7));
    ecs.stop(task, Map.of("exporter", 0), "EssentialContainerExited", "Essential container exited");
    assertEquals("SUCCEEDED", deliver(function, task).get("outcome").asText());
    // ECS delivers at least once: the same STOPPED event again, and from another environment.
    deliver(function, task);
    deliver(function(UnaryOperator.identity()), task);

    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);

    assertEquals(1, received.size(), received.toString());
    JsonNode event = received.get(0);
    assertEquals(Completion.SOURCE, event.get("source").asText());
    assertEquals(Completion.SUCCEEDED, event.get("detail-type").asText());
    assertEquals(task, event.at("/resources/0").asText());
    JsonNode detail = event.get("detail");
    assertEquals("SUCCEEDED", detail.get("status").asText());
    assertEquals("invoice-export", detail.get("batchTypeId").asText());
    assertEquals("trace-inv", detail.get("traceId").asText());
    assertTrue(detail.get("idempotencyKey").asText().startsWith("invoice-export#"));
    assertEquals(1, detail.get("attempt").asInt());
    assertEquals(task, detail.get("taskArn").asText());
    assertEquals(0, detail.get("exitCode").asInt());
    assertEquals("EssentialContainerExited", detail.get("stopCode").asText());
    assertEquals(Duration.ofMinutes(7).toMillis(), detail.get("durationMs").asLong());
    assertEquals("C1234567", detail.at("/parameters/customerId").asText());
    assertEquals("csv", detail.at("/parameters/format").asText(), "defaults included");
    assertEquals(SafeText.MASK, detail.at("/parameters/accountNumber").asText());
    assertFalse(event.toString().contains("DE44500105175407324931"), "never the sensitive value");
    assertFalse(onlyRecord(table).containsKey("completionDue"), "announced: nothing left due");
  }

  @Test
  void aFailedRequest_putsOneBatchFailed_andARetriedAttemptPutsNone() {
    EventProcessor function = function(UnaryOperator.identity());
    byte[] cleanup = dev.batchrunner.core.testing.Fixtures.event("scheduler-nightly-tick.json");
    String task1 = answer(function.process(cleanup, HOLD)).at("/taskArns/0").asText();
    ecs.run(task1);
    ecs.stop(task1, Map.of(), "SpotInterruption", "Your Spot Task was interrupted.");
    String task2 = deliver(function, task1).get("nextTaskArn").asText();
    assertTrue(
        Completions.receiveAll(sqs, queueUrl).isEmpty(),
        "a retried attempt is no end of the request");
    ecs.run(task2);
    ecs.stop(task2, Map.of("app", 4), "EssentialContainerExited", "Essential container exited");
    assertEquals("FAILED", deliver(function, task2).get("outcome").asText());

    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);

    assertEquals(1, received.size(), received.toString());
    assertEquals(Completion.FAILED, received.get(0).get("detail-type").asText());
    JsonNode detail = received.get(0).get("detail");
    assertEquals("FAILED", detail.get("status").asText());
    assertEquals(2, detail.get("attempt").asInt());
    assertEquals(task2, detail.get("taskArn").asText());
    assertEquals(4, detail.get("exitCode").asInt());
  }

  @Test
  void aFailedPut_failsTheDelivery_andTheRedeliveryPutsItOnce() {
    AtomicInteger failures = new AtomicInteger(1);
    EventProcessor flaky =
        function(
            real ->
                completion -> {
                  if (failures.getAndDecrement() > 0) {
                    throw new CompletionPublishException("simulated PutEvents outage", null);
                  }
                  real.publish(completion);
                });
    String task =
        answer(
                flaky.process(
                    dev.batchrunner.core.testing.Fixtures.event("monolith-put-events.json"), HOLD))
            .at("/taskArns/0")
            .asText();
    ecs.run(task);
    ecs.stop(task, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");

    assertThrows(CompletionPublishException.class, () -> deliver(flaky, task));
    assertEquals("SUCCEEDED", onlyRecord(table).get("status").s(), "the state is kept");
    assertTrue(Completions.receiveAll(sqs, queueUrl).isEmpty());

    assertEquals("ANNOUNCED", deliver(flaky, task).get("outcome").asText());
    assertEquals("IGNORED", deliver(flaky, task).get("outcome").asText());
    List<JsonNode> received = Completions.receiveAll(sqs, queueUrl);
    assertEquals(1, received.size(), received.toString());
    assertEquals(Completion.SUCCEEDED, received.get(0).get("detail-type").asText());
  }

  // --- helpers -------------------------------------------------------------------------------

  private EventProcessor function(UnaryOperator<CompletionPublisher> publisher) {
    AwsConnection aws =
        new AwsConnection(
            MotoServer.REGION,
            Processors.CREDENTIALS,
            new AwsConnection.Endpoints(dynamo.endpoint(), ecs.endpoint(), moto.endpoint()));
    FunctionConfig config =
        new FunctionConfig(
            table,
            Processors.catalog(),
            false,
            EmfMetricsObserver.DEFAULT_NAMESPACE,
            false,
            aws,
            BUS);
    return FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .clock(clock)
                .observer(summary -> {})
                .wrapCompletionPublisher(publisher)
                .build())
        .processor();
  }

  private JsonNode deliver(EventProcessor function, String taskArn) {
    return answer(function.process(ecs.stateChangeEvent(taskArn).getBytes(UTF_8), HOLD));
  }

  private static JsonNode answer(byte[] bytes) {
    return tree(new String(bytes, UTF_8));
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
