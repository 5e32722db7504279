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
      names = "--profile",
      paramLabel = "NAME",
      description =
          "the AWS profile of ~/.aws/config (default: $AWS_PROFILE, else the default chain)")
  String profile;

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
