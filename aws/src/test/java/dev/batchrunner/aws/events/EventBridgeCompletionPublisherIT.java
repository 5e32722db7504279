package dev.batchrunner.aws.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.aws.sdk.SdkClients;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.CompletionPublishException;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.text.SafeText;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutTargetsResponse;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The publisher against moto's EventBridge, read back the way a subscriber sees the events: a rule
 * on a custom bus matching {@code source} {@value Completion#SOURCE} sends them to an SQS queue,
 * and each message is the event EventBridge delivered. moto forgets everything before each test.
 */
class EventBridgeCompletionPublisherIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUS = "batch-runner-completions";
  private static final String QUEUE = "completions";
  private static final String RULE = "batch-runner-completions-to-queue";
  private static final String TASK_ARN =
      "arn:aws:ecs:eu-west-1:" + MotoServer.ACCOUNT_ID + ":task/batch/0f6c3a1b2d4e4f5a8b9c0d1e";

  /** Retries off: moto's 500s are bugs to see, not faults to retry (LOCAL-AWS.md). */
  private static final ClientSettings NO_RETRIES =
      new ClientSettings(
          1,
          ClientSettings.EVENTBRIDGE.backoff(),
          ClientSettings.EVENTBRIDGE.throttlingBackoff(),
          Duration.ofSeconds(10),
          Duration.ofSeconds(10));

  private static MotoServer moto;
  private static SdkHttpClient http;
  private static EventBridgeClient events;
  private static EventBridgeClient setup;
  private static SqsClient sqs;

  private String queueUrl;

  @BeforeAll
  static void startMoto() {
    if (!MotoServer.available()) {
      // Each test then skips (fails on CI) in freshMoto: reported per test, unlike an abort here.
      return;
    }
    moto = MotoServer.start();
    // The publisher's client as the function builds it, moto named by the SDK's own variable.
    AwsConnection aws =
        AwsConnection.fromEnvironment(
            Map.of(
                "AWS_REGION",
                MotoServer.REGION.id(),
                "AWS_ACCESS_KEY_ID",
                "testing",
                "AWS_SECRET_ACCESS_KEY",
                "testing",
                "AWS_ENDPOINT_URL_EVENTBRIDGE",
                moto.endpoint().toString()));
    http = SdkClients.httpClient();
    events = SdkClients.eventBridge(aws, http, NO_RETRIES);
    setup = moto.configure(EventBridgeClient.builder()).build();
    sqs = moto.configure(SqsClient.builder()).build();
  }

  @AfterAll
  static void stopMoto() {
    for (AutoCloseable client : new AutoCloseable[] {events, setup, sqs, http}) {
      if (client != null) {
        try {
          client.close();
        } catch (Exception e) {
          // closing a client at the end of the run: nothing left to do about it
        }
      }
    }
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void freshMoto() {
    RequiredTool.require(
        MotoServer.available(),
        "EventBridgeCompletionPublisherIT needs moto's server, and moto is not installed:"
            + " pip install 'moto[server]'");
    moto.reset();
    setup.createEventBus(b -> b.name(BUS));
    queueUrl = sqs.createQueue(b -> b.queueName(QUEUE)).queueUrl();
    String queueArn =
        sqs.getQueueAttributes(
                b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    setup.putRule(
        b ->
            b.name(RULE)
                .eventBusName(BUS)
                .eventPattern("{\"source\":[\"" + Completion.SOURCE + "\"]}"));
    PutTargetsResponse targets =
        setup.putTargets(
            b ->
                b.rule(RULE)
                    .eventBusName(BUS)
                    .targets(Target.builder().id("queue").arn(queueArn).build()));
    assertEquals(0, targets.failedEntryCount(), targets.toString());
  }

  @Test
  void publish_whenSucceededAndFailed_deliversOneEventEachWithTheWholeDetail() throws Exception {
    EventBridgeCompletionPublisher publisher = new EventBridgeCompletionPublisher(events, BUS);
    Completion succeeded = succeeded();
    Completion failed = failed();

    publisher.publish(succeeded);
    publisher.publish(failed);

    Map<String, JsonNode> byDetailType = new TreeMap<>();
    for (JsonNode event : receiveAll(2)) {
      JsonNode previous = byDetailType.put(event.get("detail-type").asText(), event);
      assertNull(previous, "a second event of one completion: " + event);
    }
    assertEquals(
        List.of(Completion.FAILED, Completion.SUCCEEDED), List.copyOf(byDetailType.keySet()));

    JsonNode ok = byDetailType.get(Completion.SUCCEEDED);
    assertEquals(Completion.SOURCE, ok.get("source").asText());
    assertEquals(List.of(TASK_ARN), texts(ok.get("resources")));
    JsonNode detail = ok.get("detail");
    assertEquals("SUCCEEDED", detail.get("status").asText());
    assertEquals("daily-report", detail.get("batchTypeId").asText());
    assertEquals("8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11", detail.get("traceId").asText());
    assertEquals(succeeded.idempotencyKey(), detail.get("idempotencyKey").asText());
    assertEquals(1, detail.get("attempt").asInt());
    assertEquals(TASK_ARN, detail.get("taskArn").asText());
    assertEquals(0, detail.get("exitCode").asInt());
    assertEquals("EssentialContainerExited", detail.get("stopCode").asText());
    assertEquals("Essential container in task exited", detail.get("stoppedReason").asText());
    assertEquals(754_000L, detail.get("durationMs").asLong());
    assertEquals(SafeText.MASK, detail.at("/parameters/accountNumber").asText());
    assertEquals("2026-11-23", detail.at("/parameters/reportDate").asText());
    // Nothing added, dropped or retyped on the way through the bus.
    assertEquals(JSON.readTree(succeeded.detailJson()), detail);

    JsonNode ko = byDetailType.get(Completion.FAILED);
    assertEquals(Completion.SOURCE, ko.get("source").asText());
    JsonNode failedDetail = ko.get("detail");
    assertEquals("FAILED", failedDetail.get("status").asText());
    assertEquals(3, failedDetail.get("attempt").asInt());
    assertEquals(137, failedDetail.get("exitCode").asInt());
    assertEquals(
        "OutOfMemoryError: Container killed due to memory usage",
        failedDetail.get("stoppedReason").asText());
    assertEquals(SafeText.MASK, failedDetail.at("/parameters/accountNumber").asText());
    assertEquals(JSON.readTree(failed.detailJson()), failedDetail);
  }

  @Test
  void publish_whenBusGivenByArn_deliversToTheSameRule() throws Exception {
    String arn = setup.describeEventBus(b -> b.name(BUS)).arn();

    new EventBridgeCompletionPublisher(events, arn).publish(succeeded());

    List<JsonNode> received = receiveAll(1);
    assertEquals(Completion.SUCCEEDED, received.get(0).get("detail-type").asText());
  }

  @Test
  void publish_whenBusDoesNotExist_throws() {
    // moto fails the whole PutEvents call with ResourceNotFoundException (HTTP 400, "Event bus
    // no-such-bus does not exist."), not with a failed entry in a 200 answer.
    EventBridgeCompletionPublisher publisher =
        new EventBridgeCompletionPublisher(events, "no-such-bus");

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    assertInstanceOf(ResourceNotFoundException.class, e.getCause());
    assertTrue(e.getMessage().contains("no-such-bus"), e.getMessage());
    assertTrue(e.getMessage().contains(succeeded().idempotencyKey()), e.getMessage());
  }

  /** Exactly {@code expected} messages: receives until they are in, then once more for extras. */
  private List<JsonNode> receiveAll(int expected) {
    List<JsonNode> events = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (events.size() < expected && System.nanoTime() < deadline) {
      events.addAll(receive(1));
    }
    assertEquals(expected, events.size(), events.toString());
    List<JsonNode> extra = receive(1);
    assertEquals(List.of(), extra, "more events than completions published");
    return events;
  }

  private List<JsonNode> receive(int waitSeconds) {
    List<JsonNode> events = new ArrayList<>();
    for (Message message :
        sqs.receiveMessage(
                b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds))
            .messages()) {
      try {
        events.add(JSON.readTree(message.body()));
      } catch (IOException e) {
        throw new UncheckedIOException("not an event: " + message.body(), e);
      }
    }
    return events;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(node -> texts.add(node.asText()));
    return texts;
  }

  private static Completion succeeded() {
    return new Completion(
        RequestStatus.SUCCEEDED,
        "daily-report",
        "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        "daily-report#" + "ab12".repeat(16),
        1,
        TASK_ARN,
        0,
        "EssentialContainerExited",
        "Essential container in task exited",
        754_000L,
        Map.of("reportDate", "2026-11-23", "accountNumber", SafeText.MASK));
  }

  private static Completion failed() {
    return new Completion(
        RequestStatus.FAILED,
        "nightly-export",
        "1d2c3b4a-0000-4000-8000-000000000001",
        "nightly-export#" + "cd34".repeat(16),
        3,
        TASK_ARN.replace("0f6c", "9e8d"),
        137,
        "EssentialContainerExited",
        "OutOfMemoryError: Container killed due to memory usage",
        61_250L,
        Map.of("accountNumber", SafeText.MASK));
  }
}
