package dev.batchrunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.dispatch.Outcome;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.MutableClock;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.CapturingObserver;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.CloudFormationYaml;
import dev.batchrunner.testkit.EmulatorTest;
import dev.batchrunner.testkit.RequiredTool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.InputTransformer;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.SqsParameters;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The FifoQueue intake's deduplication, proven over the real SDK on moto: template.yaml's FIFO rule
 * target (its InputTransformer and MessageGroupId) and FIFO queue settings (content-based
 * deduplication), put on moto's EventBridge and SQS, fed the duplicates the monolith produces. Then
 * the messages that survive go to the function (DynamoDB Local, the ECS stub) as Lambda would hand
 * them over. Beside it, the same rule without the transformer (the full envelope as the body), to
 * show which duplicates each body removes.
 *
 * <p>What moto does not reproduce: the 5-minute window is real time (too long for a test), and moto
 * forgets a deduplication id once its message is deleted where SQS keeps it for the window; so
 * every duplicate here is sent while the first is still in the queue.
 */
class FifoDeduplicationIT extends EmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Object> TEMPLATE =
      CloudFormationYaml.load(Fixtures.projectRoot().resolve("template.yaml"));
  private static final String BUS = "batch-requests";
  private static final Instant START = Instant.parse("2036-11-23T02:00:00Z");

  private static MotoServer moto;
  private static EventBridgeClient events;
  private static SqsClient sqs;

  private final CapturingObserver observer = new CapturingObserver();
  private EventProcessor processor;

  @BeforeAll
  static void startMoto() {
    if (MotoServer.available()) {
      moto = MotoServer.start();
      events = moto.configure(EventBridgeClient.builder()).build();
      sqs = moto.configure(SqsClient.builder()).build();
    }
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      events.close();
      sqs.close();
      moto.close();
    }
  }

  @BeforeEach
  void fresh() {
    RequiredTool.require(
        MotoServer.available(),
        "FifoDeduplicationIT needs moto's server for EventBridge and SQS FIFO:"
            + " pip install 'moto[server]'");
    moto.reset();
    ecs.reset();
    processor =
        Processors.processor(
            dynamo.endpoint(), newTable("fifo"), ecs.endpoint(), new MutableClock(START), observer);
  }

  @Test
  void theTemplatesBody_collapsesARedeliveryAndAResend_andTheKeyRemovesTheRest() throws Exception {
    Map<String, Object> target = fifoTarget();
    String group = (String) map(target.get("SqsParameters")).get("MessageGroupId");
    Queue transformed = fifoQueue("requests.fifo");
    Queue envelopes = fifoQueue("envelopes.fifo");
    events.createEventBus(b -> b.name(BUS));
    String pattern = requestPattern();
    events.putRule(b -> b.name("requests").eventBusName(BUS).eventPattern(pattern));
    Map<String, Object> transformer = map(target.get("InputTransformer"));
    Map<String, String> paths = new LinkedHashMap<>();
    map(transformer.get("InputPathsMap")).forEach((k, v) -> paths.put(k, (String) v));
    events.putTargets(
        b ->
            b.rule("requests")
                .eventBusName(BUS)
                .targets(
                    Target.builder()
                        .id("template")
                        .arn(transformed.arn())
                        .sqsParameters(SqsParameters.builder().messageGroupId(group).build())
                        .inputTransformer(
                            InputTransformer.builder()
                                .inputPathsMap(paths)
                                .inputTemplate((String) transformer.get("InputTemplate"))
                                .build())
                        .build(),
                    Target.builder()
                        .id("envelope")
                        .arn(envelopes.arn())
                        .sqsParameters(SqsParameters.builder().messageGroupId(group).build())
                        .build()));

    ObjectNode request = (ObjectNode) monolithDetail();
    ObjectNode newTrace = request.deepCopy().put("TraceId", "3b1f0d2e-8c4a-4e6b-9f7d-1a2b3c4d5e6f");
    ObjectNode other = request.deepCopy();
    ((ObjectNode) other.get("Parameters")).put("tenant", "globex");
    // The monolith: a request, the same request re-sent (a new PutEvents: new event id and time),
    // the request re-sent with a new trace id, another request.
    for (JsonNode detail : List.of(request, request, newTrace, other)) {
      putEvent(detail);
    }
    // EventBridge redelivers an event it already delivered: the very same body again.
    for (Queue queue : List.of(transformed, envelopes)) {
      Message first = queue.peek();
      sqs.sendMessage(b -> b.queueUrl(queue.url()).messageBody(first.body()).messageGroupId(group));
    }

    assertEquals(
        3,
        transformed.depth(),
        "the template's body removes the redelivery and the re-send with the same detail");
    assertEquals(4, envelopes.depth(), "the full envelope removes only the redelivery");

    List<Message> received = transformed.drain();
    assertEquals(3, received.size());
    for (Message message : received) {
      assertEquals(
          sha256(message.body()), message.attributesAsStrings().get("MessageDeduplicationId"));
      assertEquals(group, message.attributesAsStrings().get("MessageGroupId"));
    }
    assertEquals(4, envelopes.drain().size());

    // Batch-runner's key removes what the queue let through: the re-send with a new trace id.
    JsonNode answer =
        JSON.readTree(
            processor.process(lambdaEvent(transformed, received), Duration.ofSeconds(30)));

    assertEquals(JSON.readTree("{\"batchItemFailures\":[]}"), answer);
    assertEquals(
        List.of(Outcome.DISPATCHED, Outcome.DUPLICATE, Outcome.DISPATCHED),
        observer.summaries().stream().map(s -> s.outcome()).toList());
    assertEquals(2, ecs.tasksStarted());
  }

  private void putEvent(JsonNode detail) throws Exception {
    String text = JSON.writeValueAsString(detail);
    var answer =
        events.putEvents(
            b ->
                b.entries(
                    PutEventsRequestEntry.builder()
                        .eventBusName(BUS)
                        .source(monolithSource())
                        .detailType("Batch Requested")
                        .detail(text)
                        .build()));
    assertEquals(0, answer.failedEntryCount(), answer.toString());
  }

  /** A Lambda SQS event of these messages, as the event source mapping hands them over. */
  private static byte[] lambdaEvent(Queue queue, List<Message> messages) throws Exception {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (Message message : messages) {
      ObjectNode record = records.addObject();
      record.put("messageId", message.messageId());
      record.put("receiptHandle", message.receiptHandle());
      record.put("body", message.body());
      ObjectNode attributes = record.putObject("attributes");
      message.attributesAsStrings().forEach(attributes::put);
      record.putObject("messageAttributes");
      record.put("md5OfBody", message.md5OfBody());
      record.put("eventSource", "aws:sqs");
      record.put("eventSourceARN", queue.arn());
      record.put("awsRegion", MotoServer.REGION.id());
    }
    return JSON.writeValueAsBytes(event);
  }

  /** A FIFO queue with the template's FifoIntakeQueue deduplication settings. */
  private static Queue fifoQueue(String name) {
    Map<String, Object> properties =
        map(map(map(TEMPLATE.get("Resources")).get("FifoIntakeQueue")).get("Properties"));
    assertEquals(true, properties.get("FifoQueue"));
    Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
    attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
    attributes.put(
        QueueAttributeName.CONTENT_BASED_DEDUPLICATION,
        String.valueOf(properties.get("ContentBasedDeduplication")));
    attributes.put(
        QueueAttributeName.DEDUPLICATION_SCOPE, (String) properties.get("DeduplicationScope"));
    String url = sqs.createQueue(b -> b.queueName(name).attributes(attributes)).queueUrl();
    String arn =
        sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    return new Queue(url, arn);
  }

  /** One of the test's queues on moto. */
  private record Queue(String url, String arn) {
    /** The number of messages in it, visible or not. */
    int depth() {
      Map<QueueAttributeName, String> counts =
          sqs.getQueueAttributes(
                  b ->
                      b.queueUrl(url)
                          .attributeNames(
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
              .attributes();
      return Integer.parseInt(counts.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
          + Integer.parseInt(
              counts.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** The first message, left visible and in the queue. */
    Message peek() {
      List<Message> messages =
          sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(1).visibilityTimeout(0))
              .messages();
      assertEquals(1, messages.size(), "nothing in " + url);
      return messages.get(0);
    }

    /** Every message, in order, each deleted once received. */
    List<Message> drain() {
      List<Message> all = new ArrayList<>();
      for (int round = 0; round < 20; round++) {
        List<Message> batch =
            sqs.receiveMessage(
                    b ->
                        b.queueUrl(url)
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(30)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                .messages();
        if (batch.isEmpty()) {
          return all;
        }
        for (Message message : batch) {
          sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(message.receiptHandle()));
        }
        all.addAll(batch);
      }
      throw new AssertionError(url + " did not drain");
    }
  }

  /** The requests rule's FIFO target in template.yaml (the FifoQueue branch of its Fn::If). */
  private static Map<String, Object> fifoTarget() {
    Object targets = map(map(resource("BatchRequestedRule").get("Properties"))).get("Targets");
    Map<String, Object> found = find(targets, "FifoIntakeQueue");
    assertTrue(found != null, "no FifoIntakeQueue target in BatchRequestedRule");
    return found;
  }

  private static Map<String, Object> find(Object node, String id) {
    if (node instanceof Map<?, ?> m) {
      if (id.equals(m.get("Id"))) {
        return map(m);
      }
      for (Object value : m.values()) {
        Map<String, Object> found = find(value, id);
        if (found != null) {
          return found;
        }
      }
    } else if (node instanceof List<?> l) {
      for (Object value : l) {
        Map<String, Object> found = find(value, id);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The rule's pattern with MonolithSource at its default. */
  private static String requestPattern() throws Exception {
    Map<String, Object> pattern =
        map(map(resource("BatchRequestedRule").get("Properties")).get("EventPattern"));
    assertEquals(List.of(Map.of("Ref", "MonolithSource")), pattern.get("source"));
    return JSON.writeValueAsString(
        Map.of("source", List.of(monolithSource()), "detail-type", pattern.get("detail-type")));
  }

  private static String monolithSource() {
    return (String) map(map(TEMPLATE.get("Parameters")).get("MonolithSource")).get("Default");
  }

  private static JsonNode monolithDetail() throws Exception {
    return JSON.readTree(Fixtures.event("monolith-put-events.json")).get("detail");
  }

  private static Map<String, Object> resource(String name) {
    return map(map(TEMPLATE.get("Resources")).get(name));
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
