package dev.batchrunner.function;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.json.RawJson;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import dev.batchrunner.function.observability.LoggingRequestObserver;
import dev.batchrunner.function.startup.PrimableHttpClient;
import dev.batchrunner.function.startup.Primer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * Builds the function's object graph once per execution environment, from environment variables
 * (see the README's Environment table).
 */
public final class Wiring {
  public static final String TABLE_ENV = "IDEMPOTENCY_TABLE";
  public static final String DRY_RUN_ENV = "DRY_RUN";
  public static final String METRICS_NAMESPACE_ENV = "METRICS_NAMESPACE";
  public static final String PRIME_ENV = "PRIME_ON_INIT";

  /**
   * Every environment variable the function reads besides the catalog's own placeholders and the
   * credentials and region Lambda sets (TemplateContractTest checks the template against it).
   */
  public static final List<String> ENVIRONMENT_VARIABLES =
      List.of(
          TABLE_ENV,
          CatalogLoader.CATALOG_ENV,
          DRY_RUN_ENV,
          METRICS_NAMESPACE_ENV,
          PRIME_ENV,
          "LOG_LEVEL",
          "AWS_ENDPOINT_URL",
          "AWS_ENDPOINT_URL_DYNAMODB",
          "AWS_ENDPOINT_URL_ECS");

  /** The ones the function cannot start without. */
  public static final List<String> REQUIRED_ENVIRONMENT_VARIABLES = List.of(TABLE_ENV);

  private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

  private Wiring() {}

  /**
   * What the handler holds for the life of the execution environment.
   *
   * @param processor the request pipeline
   * @param prime runs every request path once without network (see {@link Primer})
   * @param ids the random ids source, reseeded after a SnapStart restore
   */
  public record Assembly(EventProcessor processor, Runnable prime, RandomIds ids) {}

  /**
   * Builds the function from environment variables and, unless {@code PRIME_ON_INIT=false}, primes
   * it.
   */
  public static Assembly assemble(Map<String, String> env) {
    BatchCatalog catalog = CatalogLoader.fromEnvironment(env);
    String table = required(env, TABLE_ENV);
    Region region = region(env);
    PrimableHttpClient http =
        new PrimableHttpClient(
            UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build(),
            Primer.ANSWERS);
    AwsCredentialsProvider credentials = credentials(env);
    DynamoDbClient dynamo =
        withEndpoint(DynamoDbClient.builder(), endpoint(env, "AWS_ENDPOINT_URL_DYNAMODB"))
            .region(region)
            .credentialsProvider(credentials)
            .httpClient(http)
            .overrideConfiguration(DYNAMODB_CLIENT_CONFIG)
            .build();
    TaskLauncher launcher;
    boolean dryRun = Boolean.parseBoolean(env.getOrDefault(DRY_RUN_ENV, "false").trim());
    if (dryRun) {
      launcher =
          new DryRunTaskLauncher(
              region,
              json ->
                  LOG.atInfo()
                      .addKeyValue("runTaskRequest", new RawJson(json))
                      .log("dry run: RunTask not sent"));
    } else {
      EcsClient ecs =
          withEndpoint(EcsClient.builder(), endpoint(env, "AWS_ENDPOINT_URL_ECS"))
              .region(region)
              .credentialsProvider(credentials)
              .httpClient(http)
              .overrideConfiguration(ECS_CLIENT_CONFIG)
              .build();
      launcher = new EcsTaskLauncher(ecs);
    }
    RandomIds ids = new RandomIds();
    DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(dynamo, table);
    EventProcessor processor =
        new EventProcessor(
            new EventParser(ids),
            new BatchDispatcher(catalog, store, launcher, Clock.systemUTC(), ids),
            defaultObserver(env));
    // A dry run's launcher logs each request it builds: prime without it.
    TaskLauncher primingLauncher = dryRun ? launch -> new LaunchResult(List.of(), true) : launcher;
    Runnable prime =
        () -> {
          try {
            Primer.prime(catalog, store, primingLauncher, List.of(http));
          } catch (RuntimeException e) {
            // Priming only saves time: a failure (e.g. no credentials yet) must not fail the start.
            LOG.atWarn().setCause(e).log("priming skipped: {}", e.toString());
          }
        };
    if (!"false".equalsIgnoreCase(env.getOrDefault(PRIME_ENV, "true").trim())) {
      prime.run();
    }
    return new Assembly(processor, prime, ids);
  }

  /** The production observer: one JSON log line and EMF metrics per request. */
  public static RequestObserver defaultObserver(Map<String, String> env) {
    String namespace =
        env.getOrDefault(METRICS_NAMESPACE_ENV, EmfMetricsObserver.DEFAULT_NAMESPACE);
    return observers(new LoggingRequestObserver(), EmfMetricsObserver.toStdout(namespace));
  }

  /**
   * Credentials from the given environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
   * AWS_SESSION_TOKEN (what Lambda sets), else from the container credentials endpoint.
   */
  static AwsCredentialsProvider credentials(Map<String, String> env) {
    AwsCredentialsProvider fromEnv =
        () -> {
          String id = env.get("AWS_ACCESS_KEY_ID");
          String secret = env.get("AWS_SECRET_ACCESS_KEY");
          if (id == null || secret == null) {
            throw SdkClientException.create("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not set");
          }
          String token = env.get("AWS_SESSION_TOKEN");
          return token == null
              ? AwsBasicCredentials.create(id, secret)
              : AwsSessionCredentials.create(id, secret, token);
        };
    return AwsCredentialsProviderChain.of(fromEnv, ContainerCredentialsProvider.builder().build());
  }

  /** The processor over the given ports: what tests and the local runner build. */
  public static EventProcessor create(
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      Clock clock,
      Supplier<String> traceIds,
      RequestObserver observer) {
    return new EventProcessor(
        new EventParser(traceIds), new BatchDispatcher(catalog, store, launcher, clock), observer);
  }

  /** Tells each observer in turn. */
  public static RequestObserver observers(RequestObserver... observers) {
    return summary -> {
      for (RequestObserver observer : observers) {
        observer.completed(summary);
      }
    };
  }

  static Region region(Map<String, String> env) {
    String region = env.get("AWS_REGION");
    if (region == null || region.isBlank()) {
      region = env.get("AWS_DEFAULT_REGION");
    }
    if (region == null || region.isBlank()) {
      throw new IllegalStateException(
          "AWS_REGION is not set (Lambda sets it; set it when running elsewhere)");
    }
    return Region.of(region.trim());
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(name + " is not set: it names the idempotency table");
    }
    return value.trim();
  }

  private static URI endpoint(Map<String, String> env, String serviceVariable) {
    String value = env.get(serviceVariable);
    if (value == null || value.isBlank()) {
      value = env.get("AWS_ENDPOINT_URL");
    }
    return value == null || value.isBlank() ? null : URI.create(value.trim());
  }

  private static <B extends software.amazon.awssdk.core.client.builder.SdkClientBuilder<B, ?>>
      B withEndpoint(B builder, URI endpoint) {
    return endpoint == null ? builder : builder.endpointOverride(endpoint);
  }

  /**
   * RunTask: up to 4 attempts on throttling, 5xx and I/O errors, with exponential backoff and full
   * jitter, all inside 12 s. With the DynamoDB calls' 5 s each, a request fits the template's 30 s
   * function timeout, so a failure is reported (and the claim released) before Lambda kills us.
   */
  public static final ClientOverrideConfiguration ECS_CLIENT_CONFIG =
      clientConfig(
          Duration.ofMillis(100), Duration.ofSeconds(2),
          Duration.ofMillis(250), Duration.ofSeconds(3),
          Duration.ofSeconds(5), Duration.ofSeconds(12));

  /** DynamoDB: the same retries with shorter backoff, each call bounded to 5 s. */
  public static final ClientOverrideConfiguration DYNAMODB_CLIENT_CONFIG =
      clientConfig(
          Duration.ofMillis(25), Duration.ofMillis(500),
          Duration.ofMillis(100), Duration.ofSeconds(1),
          Duration.ofSeconds(2), Duration.ofSeconds(5));

  /** Standard retries, 4 attempts, full-jitter exponential backoff, bounded attempts and calls. */
  private static ClientOverrideConfiguration clientConfig(
      Duration backoffBase,
      Duration backoffMax,
      Duration throttlingBase,
      Duration throttlingMax,
      Duration attemptTimeout,
      Duration callTimeout) {
    return ClientOverrideConfiguration.builder()
        .retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(4)
                .backoffStrategy(BackoffStrategy.exponentialDelay(backoffBase, backoffMax))
                .throttlingBackoffStrategy(
                    BackoffStrategy.exponentialDelay(throttlingBase, throttlingMax))
                .build())
        .apiCallAttemptTimeout(attemptTimeout)
        .apiCallTimeout(callTimeout)
        .build();
  }
}
