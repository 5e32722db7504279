package dev.batchrunner.function.testing;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.Wiring;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestObserver;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Builds what one Lambda execution environment would hold: its own SDK clients, configured as in
 * production ({@link Wiring#DYNAMODB_CLIENT_CONFIG}, {@link Wiring#ECS_CLIENT_CONFIG}), pointed at
 * local endpoints.
 */
public final class Processors {
  private Processors() {}

  /** A DynamoDB client with the production retry and timeout settings. */
  public static DynamoDbClient dynamoDb(URI endpoint) {
    return DynamoDbClient.builder()
        .endpointOverride(endpoint)
        .region(DynamoDbLocal.REGION)
        .credentialsProvider(credentials())
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(Wiring.DYNAMODB_CLIENT_CONFIG)
        .build();
  }

  /** An ECS client with the production retry and timeout settings. */
  public static EcsClient ecs(URI endpoint) {
    return EcsClient.builder()
        .endpointOverride(endpoint)
        .region(DynamoDbLocal.REGION)
        .credentialsProvider(credentials())
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(Wiring.ECS_CLIENT_CONFIG)
        .build();
  }

  /** The tests' catalog ({@code fixtures/catalog.json}) with {@link Fixtures#CATALOG_ENV}. */
  public static BatchCatalog catalog() {
    return catalog(Fixtures.CATALOG_ENV);
  }

  public static BatchCatalog catalog(Map<String, String> env) {
    return CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), env);
  }

  /** A processor over DynamoDB and ECS endpoints, as one execution environment. */
  public static EventProcessor processor(
      URI dynamoEndpoint, String table, URI ecsEndpoint, Clock clock, RequestObserver observer) {
    return processor(
        dynamoEndpoint,
        table,
        ecsEndpoint,
        clock,
        observer,
        catalog(),
        UnaryOperator.identity(),
        UnaryOperator.identity());
  }

  /** A processor whose store and launcher may be wrapped (to inject a crash or a fault). */
  public static EventProcessor processor(
      URI dynamoEndpoint,
      String table,
      URI ecsEndpoint,
      Clock clock,
      RequestObserver observer,
      BatchCatalog catalog,
      UnaryOperator<IdempotencyStore> storeWrapper,
      UnaryOperator<TaskLauncher> launcherWrapper) {
    return Wiring.create(
        catalog,
        storeWrapper.apply(new DynamoDbIdempotencyStore(dynamoDb(dynamoEndpoint), table)),
        launcherWrapper.apply(new EcsTaskLauncher(ecs(ecsEndpoint))),
        clock,
        () -> UUID.randomUUID().toString(),
        observer);
  }

  private static StaticCredentialsProvider credentials() {
    // DynamoDB Local keeps one database per access key: the same key as DynamoDbLocal.client().
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
  }
}
