package dev.batchrunner.aws.sdk;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;

/**
 * Where and as whom the SDK clients call AWS: the region, the credentials and the endpoint
 * overrides, read from the SDK's standard environment variables in a given map (not the process's,
 * so that tests and the local runner can pass their own).
 *
 * @param region the region the clients sign for and resolve endpoints in
 * @param credentials the explicit credentials provider of every client
 * @param endpoints endpoint overrides (DynamoDB Local, moto, a VPC endpoint), if any
 */
public record AwsConnection(
    Region region, AwsCredentialsProvider credentials, Endpoints endpoints) {
  public static final String REGION_ENV = "AWS_REGION";
  public static final String DEFAULT_REGION_ENV = "AWS_DEFAULT_REGION";
  public static final String ENDPOINT_ENV = "AWS_ENDPOINT_URL";
  public static final String DYNAMODB_ENDPOINT_ENV = "AWS_ENDPOINT_URL_DYNAMODB";
  public static final String ECS_ENDPOINT_ENV = "AWS_ENDPOINT_URL_ECS";
  public static final String EVENTBRIDGE_ENDPOINT_ENV = "AWS_ENDPOINT_URL_EVENTBRIDGE";

  /**
   * Endpoint overrides per service; a null one means the service's AWS endpoint in the region.
   *
   * @param dynamoDb {@code AWS_ENDPOINT_URL_DYNAMODB}, else {@code AWS_ENDPOINT_URL}
   * @param ecs {@code AWS_ENDPOINT_URL_ECS}, else {@code AWS_ENDPOINT_URL}
   * @param eventBridge {@code AWS_ENDPOINT_URL_EVENTBRIDGE}, else {@code AWS_ENDPOINT_URL}
   */
  public record Endpoints(URI dynamoDb, URI ecs, URI eventBridge) {
    /** No override: AWS's own endpoints. */
    public static final Endpoints AWS = new Endpoints(null, null, null);

    /**
     * DynamoDB and ECS overrides, EventBridge's AWS endpoint: for callers that build no EventBridge
     * client (the function does not publish completion events yet).
     */
    public Endpoints(URI dynamoDb, URI ecs) {
      this(dynamoDb, ecs, null);
    }
  }

  public AwsConnection {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(endpoints, "endpoints");
  }

  /**
   * Reads {@code AWS_REGION} (else {@code AWS_DEFAULT_REGION}), the credentials (see {@link
   * #credentials(Map)}) and the endpoint variables.
   *
   * @throws IllegalStateException when no region is set or an endpoint is not an absolute URI
   */
  public static AwsConnection fromEnvironment(Map<String, String> env) {
    return new AwsConnection(
        region(env),
        credentials(env),
        new Endpoints(
            endpoint(env, DYNAMODB_ENDPOINT_ENV),
            endpoint(env, ECS_ENDPOINT_ENV),
            endpoint(env, EVENTBRIDGE_ENDPOINT_ENV)));
  }

  /**
   * Credentials from the given environment's {@code AWS_ACCESS_KEY_ID} / {@code
   * AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN} (what Lambda sets), else from the container
   * credentials endpoint.
   */
  public static AwsCredentialsProvider credentials(Map<String, String> env) {
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

  private static Region region(Map<String, String> env) {
    String region = env.get(REGION_ENV);
    if (region == null || region.isBlank()) {
      region = env.get(DEFAULT_REGION_ENV);
    }
    if (region == null || region.isBlank()) {
      throw new IllegalStateException(
          REGION_ENV + " is not set (Lambda sets it; set it when running elsewhere)");
    }
    return Region.of(region.trim());
  }

  /**
   * The endpoint override of one service in {@code env}: its own variable (e.g. {@code
   * AWS_ENDPOINT_URL_SQS}), else {@code AWS_ENDPOINT_URL}, as the SDK reads them; null when neither
   * is set. Also used by the CLI for the services the function does not call (SQS, Lambda).
   *
   * @throws IllegalStateException naming the variable when its value is not an endpoint URL
   */
  public static URI endpoint(Map<String, String> env, String serviceVariable) {
    String variable = serviceVariable;
    String value = env.get(serviceVariable);
    if (value == null || value.isBlank()) {
      variable = ENDPOINT_ENV;
      value = env.get(ENDPOINT_ENV);
    }
    if (value == null || value.isBlank()) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !uri.isAbsolute() || uri.getHost() == null) {
      throw new IllegalStateException(
          variable + "=" + value + " is not an endpoint URL (e.g. http://127.0.0.1:8000)");
    }
    return uri;
  }
}
