package dev.batchrunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EmulatorTest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each class of AWS failure, injected over real HTTP, with the production SDK retry settings: what
 * the caller is told, how many RunTask calls were made, and what the record looks like after. No
 * path leaves a record that blocks every future retry; no launch happens without a record.
 */
class FaultInjectionIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final String DYNAMO_TARGET = "DynamoDB_20120810.";

  /** A WireMock proxy in front of DynamoDB Local that fails chosen operations. */
  private static WireMockServer dynamoFaults;

  // Ahead of the real clock: DynamoDB Local's TTL job deletes items whose expiresAt has passed in
  // real time, which would pull records away in the middle of a test.
  private final MutableClock clock = new MutableClock(Instant.parse("2036-11-23T02:00:00Z"));
  private String table;

  @BeforeAll
  static void startFaultProxy() {
    dynamoFaults = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    dynamoFaults.start();
  }

  @AfterAll
  static void stopFaultProxy() {
    dynamoFaults.stop();
  }

  @BeforeEach
  void freshState() {
    ecs.reset();
    dynamoFaults.resetAll();
    dynamoFaults.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(aResponse().proxiedFrom(dynamo.endpoint().toString())));
    table = "faults-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "ClientException, 400",
    "InvalidParameterException, 400",
    "AccessDeniedException, 400",
    "ClusterNotFoundException, 400",
    "PlatformTaskDefinitionIncompatibilityException, 400",
  })
  void process_whenEcsRefusesPermanently_failsNamingBatchTaskDefinitionAndReason(
      String type, int status) {
    ecs.scriptError(status, type, "refused by ECS: " + type);

    DispatchFailedException e = assertThrows(DispatchFailedException.class, this::deliver);

    assertFalse(e.retryable());
    assertEquals(FailureReason.ECS_PERMANENT, e.reason());
    assertTrue(e.getMessage().contains("'daily-report'"), e.getMessage());
    assertTrue(e.getMessage().contains("task definition daily-report"), e.getMessage());
    assertTrue(e.getMessage().contains(type), e.getMessage());
    assertTrue(e.getMessage().contains("refused by ECS: " + type), e.getMessage());
    assertEquals(1, ecs.runTaskCount(), "a refusal is not retried");
    assertNoRecord();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "ThrottlingException, 400",
    "ServerException, 500",
    "ServiceUnavailableException, 503"
  })
  void process_whenEcsFailsTransientlyEveryAttempt_releasesAndFailsRetryably(
      String type, int status) {
    for (int i = 0; i < 4; i++) {
      ecs.scriptError(status, type, "transient " + type);
    }

    DispatchFailedException e = assertThrows(DispatchFailedException.class, this::deliver);

    assertTrue(e.retryable());
    assertEquals(FailureReason.ECS_TRANSIENT, e.reason());
    assertEquals(4, ecs.runTaskCount(), "the SDK retried with backoff up to its 4 attempts");
    assertEquals(0, ecs.tasksStarted());
    assertNoRecord();

    JsonNode redelivered = deliver();
    assertEquals("DISPATCHED", redelivered.get("outcome").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void process_whenEcsThrottlesOnce_theSdkRetryDispatches() {
    ecs.scriptError(400, "ThrottlingException", "Rate exceeded");

    JsonNode answer = deliver();

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(2, ecs.runTaskCount());
    assertEquals(1, ecs.tasksStarted());
    assertEquals("DISPATCHED", onlyRecord(table).get("status").s());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "'RESOURCE:MEMORY', true",
    "'RESOURCE:CPU', true",
    "'Capacity is unavailable at this time. Please try again later or in a different availability zone', true",
    "'MISSING', false",
    "'INACTIVE', false",
  })
  void process_whenRunTaskAnswersFailures_classifiesThem(String reason, boolean retryable) {
    ecs.scriptFailure(reason);

    DispatchFailedException e = assertThrows(DispatchFailedException.class, this::deliver);

    assertEquals(retryable, e.retryable(), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertEquals(1, ecs.runTaskCount());
    assertNoRecord();
  }

  @Test
  void process_whenEcsUnreachable_releasesAndFailsRetryably() {
    EventProcessor processor =
        Processors.processor(
            dynamo.endpoint(),
            table,
            URI.create("http://127.0.0.1:" + DynamoDbLocal.freePort()),
            clock,
            s -> {});

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class,
            () ->
                processor.process(
                    Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));

    assertTrue(e.retryable());
    assertNoRecord();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException, 400",
    "com.amazonaws.dynamodb.v20120810#ThrottlingException, 400",
    "com.amazonaws.dynamodb.v20120810#InternalServerError, 500",
    "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException, 400",
  })
  void process_whenDynamoDbFailsTheClaim_launchesNothing(String type, int status) {
    failDynamoDb("PutItem", status, type);

    DispatchFailedException e =
        assertThrows(DispatchFailedException.class, this::deliverThroughFaults);

    assertTrue(e.retryable());
    assertEquals(FailureReason.IDEMPOTENCY_STORE, e.reason());
    assertTrue(e.getMessage().contains("no task was launched"), e.getMessage());
    assertTrue(e.getMessage().contains(table), e.getMessage());
    assertEquals(0, ecs.runTaskCount(), "no launch without a record");
  }

  @Test
  void process_whenRecordUpdateFailsAfterRunTask_theRedeliveryGetsTheSameTask() {
    // The record update is the PutItem conditioned on the claim's revision (the claim is not).
    failDynamoDb(
        "PutItem",
        "#revision = :expected",
        500,
        "com.amazonaws.dynamodb.v20120810#InternalServerError");

    DispatchFailedException e =
        assertThrows(DispatchFailedException.class, this::deliverThroughFaults);

    assertTrue(e.retryable());
    assertEquals(FailureReason.RECORD_UPDATE, e.reason());
    assertEquals(1, ecs.tasksStarted());
    String task = ecs.startedTaskArns().get(0);
    assertTrue(e.getMessage().contains(task), e.getMessage());
    assertEquals(
        "IN_PROGRESS", onlyRecord(table).get("status").s(), "the running task keeps its claim");

    dynamoFaults.resetAll();
    dynamoFaults.stubFor(
        any(anyUrl()).willReturn(aResponse().proxiedFrom(dynamo.endpoint().toString())));
    clock.advance(Duration.ofSeconds(41));
    JsonNode answer = deliverThroughFaults();

    assertEquals("DISPATCHED", answer.get("outcome").asText());
    assertEquals(task, answer.at("/taskArns/0").asText());
    assertEquals(1, ecs.tasksStarted());
  }

  @Test
  void process_whenReleaseFailsAfterEcsRefusal_theClaimExpiresAndDoesNotBlockForever() {
    failDynamoDb("DeleteItem", 500, "com.amazonaws.dynamodb.v20120810#InternalServerError");
    ecs.scriptError(400, "ClientException", "Unable to assume the task role");

    DispatchFailedException e =
        assertThrows(DispatchFailedException.class, this::deliverThroughFaults);

    assertFalse(e.retryable());
    assertEquals(1, e.getSuppressed().length, "the failed release is attached, not lost");
    assertEquals("IN_PROGRESS", onlyRecord(table).get("status").s());

    clock.advance(Duration.ofSeconds(41));
    JsonNode answer = deliverThroughFaults();
    assertEquals("DISPATCHED", answer.get("outcome").asText());
  }

  @Test
  void process_whenDynamoDbStopsMidTest_failsClosed() {
    DynamoDbLocal own = DynamoDbLocal.start();
    own.createIdempotencyTable(table);
    EventProcessor processor =
        Processors.processor(own.endpoint(), table, ecs.endpoint(), clock, s -> {});
    processor.process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30));
    own.close();

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class,
            () ->
                processor.process(
                    Fixtures.event("scheduled-input-transformer.json"), Duration.ofSeconds(30)));

    assertTrue(e.retryable());
    assertEquals(FailureReason.IDEMPOTENCY_STORE, e.reason());
    assertEquals(1, ecs.runTaskCount(), "only the dispatch made while DynamoDB was up");
  }

  private void failDynamoDb(String operation, int status, String type) {
    failDynamoDb(operation, "", status, type);
  }

  /** Fails the calls of {@code operation} whose JSON body contains {@code bodyPart}. */
  private void failDynamoDb(String operation, String bodyPart, int status, String type) {
    dynamoFaults.stubFor(
        any(anyUrl())
            .atPriority(1)
            .withHeader("X-Amz-Target", equalTo(DYNAMO_TARGET + operation))
            .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(bodyPart))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/x-amz-json-1.0")
                    .withBody(
                        "{\"__type\":\""
                            + type
                            + "\",\"message\":\"injected "
                            + operation
                            + " fault\"}")));
  }

  private JsonNode deliver() {
    EventProcessor processor =
        Processors.processor(dynamo.endpoint(), table, ecs.endpoint(), clock, s -> {});
    return answer(
        processor.process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));
  }

  private JsonNode deliverThroughFaults() {
    EventProcessor processor =
        Processors.processor(
            URI.create(dynamoFaults.baseUrl()), table, ecs.endpoint(), clock, s -> {});
    return answer(
        processor.process(Fixtures.event("monolith-put-events.json"), Duration.ofSeconds(30)));
  }

  private void assertNoRecord() {
    assertEquals(
        List.of(),
        dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).items(),
        "a failed dispatch must not leave a record that blocks the redelivery");
  }

  private static JsonNode answer(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
