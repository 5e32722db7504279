package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.testkit.CloudFormationIntrinsics;
import dev.batchrunner.testkit.CloudFormationYaml;
import dev.batchrunner.testkit.eventbridge.EventPattern;
import dev.batchrunner.testkit.eventbridge.InputTransformer;
import dev.batchrunner.testkit.eventbridge.RulerOracle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated direct-rules template as a deployed stack would hold it: parameters given the
 * fixtures' values (those {@code template.yaml} would pass), intrinsic functions resolved, and each
 * rule's pattern and transformer run through the testkit's EventBridge evaluator.
 */
final class DirectRulesStack {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The nested stack's parameters, as the fixtures' deployment would pass them. */
  static final Map<String, Object> PARAMETERS;

  static {
    Map<String, Object> values = new HashMap<>();
    values.put("AWS::Partition", "aws");
    values.put("AWS::Region", "eu-west-1");
    values.put("AWS::AccountId", "123456789012");
    values.put("AWS::StackName", "batch-EcsDirect");
    values.put(DirectRules.EVENT_BUS_NAME, "batch-batch-requests");
    values.put(DirectRules.MONOLITH_SOURCE, "legacy.monolith");
    values.put(DirectRules.EVENTS_ROLE_ARN, "arn:aws:iam::123456789012:role/batch-events-run-task");
    values.put(
        DirectRules.DEAD_LETTER_QUEUE_ARN, "arn:aws:sqs:eu-west-1:123456789012:batch-events-dlq");
    // The placeholders: lists comma-joined as template.yaml's !Join gives them, no spaces.
    Fixtures.CATALOG_ENV.forEach(
        (name, value) -> values.put(DirectRules.parameterName(name), value.replace(" ", "")));
    PARAMETERS = Map.copyOf(values);
  }

  /** One rule of the stack. */
  record Rule(
      String logicalId,
      Map<String, Object> properties,
      String patternJson,
      EventPattern pattern,
      InputTransformer transformer) {

    @SuppressWarnings("unchecked")
    Map<String, Object> target() {
      return (Map<String, Object>) ((List<Object>) properties.get("Targets")).get(0);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> ecsParameters() {
      return (Map<String, Object>) target().get("EcsParameters");
    }
  }

  /**
   * A rule that matched an event, and what its target hands RunTask.
   *
   * @param overrides the transformer's output: RunTask's {@code overrides}
   */
  record Delivery(Rule rule, JsonNode overrides) {
    /** The override of the container named {@code name}, or null. */
    JsonNode container(String name) {
      for (JsonNode override : overrides.get("containerOverrides")) {
        if (override.get("name").asText().equals(name)) {
          return override;
        }
      }
      return null;
    }

    /** A container override's environment, in order. */
    static Map<String, String> environment(JsonNode container) {
      Map<String, String> env = new LinkedHashMap<>();
      container
          .get("environment")
          .forEach(e -> env.put(e.get("name").asText(), e.get("value").asText()));
      return env;
    }

    /** A container override's command, or null. */
    static List<String> command(JsonNode container) {
      if (!container.has("command")) {
        return null;
      }
      List<String> argv = new ArrayList<>();
      container.get("command").forEach(a -> argv.add(a.asText()));
      return argv;
    }
  }

  private final Map<String, Object> template;
  private final List<Rule> rules = new ArrayList<>();

  private DirectRulesStack(Map<String, Object> raw, Map<String, Object> parameters) {
    this.template = raw;
    Map<String, Object> values = new HashMap<>(parameters);
    @SuppressWarnings("unchecked")
    Map<String, Object> resources = (Map<String, Object>) raw.get("Resources");
    for (Map.Entry<String, Object> resource : resources.entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> definition = (Map<String, Object>) resource.getValue();
      if (!"AWS::Events::Rule".equals(definition.get("Type"))) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> properties =
          (Map<String, Object>)
              CloudFormationIntrinsics.resolve(definition.get("Properties"), values);
      @SuppressWarnings("unchecked")
      Map<String, Object> target =
          (Map<String, Object>) ((List<Object>) properties.get("Targets")).get(0);
      @SuppressWarnings("unchecked")
      Map<String, Object> transformer = (Map<String, Object>) target.get("InputTransformer");
      @SuppressWarnings("unchecked")
      Map<String, String> paths = (Map<String, String>) transformer.get("InputPathsMap");
      JsonNode pattern = JSON.valueToTree(properties.get("EventPattern"));
      if (!RulerOracle.accepts(pattern.toString())) {
        throw new AssertionError(
            resource.getKey() + ": event-ruler refuses its pattern " + pattern);
      }
      rules.add(
          new Rule(
              resource.getKey(),
              properties,
              pattern.toString(),
              EventPattern.of(pattern),
              InputTransformer.of(paths, (String) transformer.get("InputTemplate"))));
    }
  }

  /** The template text, deployed with {@link #PARAMETERS}. */
  static DirectRulesStack of(String yaml) {
    return of(yaml, PARAMETERS);
  }

  static DirectRulesStack of(String yaml, Map<String, Object> parameters) {
    try {
      Path file = Files.createTempFile("direct-rules", ".yaml");
      try {
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return new DirectRulesStack(CloudFormationYaml.load(file), parameters);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The template as read (intrinsics unresolved). */
  Map<String, Object> template() {
    return template;
  }

  List<Rule> rules() {
    return rules;
  }

  /**
   * What every rule whose pattern matches {@code event} hands its target; each match is also
   * event-ruler's, or this fails.
   */
  List<Delivery> deliver(JsonNode event) {
    List<Delivery> deliveries = new ArrayList<>();
    for (Rule rule : rules) {
      boolean matches = rule.pattern().matches(event);
      if (matches != RulerOracle.matches(rule.patternJson(), event.toString())) {
        throw new AssertionError(
            rule.logicalId()
                + ": the evaluator says "
                + matches
                + ", event-ruler the opposite, for "
                + event);
      }
      if (matches) {
        InputTransformer.Output output =
            rule.transformer().apply(event, InputTransformer.Rule.named(rule.logicalId()));
        deliveries.add(new Delivery(rule, output.json()));
      }
    }
    return deliveries;
  }
}
