package dev.batchrunner.function.testing;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Builds what one Lambda execution environment would hold, through {@link FunctionFactory}: its own
 * SDK clients, configured as in production, pointed at local endpoints.
 */
public final class Processors {
  /** DynamoDB Local keeps one database per access key: the same key as DynamoDbLocal.client(). */
  public static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

  /** For pipelines whose ports are all replaced: nothing listens there (the discard port). */
  public static final AwsConnection OFFLINE =
      connection(URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"));

  private Processors() {}

  /** Test credentials, the emulators' region, these endpoints. */
  public static AwsConnection connection(URI dynamoEndpoint, URI ecsEndpoint) {
    return new AwsConnection(
        DynamoDbLocal.REGION,
        CREDENTIALS,
        new AwsConnection.Endpoints(dynamoEndpoint, ecsEndpoint));
  }

  /** The production configuration over this catalog, table and connection; no priming. */
  public static FunctionConfig config(BatchCatalog catalog, String table, AwsConnection aws) {
    return new FunctionConfig(
        table, catalog, false, EmfMetricsObserver.DEFAULT_NAMESPACE, false, aws);
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
    return FunctionFactory.assemble(
            config(catalog, table, connection(dynamoEndpoint, ecsEndpoint)),
            FunctionFactory.Options.builder()
                .clock(clock)
                .observer(observer)
                .wrapStore(storeWrapper)
                .wrapLauncher(launcherWrapper)
                .build())
        .processor();
  }
}
