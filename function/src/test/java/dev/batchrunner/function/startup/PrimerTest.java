package dev.batchrunner.function.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.Invocation;
import dev.batchrunner.function.event.ParsedRequest;
import dev.batchrunner.function.testing.Processors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Priming runs the real clients' request paths without a single network call or output line (here
 * answered from memory; {@link LoopbackPrimingIT} covers the answers over loopback).
 */
class PrimerTest {
  private final AtomicInteger networkCalls = new AtomicInteger();
  private final PrimableHttpClient http =
      PrimableHttpClient.inMemory(new NoNetwork(), Primer.ANSWERS);

  @Test
  void prime_whenRun_callsEachOperationCannedAndWritesNothing() {
    BatchCatalog catalog = Processors.catalog();
    DynamoDbClient dynamo = client(DynamoDbClient.builder(), ClientSettings.DYNAMODB);
    EcsClient ecs = client(EcsClient.builder(), ClientSettings.ECS);

    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int calls;
    try {
      calls =
          Primer.prime(
              catalog,
              new DynamoDbIdempotencyStore(dynamo, "table"),
              new EcsTaskLauncher(ecs),
              List.of(http));
    } finally {
      System.setOut(original);
    }

    // Per batch type a RunTask; once, the record's PutItem (claim), GetItem (find), PutItem
    // (dispatched) and DeleteItem (release); and the task event's GetItem, direct and in SQS (no
    // record: ignored).
    assertEquals(catalog.batchTypeIds().size() + 4 + 2, calls);
    assertEquals(0, networkCalls.get());
    assertEquals("", out.toString(StandardCharsets.UTF_8), "priming must not log or emit metrics");

    // Afterwards the clients talk to the real HTTP client again.
    assertThrows(
        RuntimeException.class, () -> ecs.listClusters(b -> {}), "the real client is back");
    assertTrue(networkCalls.get() > 0);
  }

  @Test
  void taskEvent_isAWellFormedTaskStateChangeOfOurs_soPrimingTakesTheRealPath() {
    var invocation =
        new EventParser(() -> "t").parse(Primer.TASK_EVENT.getBytes(StandardCharsets.UTF_8));
    var parsed = ((Invocation.Direct) invocation).request();

    var change = assertInstanceOf(ParsedRequest.TaskEvent.class, parsed, parsed::toString).change();
    assertTrue(change.isStopped());
    assertTrue(change.startedByBatchRunner());
    assertEquals(0, change.exitCode("app"));
    assertEquals("priming#0", change.idempotencyKey());
  }

  private <
          B extends
              software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>
                  & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, C>,
          C>
      C client(B builder, ClientSettings settings) {
    return builder
        .region(Region.EU_WEST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
        .endpointOverride(URI.create("http://127.0.0.1:9"))
        .httpClient(http)
        .overrideConfiguration(
            settings.overrideConfiguration().toBuilder()
                .retryStrategy(r -> r.maxAttempts(1))
                .build())
        .build();
  }

  /** Fails the test's expectations if anything reaches the network. */
  private final class NoNetwork implements SdkHttpClient {
    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
      networkCalls.incrementAndGet();
      throw new IllegalStateException("network call during the test: " + request.httpRequest());
    }

    @Override
    public void close() {}
  }
}
