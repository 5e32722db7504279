package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

  @ParameterizedTest
  @MethodSource("dev.batchrunner.core.testing.Fixtures#taskStateChangeFixtures")
  void taskStateChange_whenReadAsEventBridgeEvent_isTheTaskWeParse(String name) {
    String file = "task-state-change/" + name;
    ScheduledEvent envelope =
        EventLoader.loadScheduledEvent(Fixtures.events().resolve(file).toString());
    ParsedRequest parsed = ((Invocation.Direct) parser.parse(Fixtures.event(file))).request();
    TaskStateChange change =
        assertInstanceOf(ParsedRequest.TaskEvent.class, parsed, parsed::toString).change();

    assertEquals("aws.ecs", envelope.getSource());
    assertEquals("ECS Task State Change", envelope.getDetailType());
    assertEquals(envelope.getId(), parsed.eventId());
    assertEquals(List.of(change.task().taskArn()), envelope.getResources());
    Map<String, Object> detail = envelope.getDetail();
    assertEquals(detail.get("taskArn"), change.task().taskArn());
    assertEquals(detail.get("clusterArn"), change.task().clusterArn());
    assertEquals(detail.get("lastStatus"), change.status().lastStatus());
    assertEquals(detail.get("stopCode"), change.status().stopCode());
    assertEquals(detail.get("startedBy"), change.task().startedBy());
    assertEquals(((Number) detail.get("version")).longValue(), change.task().version());
    List<?> containers = (List<?>) detail.get("containers");
    assertEquals(containers.size(), change.containers().size());
    for (int i = 0; i < containers.size(); i++) {
      Map<?, ?> container = (Map<?, ?>) containers.get(i);
      Object exitCode = container.get("exitCode");
      assertEquals(container.get("name"), change.containers().get(i).name());
      assertEquals(
          exitCode == null ? null : ((Number) exitCode).intValue(),
          change.containers().get(i).exitCode(),
          name);
    }
  }
}
