package dev.batchrunner.function;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The old assembly entry points, kept only until the local runner (cli) moves to {@link
 * FunctionFactory}; both go through the factory.
 *
 * @deprecated use {@link FunctionConfig#fromEnvironment} and {@link FunctionFactory#assemble}
 */
@Deprecated(forRemoval = true)
public final class Wiring {
  private Wiring() {}

  /**
   * The pipeline over the given ports, through {@link FunctionFactory}.
   *
   * @param traceIds ignored: trace ids and claim ids come from the factory's one {@link RandomIds}
   * @deprecated assemble with {@link FunctionFactory#assemble(FunctionConfig,
   *     FunctionFactory.Options)}
   */
  @Deprecated(forRemoval = true)
  public static EventProcessor create(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      Clock clock,
      Supplier<String> traceIds,
      RequestObserver observer) {
    // The given ports replace the factory's, so no SDK client is built: any region does.
    FunctionConfig config =
        new FunctionConfig(
            "unused",
            catalog,
            false,
            EmfMetricsObserver.DEFAULT_NAMESPACE,
            false,
            new AwsConnection(
                Region.US_EAST_1,
                AnonymousCredentialsProvider.create(),
                AwsConnection.Endpoints.AWS));
    return FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .clock(clock)
                .observer(observer)
                .store(store)
                .launcher(launcher)
                .build())
        .processor();
  }

  /**
   * The production observer.
   *
   * @deprecated leave {@link FunctionFactory.Options#observer()} unset instead
   */
  @Deprecated(forRemoval = true)
  public static RequestObserver defaultObserver(Map<String, String> env) {
    String namespace = env.get(FunctionConfig.METRICS_NAMESPACE_ENV);
    return FunctionFactory.productionObserver(
        namespace == null || namespace.isBlank()
            ? EmfMetricsObserver.DEFAULT_NAMESPACE
            : namespace.trim(),
        Clock.systemUTC());
  }
}
