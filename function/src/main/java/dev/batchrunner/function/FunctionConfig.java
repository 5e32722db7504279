package dev.batchrunner.function;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The function's configuration, read once from the environment variables of the README's
 * Environment table.
 *
 * @param table the idempotency table ({@code IDEMPOTENCY_TABLE}, required)
 * @param catalog the validated batch catalog ({@code BATCH_CATALOG}, else the classpath's {@code
 *     batches.json}, its placeholders filled from the same environment)
 * @param dryRun {@code DRY_RUN}: build and log each RunTask request, send none (default false)
 * @param metricsNamespace {@code METRICS_NAMESPACE}: the CloudWatch namespace of the metrics
 *     (default {@value EmfMetricsObserver#DEFAULT_NAMESPACE})
 * @param primeOnInit {@code PRIME_ON_INIT}: run every request path once during init (default true)
 * @param aws region, credentials and endpoint overrides of the SDK clients
 * @param completionEventBus {@code COMPLETION_EVENT_BUS}: the bus name or ARN that gets one {@code
 *     Batch Succeeded} or {@code Batch Failed} event per finished request, or null for none
 */
public record FunctionConfig(
    String table,
    BatchCatalog catalog,
    boolean dryRun,
    String metricsNamespace,
    boolean primeOnInit,
    AwsConnection aws,
    String completionEventBus) {
  public static final String TABLE_ENV = "IDEMPOTENCY_TABLE";
  public static final String CATALOG_ENV = CatalogLoader.CATALOG_ENV;
  public static final String DRY_RUN_ENV = "DRY_RUN";
  public static final String METRICS_NAMESPACE_ENV = "METRICS_NAMESPACE";
  public static final String PRIME_ENV = "PRIME_ON_INIT";
  public static final String COMPLETION_EVENT_BUS_ENV = "COMPLETION_EVENT_BUS";

  /** Read by the logging set-up (LogbackJsonConfigurator) from the process environment. */
  public static final String LOG_LEVEL_ENV = "LOG_LEVEL";

  /**
   * Every environment variable the function reads besides the catalog's own placeholders and the
   * credentials and region Lambda sets (TemplateContractTest checks the template against it).
   */
  public static final List<String> ENVIRONMENT_VARIABLES =
      List.of(
          TABLE_ENV,
          CATALOG_ENV,
          DRY_RUN_ENV,
          METRICS_NAMESPACE_ENV,
          PRIME_ENV,
          COMPLETION_EVENT_BUS_ENV,
          LOG_LEVEL_ENV,
          AwsConnection.ENDPOINT_ENV,
          AwsConnection.DYNAMODB_ENDPOINT_ENV,
          AwsConnection.ECS_ENDPOINT_ENV,
          AwsConnection.EVENTBRIDGE_ENDPOINT_ENV);

  /** The ones the function cannot start without. */
  public static final List<String> REQUIRED_ENVIRONMENT_VARIABLES = List.of(TABLE_ENV);

  public FunctionConfig {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("table is required");
    }
    Objects.requireNonNull(catalog, "catalog");
    if (metricsNamespace == null || metricsNamespace.isBlank()) {
      throw new IllegalArgumentException("metricsNamespace is required");
    }
    Objects.requireNonNull(aws, "aws");
    if (completionEventBus != null && completionEventBus.isBlank()) {
      completionEventBus = null;
    }
  }

  /** This configuration without completion events, as before the bus existed. */
  public FunctionConfig(
      String table,
      BatchCatalog catalog,
      boolean dryRun,
      String metricsNamespace,
      boolean primeOnInit,
      AwsConnection aws) {
    this(table, catalog, dryRun, metricsNamespace, primeOnInit, aws, null);
  }

  /**
   * Reads the configuration from {@code env} (the process's, or one a test or the local runner
   * gives), loading and validating the catalog.
   *
   * @throws IllegalStateException naming the variable that is missing or invalid
   * @throws dev.batchrunner.core.catalog.CatalogException listing every problem of the catalog
   */
  public static FunctionConfig fromEnvironment(Map<String, String> env) {
    String table = value(env, TABLE_ENV);
    if (table == null) {
      throw new IllegalStateException(TABLE_ENV + " is not set: it names the idempotency table");
    }
    boolean dryRun = flag(env, DRY_RUN_ENV, false);
    boolean prime = flag(env, PRIME_ENV, true);
    String namespace = value(env, METRICS_NAMESPACE_ENV);
    AwsConnection aws = AwsConnection.fromEnvironment(env);
    // Last: the catalog's problems are listed in full, after the simpler mistakes above.
    BatchCatalog catalog = CatalogLoader.fromEnvironment(env);
    return new FunctionConfig(
        table,
        catalog,
        dryRun,
        namespace == null ? EmfMetricsObserver.DEFAULT_NAMESPACE : namespace,
        prime,
        aws,
        value(env, COMPLETION_EVENT_BUS_ENV));
  }

  /** The trimmed value, or null when unset or blank. */
  private static String value(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static boolean flag(Map<String, String> env, String name, boolean defaultValue) {
    String value = value(env, name);
    if (value == null) {
      return defaultValue;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalStateException(
              name + "=" + value + " is neither true nor false (default " + defaultValue + ")");
    };
  }
}
