package dev.batchrunner.aws.sdk;

import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * How one SDK client retries and how long its calls may take: the SDK's standard retries
 * (throttling, 5xx and I/O errors) with full-jitter exponential backoff, every attempt and every
 * whole call bounded.
 *
 * @param maxAttempts attempts of one call, the first included
 * @param backoff the delay before retrying a 5xx or an I/O error
 * @param throttlingBackoff the delay before retrying a throttled call
 * @param attemptTimeout the most one HTTP attempt may take
 * @param callTimeout the most one call may take, every attempt and delay included
 */
public record ClientSettings(
    int maxAttempts,
    Backoff backoff,
    Backoff throttlingBackoff,
    Duration attemptTimeout,
    Duration callTimeout) {

  /**
   * RunTask: up to 4 attempts inside 12 s. With the DynamoDB calls' 5 s each (claim, then update or
   * release), a request fits the template's 30 s function timeout, so a failure is reported (and
   * the claim released) before Lambda kills the invocation. TemplateContractTest holds that sum.
   */
  public static final ClientSettings ECS =
      new ClientSettings(
          4,
          new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)),
          new Backoff(Duration.ofMillis(250), Duration.ofSeconds(3)),
          Duration.ofSeconds(5),
          Duration.ofSeconds(12));

  /** DynamoDB: the same retries with shorter backoff, each call bounded to 5 s. */
  public static final ClientSettings DYNAMODB =
      new ClientSettings(
          4,
          new Backoff(Duration.ofMillis(25), Duration.ofMillis(500)),
          new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5));

  /**
   * EventBridge PutEvents: DynamoDB's retries, each call bounded to 5 s. A completion event is put
   * between the record's final write and its "announced" write, so that path stays inside the
   * template's 30 s function timeout (ClientSettingsTest). A retried PutEvents whose first answer
   * was lost can put the event twice; EventBridge delivers at least once anyway.
   */
  public static final ClientSettings EVENTBRIDGE =
      new ClientSettings(
          4,
          new Backoff(Duration.ofMillis(25), Duration.ofMillis(500)),
          new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5));

  /**
   * Exponential backoff with full jitter: before retry n, a random delay up to {@code base × 2^n},
   * never more than {@code max}.
   */
  public record Backoff(Duration base, Duration max) {
    public Backoff {
      requirePositive(base, "base");
      requirePositive(max, "max");
      if (base.compareTo(max) > 0) {
        throw new IllegalArgumentException("backoff base " + base + " is over its max " + max);
      }
    }
  }

  public ClientSettings {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(throttlingBackoff, "throttlingBackoff");
    requirePositive(attemptTimeout, "attemptTimeout");
    requirePositive(callTimeout, "callTimeout");
    if (attemptTimeout.compareTo(callTimeout) > 0) {
      throw new IllegalArgumentException(
          "attemptTimeout " + attemptTimeout + " is over callTimeout " + callTimeout);
    }
  }

  /** The SDK's form of these settings, for a client builder's {@code overrideConfiguration}. */
  public ClientOverrideConfiguration overrideConfiguration() {
    return ClientOverrideConfiguration.builder()
        .retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(maxAttempts)
                .backoffStrategy(BackoffStrategy.exponentialDelay(backoff.base(), backoff.max()))
                .throttlingBackoffStrategy(
                    BackoffStrategy.exponentialDelay(
                        throttlingBackoff.base(), throttlingBackoff.max()))
                .build())
        .apiCallAttemptTimeout(attemptTimeout)
        .apiCallTimeout(callTimeout)
        .build();
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
