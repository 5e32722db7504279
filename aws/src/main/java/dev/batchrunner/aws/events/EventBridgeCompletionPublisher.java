package dev.batchrunner.aws.events;

import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.CompletionPublishException;
import dev.batchrunner.core.dispatch.CompletionPublisher;
import dev.batchrunner.core.text.SafeText;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Completion events on an EventBridge bus: one PutEvents entry per completion, and a PutEvents
 * answer that failed the entry is a failure like an exception is.
 */
public final class EventBridgeCompletionPublisher implements CompletionPublisher {
  /** The IAM actions this adapter's calls need (on the bus's ARN). */
  public static final List<String> IAM_ACTIONS = List.of("events:PutEvents");

  private final EventBridgeClient events;
  private final String bus;

  /**
   * @param events the client, built once per execution environment
   * @param busNameOrArn the bus ({@code COMPLETION_EVENT_BUS}): a name in the client's account and
   *     region, or an ARN
   */
  public EventBridgeCompletionPublisher(EventBridgeClient events, String busNameOrArn) {
    this.events = Objects.requireNonNull(events, "events");
    if (busNameOrArn == null || busNameOrArn.isBlank()) {
      throw new IllegalArgumentException("an event bus name or ARN is required");
    }
    this.bus = busNameOrArn.trim();
  }

  @Override
  public void publish(Completion completion) {
    Objects.requireNonNull(completion, "completion");
    PutEventsResponse response;
    try {
      response = events.putEvents(toRequest(completion));
    } catch (AwsServiceException e) {
      // The code and status only: the service's message (in the cause) may quote what was sent.
      throw new CompletionPublishException(
          notTaken(completion)
              + ": PutEvents failed with "
              + errorCode(e)
              + " (HTTP "
              + e.statusCode()
              + ")",
          e);
    } catch (SdkException e) {
      throw new CompletionPublishException(
          notTaken(completion) + ": PutEvents failed: " + SafeText.quote(e.getMessage()), e);
    }
    String failure = entryFailure(response);
    if (failure != null) {
      throw new CompletionPublishException(notTaken(completion) + ": " + failure, null);
    }
  }

  /** The PutEvents request for a completion: one entry on the bus, its task as the resource. */
  private PutEventsRequest toRequest(Completion completion) {
    PutEventsRequestEntry.Builder entry =
        PutEventsRequestEntry.builder()
            .eventBusName(bus)
            .source(Completion.SOURCE)
            .detailType(completion.detailType())
            .detail(completion.detailJson());
    if (completion.taskArn() != null) {
      entry.resources(completion.taskArn());
    }
    return PutEventsRequest.builder().entries(entry.build()).build();
  }

  /**
   * Why a 200 answer did not take the one entry, or null when it did: PutEvents fails entries
   * partially, saying so only in {@code FailedEntryCount} and the entry's {@code ErrorCode}.
   */
  private static String entryFailure(PutEventsResponse response) {
    if (!response.hasEntries() || response.entries().isEmpty()) {
      return "PutEvents answered without the entry (FailedEntryCount "
          + response.failedEntryCount()
          + ")";
    }
    PutEventsResultEntry entry = response.entries().get(0);
    if (entry.errorCode() != null) {
      return "PutEvents failed the entry with "
          + SafeText.fieldName(entry.errorCode())
          + " "
          + SafeText.quote(entry.errorMessage());
    }
    Integer failed = response.failedEntryCount();
    if (failed != null && failed > 0) {
      return "PutEvents answered FailedEntryCount " + failed + " without an error code";
    }
    return null;
  }

  /** Names the event by batch type, record and attempt; never by a parameter's value. */
  private String notTaken(Completion completion) {
    return completion.detailType()
        + " event of batch "
        + completion.batchTypeId()
        + ", record "
        + completion.idempotencyKey()
        + ", attempt "
        + completion.attempt()
        + ", not put on bus "
        + bus;
  }

  private static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
        ? e.getClass().getSimpleName()
        : SafeText.fieldName(e.awsErrorDetails().errorCode());
  }
}
