package dev.batchrunner.function.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.Completion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** What the lifecycle tests share: reading completion events back, reading a task's environment. */
public final class Completions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Completions() {}

  /**
   * Creates {@code bus} and a rule on it that sends batch-runner's completion events to a new queue
   * {@code completions}, which a test then reads back.
   *
   * @return the queue's URL
   */
  public static String subscribe(EventBridgeClient events, SqsClient sqs, String bus) {
    events.createEventBus(b -> b.name(bus));
    String queueUrl = sqs.createQueue(b -> b.queueName("completions")).queueUrl();
    String queueArn =
        sqs.getQueueAttributes(
                b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    events.putRule(
        b ->
            b.name("to-queue")
                .eventBusName(bus)
                .eventPattern("{\"source\":[\"" + Completion.SOURCE + "\"]}"));
    events.putTargets(
        b ->
            b.rule("to-queue")
                .eventBusName(bus)
                .targets(Target.builder().id("queue").arn(queueArn).build()));
    return queueUrl;
  }

  /** Every event the subscriber's queue holds now, each message deleted once read. */
  public static List<JsonNode> receiveAll(SqsClient sqs, String queueUrl) {
    List<JsonNode> all = new ArrayList<>();
    while (true) {
      List<Message> messages =
          sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0))
              .messages();
      if (messages.isEmpty()) {
        return all;
      }
      for (Message m : messages) {
        try {
          all.add(JSON.readTree(m.body()));
        } catch (IOException e) {
          throw new UncheckedIOException("not JSON: " + m.body(), e);
        }
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
      }
    }
  }

  /**
   * The environment of one container's override in {@code containerOverrides} (a RunTask body's
   * {@code /overrides/containerOverrides}, or a task event's {@code
   * /detail/overrides/containerOverrides}); empty when no override names the container.
   */
  public static Map<String, String> environmentOf(JsonNode containerOverrides, String container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode override : containerOverrides) {
      if (override.path("name").asText().equals(container)) {
        override
            .path("environment")
            .forEach(kv -> env.put(kv.path("name").asText(), kv.path("value").asText()));
      }
    }
    return env;
  }
}
