package dev.batchrunner.cli;

import dev.batchrunner.aws.sdk.AwsConnection;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The AWS side of an operator command, read as the function reads it: {@code IDEMPOTENCY_TABLE},
 * {@code AWS_REGION} and the SDK's endpoint variables ({@code AWS_ENDPOINT_URL_DYNAMODB}, …, for
 * DynamoDB Local or moto), overridden by {@code --table}, {@code --region}; credentials from the
 * SDK's default chain (environment, {@code --profile} or {@code AWS_PROFILE}, SSO, container,
 * instance).
 */
final class AwsOptions {
  static final String TABLE_ENV = "IDEMPOTENCY_TABLE";

  @Option(
      names = "--table",
      paramLabel = "NAME",
      description = "the idempotency table (default: $IDEMPOTENCY_TABLE)")
  String table;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description = "the AWS region (default: $AWS_REGION, else $AWS_DEFAULT_REGION)")
  String region;

  @Option(
      names = "--local",
      description =
          "the local runner's records (./batch-runner local, ECS dry run): DynamoDB Local on"
              + " STATE/dry-run/, table batch-runner-local; a rerun is a dry run too")
  boolean local;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      defaultValue = ".local",
      description = "with --local: the local runner's --state (default: ${DEFAULT-VALUE})")
  java.nio.file.Path state;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description =
          "the AWS profile of ~/.aws/config (default: $AWS_PROFILE, else the default chain)")
  String profile;

  /**
   * Checks the usage before any work (a missing table or region is exit 2 first, before the
   * catalog's problems): with {@code --local} both come from the local runner.
   */
  void check(Map<String, String> env) {
    if (!local) {
      table(env);
      connection(env);
    }
  }

  /**
   * The environment the catalog's placeholders are filled from: with {@code --local}, the local
   * runner's values for the shipped catalog's placeholders that {@code env} does not set.
   */
  Map<String, String> catalogEnvironment(Map<String, String> env) {
    if (!local) {
      return env;
    }
    Map<String, String> filled = new HashMap<>(env);
    LocalCommand.LOCAL_DEFAULTS.forEach(filled::putIfAbsent);
    return filled;
  }

  /**
   * Where the command works: the given environment, or with {@code --local} the local runner's
   * DynamoDB Local started on its records, with the environment pointing at it. Close it after.
   *
   * @throws CliException exit 3 when there are no local records yet
   */
  Session open(Map<String, String> env) {
    if (!local) {
      return new Session(env, null);
    }
    java.nio.file.Path dir = state.resolve("dry-run");
    java.nio.file.Path records = dir.resolve("dynamodb");
    if (!java.nio.file.Files.isDirectory(records)) {
      throw new CliException(
          ExitCode.NOT_FOUND,
          "--local: no local records in "
              + records
              + "; run e.g. ./batch-runner local events/monolith-put-events.json first");
    }
    LocalDynamoDb dynamo = LocalDynamoDb.start(records, dir.resolve("dynamodb-local.log"));
    try {
      dynamo.awaitReady();
    } catch (RuntimeException e) {
      dynamo.close();
      throw e;
    }
    Map<String, String> effective = new HashMap<>(env);
    effective.put(AwsConnection.DYNAMODB_ENDPOINT_ENV, dynamo.endpoint().toString());
    effective.putIfAbsent(TABLE_ENV, LocalCommand.TABLE);
    effective.put(AwsConnection.REGION_ENV, LocalCommand.REGION.id());
    // The local runner's client's key: DynamoDB Local keeps one database per access key.
    effective.put("AWS_ACCESS_KEY_ID", "local");
    effective.put("AWS_SECRET_ACCESS_KEY", "local");
    effective.remove("AWS_SESSION_TOKEN");
    return new Session(effective, dynamo);
  }

  /** The environment a command works in, and what to stop after it. */
  static final class Session implements AutoCloseable {
    private final Map<String, String> env;
    private final LocalDynamoDb dynamo;

    Session(Map<String, String> env, LocalDynamoDb dynamo) {
      this.env = Map.copyOf(env);
      this.dynamo = dynamo;
    }

    Map<String, String> env() {
      return env;
    }

    /** Whether the records are the local runner's (a rerun is then a dry run). */
    boolean local() {
      return dynamo != null;
    }

    @Override
    public void close() {
      if (dynamo != null) {
        dynamo.close();
      }
    }
  }

  /**
   * The table to read and write.
   *
   * @throws CliException exit 2 when neither {@code --table} nor {@code IDEMPOTENCY_TABLE} is set
   */
  String table(Map<String, String> env) {
    String name = table != null ? table : env.get(TABLE_ENV);
    if (name == null || name.isBlank()) {
      throw new CliException(
          ExitCode.USAGE, "--table: no table given and " + TABLE_ENV + " is not set");
    }
    return name.trim();
  }

  /**
   * Region, credentials and endpoints.
   *
   * @throws CliException exit 2 when no region is set or an endpoint variable is not a URL
   */
  AwsConnection connection(Map<String, String> env) {
    Map<String, String> effective = new HashMap<>(env);
    if (region != null) {
      effective.put(AwsConnection.REGION_ENV, region);
    }
    AwsConnection fromEnv;
    try {
      fromEnv = AwsConnection.fromEnvironment(effective);
    } catch (IllegalStateException e) {
      throw new CliException(
          ExitCode.USAGE,
          (e.getMessage().startsWith(AwsConnection.REGION_ENV) ? "--region: " : "")
              + e.getMessage(),
          e);
    }
    return new AwsConnection(fromEnv.region(), credentials(env), fromEnv.endpoints());
  }

  private AwsCredentialsProvider credentials(Map<String, String> env) {
    String name = profile != null ? profile : env.get("AWS_PROFILE");
    if (env.containsKey("AWS_ACCESS_KEY_ID") && profile == null) {
      // Keys in the given environment win, as the SDK's chain has it; read from that map, not
      // the process's, so tests and scripts can pass their own.
      return AwsConnection.credentials(env);
    }
    DefaultCredentialsProvider.Builder chain = DefaultCredentialsProvider.builder();
    if (name != null && !name.isBlank()) {
      chain.profileName(name.trim());
    }
    return chain.build();
  }
}
