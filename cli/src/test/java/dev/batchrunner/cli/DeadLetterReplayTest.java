package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.cli.DeadLetterReplay.Result;
import dev.batchrunner.cli.DeadLetterReplay.Settings;
import dev.batchrunner.cli.DeadLetterReplay.Stop;
import dev.batchrunner.cli.DeadLetterReplay.Summary;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The receive loop against scripted SDK clients: the cases moto cannot stage (a kept message
 * visible again within the run, an SQS call failing halfway, partial batches up to --max).
 */
class DeadLetterReplayTest {
  private static final String QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq";
  private static final String REQUEST = "{\"batchTypeId\":\"daily-report\"}";
  private static final String ENVELOPE =
      "{\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\",\"id\":\"e1\","
          + "\"detail\":{\"batchTypeId\":\"daily-report\"}}";
  private static final Consumer<DeadLetterReplay.Counts> NO_PROGRESS = counts -> {};

  private final FakeSqs sqs = new FakeSqs();
  private final FakeLambda lambda = new FakeLambda();
  private final FakeEvents events = new FakeEvents();

  @Test
  void run_whenReal_receivesTenWithLongVisibilityAndAttributes() {
    run(settings(false, 0));

    ReceiveMessageRequest first = sqs.receives.get(0);
    assertEquals(QUEUE, first.queueUrl());
    assertEquals(10, first.maxNumberOfMessages());
    assertEquals(300, first.visibilityTimeout());
    assertEquals(1, first.waitTimeSeconds());
    assertEquals(List.of("All"), first.messageAttributeNames());
  }

  @Test
  void run_whenAKeptMessageIsVisibleAgainInTheSameRun_neitherReplaysNorCountsItTwice() {
    sqs.script(message("a", "nope", "h1"), message("b", REQUEST, "hb"));
    sqs.script(message("a", "nope", "h2"));

    Summary summary = run(settings(false, 0));

    assertEquals(2, summary.messages().size());
    assertEquals(Stop.EMPTY, summary.stop(), "only messages it had seen: the queue is drained");
    assertEquals(1, lambda.invocations.size());
    assertEquals(List.of("hb"), sqs.deleted);
    // Released with its latest receipt handle, the only one SQS still takes.
    assertEquals(List.of("h2"), sqs.releasedHandles());
  }

  @Test
  void run_whenOnlyReplayedMessages_releasesNothing() {
    sqs.script(message("a", REQUEST, "ha"), message("b", ENVELOPE, "hb"));

    Summary summary = run(settings(false, 0));

    assertEquals(List.of(Result.REPLAYED, Result.REPLAYED), results(summary));
    assertEquals(List.of("ha", "hb"), sqs.deleted);
    assertEquals(List.of(), sqs.visibilityChanges);
    assertEquals(1, events.puts.size());
    assertEquals("bus", events.puts.get(0).entries().get(0).eventBusName());
  }

  @Test
  void run_whenReceiveFails_stopsWithTheErrorAndReleasesWhatItKept() {
    sqs.script(message("a", "nope", "ha"));
    sqs.failNextReceive();

    Summary summary = run(settings(false, 0));

    assertEquals(Stop.ERROR, summary.stop());
    assertTrue(
        summary.error().startsWith("ReceiveMessage from " + QUEUE + " failed: "), summary.error());
    assertTrue(summary.error().contains("AccessDenied"), summary.error());
    assertEquals(List.of("ha"), sqs.releasedHandles());
  }

  @Test
  void run_whenDeleteFails_stopsThereAndReleasesTheRestOfTheBatchUnlooked() {
    sqs.script(message("a", REQUEST, "ha"), message("b", REQUEST, "hb"), message("c", "x", "hc"));
    sqs.failDeletes = true;

    Summary summary = run(settings(false, 0));

    assertEquals(Stop.ERROR, summary.stop());
    assertEquals(1, summary.messages().size(), "b and c were not looked at");
    assertEquals(Result.FAILED, summary.messages().get(0).result());
    assertTrue(
        summary.messages().get(0).detail().contains("but DeleteMessage failed"),
        summary.messages().get(0).detail());
    assertTrue(summary.error().contains("(message a)"), summary.error());
    assertEquals(1, lambda.invocations.size());
    assertEquals(List.of("ha", "hb", "hc"), sqs.releasedHandles());
  }

  @Test
  void run_whenInvokeFails_keepsThatMessageAndGoesOn() {
    sqs.script(message("a", REQUEST, "ha"), message("b", REQUEST, "hb"));
    lambda.failNext = true;

    Summary summary = run(settings(false, 0));

    assertEquals(List.of(Result.FAILED, Result.REPLAYED), results(summary));
    assertTrue(summary.messages().get(0).detail().startsWith("Invoke failed: "));
    assertEquals(List.of("hb"), sqs.deleted);
    assertEquals(List.of("ha"), sqs.releasedHandles());
  }

  @Test
  void run_whenMax_asksForNoMoreThanAreLeft() {
    List<Message> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add(message("m" + i, REQUEST, "h" + i));
    }
    sqs.script(ten.toArray(Message[]::new));
    sqs.script(message("m10", REQUEST, "h10"), message("m11", REQUEST, "h11"));

    Summary summary = run(settings(false, 12));

    assertEquals(Stop.MAX, summary.stop());
    assertEquals(12, summary.messages().size());
    assertEquals(List.of(10, 2), sqs.receives.stream().map(r -> r.maxNumberOfMessages()).toList());
  }

  @Test
  void run_whenDryRun_hidesBrieflyHandsOnNothingAndReleasesEverything() {
    sqs.script(message("a", REQUEST, "ha"), message("b", ENVELOPE, "hb"), message("c", "x", "hc"));

    Summary summary = run(settings(true, 0));

    assertEquals(List.of(Result.DRY_RUN, Result.DRY_RUN, Result.SKIPPED), results(summary));
    assertEquals(60, sqs.receives.get(0).visibilityTimeout());
    assertEquals(List.of(), sqs.deleted);
    assertEquals(List.of(), lambda.invocations);
    assertEquals(List.of(), events.puts);
    assertEquals(List.of("ha", "hb", "hc"), sqs.releasedHandles());
    for (ChangeMessageVisibilityBatchRequestEntry entry : sqs.visibilityChanges) {
      assertEquals(0, entry.visibilityTimeout());
    }
  }

  @Test
  void run_whenReleaseFails_warnsInsteadOfFailing() {
    sqs.script(message("a", "x", "ha"));
    sqs.failReleases = true;

    Summary summary = run(settings(false, 0));

    assertEquals(1, summary.warnings().size());
    assertTrue(
        summary.warnings().get(0).contains("come back by themselves"),
        summary.warnings().toString());
    assertEquals(2, ReplayCommand.exitCode(summary), "unreplayable, not a failure");
  }

  @Test
  void run_tellsProgressAfterEachMessage() {
    sqs.script(message("a", REQUEST, "ha"), message("b", "x", "hb"));
    List<DeadLetterReplay.Counts> seen = new ArrayList<>();

    new DeadLetterReplay(sqs, events, lambda, settings(false, 0)).run(seen::add);

    assertEquals(
        List.of(new DeadLetterReplay.Counts(1, 1, 0, 0), new DeadLetterReplay.Counts(2, 1, 0, 1)),
        seen);
  }

  private Summary run(Settings settings) {
    return new DeadLetterReplay(sqs, events, lambda, settings).run(NO_PROGRESS);
  }

  private static Settings settings(boolean dryRun, int max) {
    return new Settings(QUEUE, "bus", "function", false, dryRun, max, 1);
  }

  private static List<Result> results(Summary summary) {
    return summary.messages().stream().map(DeadLetterReplay.Replayed::result).toList();
  }

  private static Message message(String id, String body, String handle) {
    return Message.builder().messageId(id).body(body).receiptHandle(handle).build();
  }

  /** Receives what the test scripted, then nothing; records deletes and visibility changes. */
  private static final class FakeSqs implements SqsClient {
    final Deque<Object> script = new ArrayDeque<>();
    final List<ReceiveMessageRequest> receives = new ArrayList<>();
    final List<String> deleted = new ArrayList<>();
    final List<ChangeMessageVisibilityBatchRequestEntry> visibilityChanges = new ArrayList<>();
    boolean failDeletes;
    boolean failReleases;

    void script(Message... batch) {
      script.add(List.of(batch));
    }

    void failNextReceive() {
      script.add(
          SqsException.builder()
              .message("not allowed")
              .statusCode(403)
              .awsErrorDetails(
                  software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                      .errorCode("AccessDenied")
                      .errorMessage("not allowed")
                      .build())
              .build());
    }

    List<String> releasedHandles() {
      return visibilityChanges.stream().map(e -> e.receiptHandle()).toList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest request) {
      receives.add(request);
      Object next = script.poll();
      if (next instanceof SqsException e) {
        throw e;
      }
      List<Message> messages = next == null ? List.of() : (List<Message>) next;
      return ReceiveMessageResponse.builder().messages(messages).build();
    }

    @Override
    public DeleteMessageResponse deleteMessage(DeleteMessageRequest request) {
      if (failDeletes) {
        throw SdkClientException.create("connection reset");
      }
      deleted.add(request.receiptHandle());
      return DeleteMessageResponse.builder().build();
    }

    @Override
    public ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(
        ChangeMessageVisibilityBatchRequest request) {
      if (failReleases) {
        throw SdkClientException.create("connection reset");
      }
      visibilityChanges.addAll(request.entries());
      return ChangeMessageVisibilityBatchResponse.builder().build();
    }

    @Override
    public String serviceName() {
      return "sqs";
    }

    @Override
    public void close() {}
  }

  /** Answers every invoke with DISPATCHED, or fails the next one. */
  private static final class FakeLambda implements LambdaClient {
    final List<InvokeRequest> invocations = new ArrayList<>();
    boolean failNext;

    @Override
    public InvokeResponse invoke(InvokeRequest request) {
      invocations.add(request);
      if (failNext) {
        failNext = false;
        throw SdkClientException.create("read timed out");
      }
      return InvokeResponse.builder()
          .statusCode(200)
          .payload(SdkBytes.fromUtf8String("{\"outcome\":\"DISPATCHED\"}"))
          .build();
    }

    @Override
    public String serviceName() {
      return "lambda";
    }

    @Override
    public void close() {}
  }

  /** Accepts every entry. */
  private static final class FakeEvents implements EventBridgeClient {
    final List<PutEventsRequest> puts = new ArrayList<>();

    @Override
    public PutEventsResponse putEvents(PutEventsRequest request) {
      puts.add(request);
      return PutEventsResponse.builder()
          .failedEntryCount(0)
          .entries(PutEventsResultEntry.builder().eventId("ev-" + puts.size()).build())
          .build();
    }

    @Override
    public String serviceName() {
      return "events";
    }

    @Override
    public void close() {}
  }
}
