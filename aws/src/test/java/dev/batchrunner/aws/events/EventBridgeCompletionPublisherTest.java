package dev.batchrunner.aws.events;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.aws.sdk.SdkClients;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.CompletionPublishException;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.text.SafeText;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;

/**
 * The publisher over the real SDK client, as {@link SdkClients#eventBridge} builds it from {@code
 * AWS_ENDPOINT_URL_EVENTBRIDGE}, against WireMock: the PutEvents request exactly as the SDK puts it
 * on the wire, and each way PutEvents can fail.
 */
class EventBridgeCompletionPublisherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUS = "batch-runner-completions";
  private static final String TARGET = "AWSEvents.PutEvents";
  private static final String KEY = "daily-report#" + "ab12".repeat(16);
  private static final String TASK_ARN =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/0f6c3a1b2d4e4f5a8b9c0d1e2f3a4b5c";

  /**
   * EventBridge's retries, with attempts that may take their time: on a loaded machine the first
   * PutEvents of a cold JVM can take over the 2 s of production, be retried, and two calls reach
   * WireMock where the test counts one (seen in CI). No test here is about the timeouts.
   */
  private static final ClientSettings UNHURRIED =
      new ClientSettings(
          ClientSettings.EVENTBRIDGE.maxAttempts(),
          ClientSettings.EVENTBRIDGE.backoff(),
          ClientSettings.EVENTBRIDGE.throttlingBackoff(),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));

  private static WireMockServer server;

  private EventBridgeClient client;
  private EventBridgeCompletionPublisher publisher;

  @BeforeAll
  static void startServer() {
    server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void setUp() {
    server.resetAll();
    // AWS_ENDPOINT_URL points nowhere (the discard port): the service's own variable must win.
    AwsConnection aws =
        AwsConnection.fromEnvironment(
            Map.of(
                "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9",
                "AWS_ENDPOINT_URL_EVENTBRIDGE", server.baseUrl()));
    client = SdkClients.eventBridge(aws, SdkClients.httpClient(), UNHURRIED);
    publisher = new EventBridgeCompletionPublisher(client, BUS);
  }

  @AfterEach
  void closeClient() {
    client.close();
  }

  @Test
  void publish_whenBusTakesTheEntry_sendsOneEntryExactlyAsTheContractSays() throws Exception {
    answer(accepted());

    publisher.publish(succeeded());

    LoggedRequest request = onlyRequest();
    assertEquals(TARGET, request.getHeader("X-Amz-Target"));
    // Detail is JSON text inside the JSON body, so it is compared as text: every field in its
    // place, the sensitive parameter masked as given, null for what is unknown.
    String detail =
        "{\"status\":\"SUCCEEDED\",\"batchTypeId\":\"daily-report\","
            + "\"traceId\":\"8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11\","
            + "\"idempotencyKey\":\""
            + KEY
            + "\",\"attempt\":2,\"taskArn\":\""
            + TASK_ARN
            + "\",\"exitCode\":0,\"stopCode\":\"EssentialContainerExited\","
            + "\"stoppedReason\":\"Essential container in task exited\",\"durationMs\":754000,"
            + "\"parameters\":{\"accountNumber\":\""
            + SafeText.MASK
            + "\",\"reportDate\":\"2026-11-23\"}}";
    // The whole body: a field the SDK adds, renames or drops shows up here first.
    String expected =
        "{\"Entries\":[{\"Source\":\"batch-runner\",\"Resources\":[\""
            + TASK_ARN
            + "\"],\"DetailType\":\"Batch Succeeded\",\"Detail\":"
            + JSON.writeValueAsString(detail)
            + ",\"EventBusName\":\""
            + BUS
            + "\"}]}";
    assertEquals(JSON.readTree(expected), JSON.readTree(request.getBodyAsString()));
  }

  @Test
  void publish_whenNoTaskWasStarted_sendsNoResourcesAndNullTaskFields() throws Exception {
    answer(accepted());

    publisher.publish(failedToStart());

    JsonNode entry = JSON.readTree(onlyRequest().getBodyAsString()).at("/Entries/0");
    assertFalse(entry.has("Resources"), entry.toString());
    assertEquals("Batch Failed", entry.get("DetailType").asText());
    JsonNode detail = JSON.readTree(entry.get("Detail").asText());
    assertEquals("FAILED", detail.get("status").asText());
    assertTrue(detail.get("taskArn").isNull(), detail.toString());
    assertTrue(detail.get("exitCode").isNull(), detail.toString());
    assertTrue(detail.get("durationMs").isNull(), detail.toString());
    assertEquals("TaskFailedToStart", detail.get("stopCode").asText());
  }

  @Test
  void publish_whenBusNameIsAnArn_sendsItAsGiven() throws Exception {
    String arn = "arn:aws:events:eu-west-1:123456789012:event-bus/" + BUS;
    answer(accepted());

    new EventBridgeCompletionPublisher(client, arn).publish(succeeded());

    JsonNode entry = JSON.readTree(onlyRequest().getBodyAsString()).at("/Entries/0");
    assertEquals(arn, entry.get("EventBusName").asText());
  }

  @Test
  void publish_whenEntryFailedInA200Answer_throwsWithTheEntryErrorAndNoParameterValue() {
    // The bug this guards: PutEvents answers 200 for a failed entry; a publisher that only
    // catches exceptions marks the record announced and the event is lost.
    answer(
        json(
            200,
            "{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"InternalFailure\","
                + "\"ErrorMessage\":\"Internal service error.\"}]}"));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    String message = e.getMessage();
    assertTrue(message.contains("InternalFailure"), message);
    assertTrue(message.contains("Internal service error."), message);
    assertTrue(message.contains("daily-report"), message);
    assertTrue(message.contains(KEY), message);
    assertTrue(message.contains(BUS), message);
    assertFalse(message.contains("2026-11-23"), message);
    assertEquals(1, server.findAll(postRequestedFor(urlEqualTo("/"))).size(), "not retried");
  }

  @Test
  void publish_whenFailedEntryCountWithoutErrorCode_throws() {
    answer(json(200, "{\"FailedEntryCount\":1,\"Entries\":[{}]}"));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    assertTrue(e.getMessage().contains("FailedEntryCount 1"), e.getMessage());
  }

  @Test
  void publish_whenAnswerHasNoEntry_throws() {
    answer(json(200, "{\"FailedEntryCount\":0,\"Entries\":[]}"));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    assertTrue(e.getMessage().contains("without the entry"), e.getMessage());
  }

  @Test
  void publish_whenBusAnswers500_throwsAfterTheSdkRetries() {
    answer(json(500, "{\"__type\":\"InternalException\",\"message\":\"boom\"}"));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    AwsServiceException cause = assertInstanceOf(AwsServiceException.class, e.getCause());
    assertEquals(500, cause.statusCode());
    assertTrue(e.getMessage().contains("InternalException (HTTP 500)"), e.getMessage());
    assertTrue(e.getMessage().contains(KEY), e.getMessage());
    assertEquals(
        ClientSettings.EVENTBRIDGE.maxAttempts(),
        server.findAll(postRequestedFor(urlEqualTo("/"))).size());
  }

  @Test
  void publish_whenBusDoesNotExist_throwsWithoutRetrying() {
    // What moto answers for an unknown bus (EventBridgeCompletionPublisherIT): the whole call
    // fails.
    answer(
        json(
            400,
            "{\"__type\":\"ResourceNotFoundException\","
                + "\"message\":\"Event bus batch-runner-completions does not exist.\"}"));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    assertInstanceOf(ResourceNotFoundException.class, e.getCause());
    assertTrue(e.getMessage().contains("ResourceNotFoundException (HTTP 400)"), e.getMessage());
    assertEquals(1, server.findAll(postRequestedFor(urlEqualTo("/"))).size());
  }

  @Test
  void publish_whenConnectionIsReset_throwsWithTheClientError() {
    answer(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

    CompletionPublishException e =
        assertThrows(CompletionPublishException.class, () -> publisher.publish(succeeded()));

    assertInstanceOf(SdkClientException.class, e.getCause());
    assertTrue(e.getMessage().contains("daily-report"), e.getMessage());
  }

  @Test
  void publish_whenNothingListens_throwsWithTheClientError() {
    AwsConnection nowhere =
        AwsConnection.fromEnvironment(
            Map.of(
                "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test",
                "AWS_ENDPOINT_URL_EVENTBRIDGE", "http://127.0.0.1:9"));
    try (EventBridgeClient unreachable =
        SdkClients.eventBridge(nowhere, SdkClients.httpClient(), ClientSettings.EVENTBRIDGE)) {
      EventBridgeCompletionPublisher offline = new EventBridgeCompletionPublisher(unreachable, BUS);

      CompletionPublishException e =
          assertThrows(CompletionPublishException.class, () -> offline.publish(succeeded()));

      assertInstanceOf(SdkClientException.class, e.getCause());
    }
  }

  @Test
  void constructor_whenNoBus_isRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> new EventBridgeCompletionPublisher(client, " "));
    assertThrows(
        IllegalArgumentException.class, () -> new EventBridgeCompletionPublisher(client, null));
  }

  @Test
  void iamActions_areWhatPublishCalls() {
    assertEquals(List.of("events:PutEvents"), EventBridgeCompletionPublisher.IAM_ACTIONS);
  }

  private static Completion succeeded() {
    return new Completion(
        RequestStatus.SUCCEEDED,
        "daily-report",
        "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        KEY,
        2,
        TASK_ARN,
        0,
        "EssentialContainerExited",
        "Essential container in task exited",
        754_000L,
        Map.of("reportDate", "2026-11-23", "accountNumber", SafeText.MASK));
  }

  private static Completion failedToStart() {
    return new Completion(
        RequestStatus.FAILED,
        "daily-report",
        "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11",
        KEY,
        1,
        null,
        null,
        "TaskFailedToStart",
        "CannotPullContainerError: pull access denied",
        null,
        Map.of("reportDate", "2026-11-23"));
  }

  private static void answer(ResponseDefinitionBuilder response) {
    server.stubFor(post(urlEqualTo("/")).willReturn(response));
  }

  private static ResponseDefinitionBuilder accepted() {
    return json(200, "{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"11710aed-b79e-4468\"}]}");
  }

  private static ResponseDefinitionBuilder json(int status, String body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/x-amz-json-1.1")
        .withBody(body);
  }

  private static LoggedRequest onlyRequest() {
    List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo("/")));
    assertEquals(1, requests.size(), "one PutEvents call");
    return requests.get(0);
  }
}
