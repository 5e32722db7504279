package dev.batchrunner.aws.sdk;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * Builds SDK clients: region, credentials and endpoint from an {@link AwsConnection}, retries and
 * timeouts from {@link ClientSettings}, over an HTTP client the caller shares between them.
 */
public final class SdkClients {
  /** How long opening a connection may take. */
  public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);

  /** How long a read may wait for data (an attempt is bounded by {@link ClientSettings} too). */
  public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

  private SdkClients() {}

  /** The URLConnection client (no Apache or Netty: cold start) with the timeouts above. */
  public static SdkHttpClient httpClient() {
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(CONNECTION_TIMEOUT)
        .socketTimeout(SOCKET_TIMEOUT)
        .build();
  }

  public static DynamoDbClient dynamoDb(
      AwsConnection aws, SdkHttpClient http, ClientSettings settings) {
    return build(DynamoDbClient.builder(), aws, aws.endpoints().dynamoDb(), http, settings);
  }

  public static EcsClient ecs(AwsConnection aws, SdkHttpClient http, ClientSettings settings) {
    return build(EcsClient.builder(), aws, aws.endpoints().ecs(), http, settings);
  }

  public static EventBridgeClient eventBridge(
      AwsConnection aws, SdkHttpClient http, ClientSettings settings) {
    return build(EventBridgeClient.builder(), aws, aws.endpoints().eventBridge(), http, settings);
  }

  /**
   * Any service's client built as the function's are: {@code endpoint} (null: AWS's), the
   * connection's region and credentials, the shared HTTP client, the settings' retries and
   * timeouts. The operator CLI builds its SQS and Lambda clients with it.
   */
  public static <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C build(
      B builder, AwsConnection aws, URI endpoint, SdkHttpClient http, ClientSettings settings) {
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder
        .region(aws.region())
        .credentialsProvider(aws.credentials())
        .httpClient(http)
        .overrideConfiguration(settings.overrideConfiguration())
        .build();
  }
}
