package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Drains one dead-letter queue: receives its messages, hands each replayable event on (PutEvents to
 * the requests bus, or a synchronous Invoke of the function), deletes a message only once its event
 * was handed on, and makes every message it keeps visible again at the end.
 */
final class DeadLetterReplay {
  /** SQS's most messages per receive. */
  static final int BATCH = 10;

  /**
   * How long a received message stays hidden: ten hand-ons of at most the function's 30 s timeout
   * each. Kept messages are made visible again when the run ends; only a killed run leaves them
   * hidden this long.
   */
  static final Duration VISIBILITY = Duration.ofMinutes(5);

  /** A dry run hands nothing on: its messages need to stay hidden only while they are listed. */
  static final Duration DRY_RUN_VISIBILITY = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What to drain and where to hand on.
   *
   * @param bus the requests bus (name or ARN), or null
   * @param function the function (name, ARN or alias ARN), or null
   * @param direct every replayable event to the function, envelopes included
   * @param max the most messages to receive; 0 for all
   * @param waitSeconds how long a receive waits for messages (SQS long polling, 0-20)
   */
  record Settings(
      String queueUrl,
      String bus,
      String function,
      boolean direct,
      boolean dryRun,
      int max,
      int waitSeconds) {
    Settings {
      Objects.requireNonNull(queueUrl, "queueUrl");
    }
  }

  /** What became of one message. */
  enum Result {
    /** Handed on and deleted. */
    REPLAYED,
    /** The hand-on (or the delete after it) failed: the message stays in the queue. */
    FAILED,
    /** Not replayable, or its target was not given: the message stays in the queue. */
    SKIPPED,
    /** A dry run: it would be handed on; nothing was done. */
    DRY_RUN
  }

  /**
   * One message's replay.
   *
   * @param target {@code bus:NAME} or {@code function:NAME}; null when it has none
   * @param detail what the hand-on answered, or why the message stays
   */
  record Replayed(
      String messageId, DeadLetter letter, String target, Result result, String detail) {}

  /** Why the run ended. */
  enum Stop {
    /** The queue had no message left that this run had not seen. */
    EMPTY,
    /** {@code --max} messages were received. */
    MAX,
    /** An SQS call failed (receive or delete): the run stopped there. */
    ERROR
  }

  /** Where a run stands, for progress. */
  record Counts(int received, int replayed, int failed, int skipped) {}

  /**
   * The whole run.
   *
   * @param error the failed SQS call when {@code stop} is {@link Stop#ERROR}, else null
   * @param warnings messages that could not be made visible again (they come back by themselves)
   */
  record Summary(
      boolean dryRun, List<Replayed> messages, Stop stop, String error, List<String> warnings) {
    Summary {
      messages = List.copyOf(messages);
      warnings = List.copyOf(warnings);
    }

    int count(Result result) {
      return (int) messages.stream().filter(m -> m.result() == result).count();
    }

    Counts counts() {
      return new Counts(
          messages.size(), count(Result.REPLAYED), count(Result.FAILED), count(Result.SKIPPED));
    }
  }

  private final SqsClient sqs;
  private final EventBridgeClient events;
  private final LambdaClient lambda;
  private final Settings settings;

  /**
   * @param events the bus's client, or null without a bus
   * @param lambda the function's client, or null without a function
   */
  DeadLetterReplay(
      SqsClient sqs, EventBridgeClient events, LambdaClient lambda, Settings settings) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.events = events;
    this.lambda = lambda;
    this.settings = Objects.requireNonNull(settings, "settings");
    if (settings.bus() != null && events == null) {
      throw new IllegalArgumentException("a bus without an EventBridge client");
    }
    if (settings.function() != null && lambda == null) {
      throw new IllegalArgumentException("a function without a Lambda client");
    }
  }

  /**
   * Runs until the queue is empty, {@code max} messages were received, or an SQS call fails.
   *
   * @param progress told after each message
   */
  Summary run(Consumer<Counts> progress) {
    List<Replayed> done = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    // The messages to make visible again at the end, by id, with their latest receipt handle.
    Map<String, String> kept = new LinkedHashMap<>();
    Stop stop = Stop.EMPTY;
    String error = null;
    int visibility = (int) (settings.dryRun() ? DRY_RUN_VISIBILITY : VISIBILITY).toSeconds();
    receiving:
    while (true) {
      int wanted = settings.max() == 0 ? BATCH : Math.min(BATCH, settings.max() - done.size());
      if (wanted <= 0) {
        stop = Stop.MAX;
        break;
      }
      List<Message> messages;
      try {
        messages =
            sqs.receiveMessage(
                    r ->
                        r.queueUrl(settings.queueUrl())
                            .maxNumberOfMessages(wanted)
                            .waitTimeSeconds(settings.waitSeconds())
                            .visibilityTimeout(visibility)
                            .messageAttributeNames("All"))
                .messages();
      } catch (SdkException e) {
        stop = Stop.ERROR;
        error = "ReceiveMessage from " + settings.queueUrl() + " failed: " + describe(e);
        break;
      }
      boolean anyNew = false;
      for (int i = 0; i < messages.size(); i++) {
        Message message = messages.get(i);
        if (!seen.add(message.messageId())) {
          // Kept earlier in this run and visible again: not replayed twice, but still released.
          kept.computeIfPresent(message.messageId(), (id, old) -> message.receiptHandle());
          continue;
        }
        anyNew = true;
        Outcome outcome = replay(message);
        done.add(outcome.replayed());
        if (outcome.replayed().result() != Result.REPLAYED) {
          kept.put(message.messageId(), message.receiptHandle());
        }
        progress.accept(counts(done));
        if (outcome.sqsError() != null) {
          stop = Stop.ERROR;
          error = outcome.sqsError();
          // The rest of this batch was received but not looked at: release it with the others.
          for (Message rest : messages.subList(i + 1, messages.size())) {
            if (seen.add(rest.messageId())) {
              kept.put(rest.messageId(), rest.receiptHandle());
            }
          }
          break receiving;
        }
      }
      if (!anyNew) {
        // Empty, or only messages this run already kept and that are visible again.
        break;
      }
    }
    return new Summary(settings.dryRun(), done, stop, error, release(kept));
  }

  /** What became of one message, and the SQS failure that must stop the run, if any. */
  private record Outcome(Replayed replayed, String sqsError) {}

  /** What a hand-on answered. */
  private record HandOn(boolean handedOn, String detail) {}

  private Outcome replay(Message message) {
    String id = message.messageId();
    DeadLetter letter = DeadLetter.classify(message.body(), attributes(message));
    if (letter.kind() == DeadLetter.Kind.UNREPLAYABLE) {
      return new Outcome(
          new Replayed(id, letter, null, Result.SKIPPED, "not replayable: " + letter.reason()),
          null);
    }
    boolean toBus = letter.kind() == DeadLetter.Kind.BATCH_REQUESTED && !settings.direct();
    String name = toBus ? settings.bus() : settings.function();
    if (name == null) {
      return new Outcome(new Replayed(id, letter, null, Result.SKIPPED, missing(letter)), null);
    }
    String target = (toBus ? "bus:" : "function:") + name;
    if (settings.dryRun()) {
      return new Outcome(
          new Replayed(
              id,
              letter,
              target,
              Result.DRY_RUN,
              toBus ? "would be put on the bus" : "would be invoked"),
          null);
    }
    HandOn handOn = toBus ? put(letter) : invoke(letter);
    if (!handOn.handedOn()) {
      return new Outcome(new Replayed(id, letter, target, Result.FAILED, handOn.detail()), null);
    }
    try {
      sqs.deleteMessage(
          r -> r.queueUrl(settings.queueUrl()).receiptHandle(message.receiptHandle()));
    } catch (SdkException e) {
      String failure = "DeleteMessage failed: " + describe(e);
      return new Outcome(
          new Replayed(
              id,
              letter,
              target,
              Result.FAILED,
              handOn.detail()
                  + ", but "
                  + failure
                  + ": it stays in the queue, and a later replay hands it on again (harmless:"
                  + " a dispatched request answers DUPLICATE)"),
          failure + " (message " + id + ")");
    }
    return new Outcome(new Replayed(id, letter, target, Result.REPLAYED, handOn.detail()), null);
  }

  private static String missing(DeadLetter letter) {
    return switch (letter.kind()) {
      case BATCH_REQUESTED ->
          "needs --bus: a Batch Requested envelope goes back on the requests bus (or give"
              + " --direct --function to invoke the function with it)";
      case REQUEST -> "needs --function: a bare request goes to the function";
      case TASK_STATE_CHANGE ->
          "needs --function: an ECS task state change goes to the function (EventBridge takes"
              + " no aws.* source from PutEvents)";
      case UNREPLAYABLE -> throw new IllegalArgumentException("unreplayable: no target");
    };
  }

  private HandOn put(DeadLetter letter) {
    DeadLetter.BusEntry entry = letter.busEntry();
    PutEventsResponse response;
    try {
      response =
          events.putEvents(
              r ->
                  r.entries(
                      e ->
                          e.eventBusName(settings.bus())
                              .source(entry.source())
                              .detailType(entry.detailType())
                              .detail(entry.detail())));
    } catch (SdkException e) {
      return new HandOn(false, "PutEvents failed: " + describe(e));
    }
    // PutEvents is not all-or-nothing: a 200 answer can still refuse the entry.
    PutEventsResultEntry result =
        response.hasEntries() && !response.entries().isEmpty() ? response.entries().get(0) : null;
    Integer failed = response.failedEntryCount();
    if ((failed != null && failed > 0)
        || result == null
        || result.errorCode() != null
        || result.eventId() == null) {
      return new HandOn(
          false,
          "PutEvents refused the entry: "
              + (result == null
                  ? "no entry in its answer"
                  : result.errorCode() + ": " + result.errorMessage()));
    }
    return new HandOn(true, "put as event " + result.eventId());
  }

  private HandOn invoke(DeadLetter letter) {
    InvokeResponse response;
    try {
      response =
          lambda.invoke(
              r ->
                  r.functionName(settings.function())
                      .invocationType(InvocationType.REQUEST_RESPONSE)
                      .payload(SdkBytes.fromUtf8String(letter.payload())));
    } catch (SdkException e) {
      return new HandOn(false, "Invoke failed: " + describe(e));
    }
    JsonNode answer = answer(response);
    if (response.functionError() != null) {
      String type = answer.path("errorType").asText("");
      String message = answer.path("errorMessage").asText("");
      return new HandOn(
          false,
          "the function answered an error ("
              + response.functionError()
              + ")"
              + (message.isEmpty() ? "" : ": " + (type.isEmpty() ? "" : type + ": ") + message));
    }
    String outcome = answer.path("outcome").asText("");
    if (outcome.isEmpty()) {
      return new HandOn(true, "the function answered");
    }
    String status = answer.path("status").asText("");
    return new HandOn(
        true, "the function answered " + outcome + (status.isEmpty() ? "" : ", status " + status));
  }

  private static JsonNode answer(InvokeResponse response) {
    if (response.payload() == null) {
      return JSON.missingNode();
    }
    try {
      JsonNode node = JSON.readTree(response.payload().asByteArray());
      return node == null ? JSON.missingNode() : node;
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  /**
   * Makes the kept messages visible again, so that the next run (after a dry run, or a fix) finds
   * them at once instead of after their visibility timeout.
   */
  private List<String> release(Map<String, String> kept) {
    List<String> warnings = new ArrayList<>();
    List<Map.Entry<String, String>> all = new ArrayList<>(kept.entrySet());
    for (int from = 0; from < all.size(); from += BATCH) {
      List<Map.Entry<String, String>> chunk = all.subList(from, Math.min(all.size(), from + BATCH));
      Map<String, String> byEntryId = new HashMap<>();
      List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
      for (int i = 0; i < chunk.size(); i++) {
        byEntryId.put("m" + i, chunk.get(i).getKey());
        entries.add(
            ChangeMessageVisibilityBatchRequestEntry.builder()
                .id("m" + i)
                .receiptHandle(chunk.get(i).getValue())
                .visibilityTimeout(0)
                .build());
      }
      try {
        ChangeMessageVisibilityBatchResponse response =
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(settings.queueUrl()).entries(entries));
        for (BatchResultErrorEntry failed : response.failed()) {
          warnings.add(
              "message "
                  + byEntryId.get(failed.id())
                  + " could not be made visible again ("
                  + failed.code()
                  + ": "
                  + failed.message()
                  + "); it comes back by itself");
        }
      } catch (SdkException e) {
        warnings.add(
            chunk.size()
                + " kept message(s) could not be made visible again (ChangeMessageVisibility: "
                + describe(e)
                + "); they come back by themselves");
      }
    }
    return warnings;
  }

  private static Counts counts(List<Replayed> done) {
    int replayed = 0;
    int failed = 0;
    int skipped = 0;
    for (Replayed r : done) {
      switch (r.result()) {
        case REPLAYED -> replayed++;
        case FAILED -> failed++;
        case SKIPPED -> skipped++;
        case DRY_RUN -> {
          // counted as received only
        }
      }
    }
    return new Counts(done.size(), replayed, failed, skipped);
  }

  private static Map<String, String> attributes(Message message) {
    Map<String, String> attributes = new HashMap<>();
    if (message.hasMessageAttributes()) {
      for (Map.Entry<String, MessageAttributeValue> a : message.messageAttributes().entrySet()) {
        if (a.getValue().stringValue() != null) {
          attributes.put(a.getKey(), a.getValue().stringValue());
        }
      }
    }
    return attributes;
  }

  /** An SDK failure in one line: the service's error code and message, else the SDK's. */
  static String describe(SdkException e) {
    String text;
    if (e instanceof AwsServiceException service
        && service.awsErrorDetails() != null
        && service.awsErrorDetails().errorCode() != null) {
      text =
          service.awsErrorDetails().errorCode()
              + ": "
              + service.awsErrorDetails().errorMessage()
              + " (HTTP "
              + service.statusCode()
              + ")";
    } else {
      text = e.getMessage();
    }
    return String.valueOf(text).replaceAll("\\s+", " ").strip();
  }
}
