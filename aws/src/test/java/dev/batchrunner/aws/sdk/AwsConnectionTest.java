package dev.batchrunner.aws.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The endpoint variables as the SDK defines them: a service's own variable, else the general one.
 */
class AwsConnectionTest {
  @Test
  void fromEnvironment_whenEachServiceHasItsVariable_overridesEachService() {
    Map<String, String> env = region();
    env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000");
    env.put("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:5000");
    env.put("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://127.0.0.1:5001");

    AwsConnection.Endpoints endpoints = AwsConnection.fromEnvironment(env).endpoints();

    assertEquals(
        new AwsConnection.Endpoints(
            URI.create("http://127.0.0.1:8000"),
            URI.create("http://127.0.0.1:5000"),
            URI.create("http://127.0.0.1:5001")),
        endpoints);
  }

  @Test
  void fromEnvironment_whenOnlyTheGeneralVariable_usesItForEventBridgeToo() {
    Map<String, String> env = region();
    env.put("AWS_ENDPOINT_URL", "http://localhost:4566");
    env.put("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:5000");

    AwsConnection.Endpoints endpoints = AwsConnection.fromEnvironment(env).endpoints();

    assertEquals(URI.create("http://localhost:4566"), endpoints.eventBridge());
    assertEquals(URI.create("http://localhost:4566"), endpoints.dynamoDb());
    assertEquals(URI.create("http://127.0.0.1:5000"), endpoints.ecs());
  }

  @Test
  void fromEnvironment_whenNoEndpointVariable_usesAwsEndpoints() {
    assertEquals(AwsConnection.Endpoints.AWS, AwsConnection.fromEnvironment(region()).endpoints());
  }

  @Test
  void fromEnvironment_whenEventBridgeEndpointNotAUrl_failsNamingTheVariable() {
    Map<String, String> env = region();
    env.put("AWS_ENDPOINT_URL_EVENTBRIDGE", "localhost:5001");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> AwsConnection.fromEnvironment(env));

    assertTrue(
        e.getMessage().startsWith("AWS_ENDPOINT_URL_EVENTBRIDGE=localhost:5001"), e.getMessage());
  }

  private static Map<String, String> region() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "eu-west-1");
    return env;
  }
}
