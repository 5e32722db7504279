package dev.batchrunner.aws.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.RetryStrategy;

class ClientSettingsTest {
  @Test
  void overrideConfiguration_carriesTheNamedValuesToTheSdk() {
    ClientOverrideConfiguration ecs = ClientSettings.ECS.overrideConfiguration();

    assertEquals(Duration.ofSeconds(12), ecs.apiCallTimeout().orElseThrow());
    assertEquals(Duration.ofSeconds(5), ecs.apiCallAttemptTimeout().orElseThrow());
    RetryStrategy retries = ecs.retryStrategy().orElseThrow();
    assertEquals(4, retries.maxAttempts());
  }

  @Test
  void constants_boundEachCallBelowTheFunctionTimeoutBudget() {
    // claim + RunTask + (update or release) inside the template's 30 s (TemplateContractTest).
    Duration worst =
        ClientSettings.ECS
            .callTimeout()
            .plus(ClientSettings.DYNAMODB.callTimeout().multipliedBy(2));

    assertTrue(worst.compareTo(Duration.ofSeconds(30)) < 0, worst.toString());
    assertEquals(Duration.ofSeconds(5), ClientSettings.DYNAMODB.callTimeout());
    assertEquals(Duration.ofSeconds(2), ClientSettings.DYNAMODB.attemptTimeout());
  }

  @Test
  void eventBridge_boundsACompletionBetweenItsTwoRecordWritesBelowTheFunctionTimeout() {
    // The record's final write, PutEvents, then the "announced" write (CompletionPublisher).
    Duration worst =
        ClientSettings.EVENTBRIDGE
            .callTimeout()
            .plus(ClientSettings.DYNAMODB.callTimeout().multipliedBy(2));

    assertTrue(worst.compareTo(Duration.ofSeconds(30)) < 0, worst.toString());
    ClientOverrideConfiguration events = ClientSettings.EVENTBRIDGE.overrideConfiguration();
    assertEquals(Duration.ofSeconds(5), events.apiCallTimeout().orElseThrow());
    assertEquals(Duration.ofSeconds(2), events.apiCallAttemptTimeout().orElseThrow());
    assertEquals(4, events.retryStrategy().orElseThrow().maxAttempts());
  }

  @Test
  void constructor_whenAttemptLongerThanCall_isRefused() {
    ClientSettings.Backoff backoff =
        new ClientSettings.Backoff(Duration.ofMillis(10), Duration.ofMillis(100));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ClientSettings(
                    3, backoff, backoff, Duration.ofSeconds(6), Duration.ofSeconds(5)));

    assertTrue(e.getMessage().contains("attemptTimeout"), e.getMessage());
  }

  @Test
  void constructor_whenNoAttemptOrNoTime_isRefused() {
    ClientSettings.Backoff backoff =
        new ClientSettings.Backoff(Duration.ofMillis(10), Duration.ofMillis(100));

    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ClientSettings(0, backoff, backoff, Duration.ofSeconds(1), Duration.ofSeconds(2)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ClientSettings(1, backoff, backoff, Duration.ZERO, Duration.ofSeconds(2)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ClientSettings.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }
}
