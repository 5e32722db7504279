package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code events/} samples are real Lambda event shapes: the Lambda runtime's own serialization
 * (aws-lambda-java-tests) reads them, and our parser reads them the same way.
 */
class SampleEventsTest {
  private final AtomicInteger traceIds = new AtomicInteger();
  private final EventParser parser = new EventParser(() -> "t-" + traceIds.incrementAndGet());

  @ParameterizedTest
  @ValueSource(strings = {"sqs-batch.json", "sqs-fifo-batch.json"})
  void sqsBatch_whenReadByLambdaRuntimeSerialization_matchesOurParse(String sample) {
    SQSEvent sqs = EventLoader.loadSQSEvent(Fixtures.events().resolve(sample).toString());
    Invocation.SqsBatch ours =
        assertInstanceOf(Invocation.SqsBatch.class, parser.parse(Fixtures.event(sample)));

    assertEquals(3, sqs.getRecords().size());
    assertEquals(sqs.getRecords().size(), ours.messages().size());
    boolean fifo = sqs.getRecords().get(0).getEventSourceArn().endsWith(".fifo");
    assertEquals(sample.contains("fifo"), fifo);
    assertEquals(fifo, ours.fifo());
    for (int i = 0; i < sqs.getRecords().size(); i++) {
      SQSEvent.SQSMessage record = sqs.getRecords().get(i);
      assertEquals("aws:sqs", record.getEventSource());
      assertEquals(record.getMessageId(), ours.messages().get(i).messageId());
      assertInstanceOf(ParsedRequest.Valid.class, ours.messages().get(i).request());
      assertEquals(fifo, record.getEventSourceArn().endsWith(".fifo"), sample);
    }
  }

  @Test
  void sqsFifoBatch_carriesWhatSqsGivesAFifoMessageWithContentBasedDeduplication() {
    SQSEvent sqs =
        EventLoader.loadSQSEvent(Fixtures.events().resolve("sqs-fifo-batch.json").toString());
    Set<String> sequenceNumbers = new HashSet<>();

    for (SQSEvent.SQSMessage record : sqs.getRecords()) {
      Map<String, String> attributes = record.getAttributes();
      byte[] body = record.getBody().getBytes(StandardCharsets.UTF_8);
      // Content-based deduplication: the id is the SHA-256 of the body, nothing else.
      assertEquals(hex("SHA-256", body), attributes.get("MessageDeduplicationId"));
      assertEquals(hex("MD5", body), record.getMd5OfBody());
      assertEquals("batch-requests", attributes.get("MessageGroupId"));
      assertTrue(attributes.get("SequenceNumber").matches("\\d{20}"), attributes.toString());
      assertTrue(sequenceNumbers.add(attributes.get("SequenceNumber")));
      // The FifoQueue rule's body: an envelope without id or time around the monolith's detail.
      assertTrue(
          record.getBody().startsWith("{\"detail-type\":\"Batch Requested\",\"source\":"),
          record.getBody());
    }
  }

  private static String hex(String algorithm, byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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
