package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchrunner.core.testing.Fixtures;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@code events/} samples are real Lambda event shapes: the Lambda runtime's own serialization
 * (aws-lambda-java-tests) reads them, and our parser reads them the same way.
 */
class SampleEventsTest {
  private final AtomicInteger traceIds = new AtomicInteger();
  private final EventParser parser = new EventParser(() -> "t-" + traceIds.incrementAndGet());

  @Test
  void sqsBatch_whenReadByLambdaRuntimeSerialization_matchesOurParse() {
    SQSEvent sqs = EventLoader.loadSQSEvent(Fixtures.events().resolve("sqs-batch.json").toString());
    Invocation.SqsBatch ours =
        assertInstanceOf(Invocation.SqsBatch.class, parser.parse(Fixtures.event("sqs-batch.json")));

    assertEquals(3, sqs.getRecords().size());
    assertEquals(sqs.getRecords().size(), ours.messages().size());
    for (int i = 0; i < sqs.getRecords().size(); i++) {
      assertEquals("aws:sqs", sqs.getRecords().get(i).getEventSource());
      assertEquals(sqs.getRecords().get(i).getMessageId(), ours.messages().get(i).messageId());
      assertInstanceOf(ParsedRequest.Valid.class, ours.messages().get(i).request());
    }
  }

  @Test
  void monolithEnvelope_whenReadAsEventBridgeEvent_hasTheDetailWeDispatch() {
    ScheduledEvent envelope =
        EventLoader.loadScheduledEvent(
            Fixtures.events().resolve("monolith-put-events.json").toString());
    Invocation.Direct ours =
        assertInstanceOf(
            Invocation.Direct.class, parser.parse(Fixtures.event("monolith-put-events.json")));
    ParsedRequest.Valid valid = assertInstanceOf(ParsedRequest.Valid.class, ours.request());

    assertEquals("legacy.monolith", envelope.getSource());
    assertEquals("Batch Requested", envelope.getDetailType());
    assertEquals(envelope.getId(), valid.request().eventId());
    assertEquals(envelope.getDetail().get("BatchTypeId"), valid.request().batchTypeId());
  }

  @Test
  void scheduledEventWithEmptyDetail_whenParsed_isRejectedWithAdvice() {
    ScheduledEvent tick =
        EventLoader.loadScheduledEvent(
            Fixtures.events().resolve("invalid/scheduled-event-empty-detail.json").toString());
    ParsedRequest parsed =
        ((Invocation.Direct)
                parser.parse(Fixtures.event("invalid/scheduled-event-empty-detail.json")))
            .request();
    ParsedRequest.Invalid invalid = assertInstanceOf(ParsedRequest.Invalid.class, parsed);

    assertEquals("Scheduled Event", tick.getDetailType());
    assertEquals("detail", invalid.outcome().rejection().field());
    assertTrue(
        invalid.outcome().rejection().reason().contains("Input or InputTransformer"),
        invalid.outcome().rejection().reason());
  }
}
