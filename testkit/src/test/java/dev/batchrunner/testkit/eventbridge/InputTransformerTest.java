package dev.batchrunner.testkit.eventbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluator against the examples of the user guide's "Amazon EventBridge input transformation"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html) and the
 * limits of the API reference
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html); where
 * the guide is silent, against what AWS delivered in LocalStack's AWS-validated snapshot tests
 * (tests/aws/services/events/test_events_inputs.snapshot.json in localstack/localstack).
 */
class InputTransformerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The guide's example EC2 event. */
  private static final String EC2_EVENT =
      """
      {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "123456789012",
        "time": "2015-11-11T21:29:54Z",
        "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
        "detail": {"instance-id": "i-0123456789", "state": "RUNNING"}
      }
      """;

  /** The guide's Input Path. */
  private static final Map<String, String> PATHS =
      Map.of(
          "timestamp", "$.time",
          "instance", "$.detail.instance-id",
          "state", "$.detail.state",
          "resource", "$.resources[0]");

  private static final InputTransformer.Rule RULE = InputTransformer.Rule.named("example");

  private static String apply(String template) {
    return InputTransformer.of(PATHS, template).apply(EC2_EVENT, RULE).text();
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  // --- the guide's table of Input Template examples
  // -----------------------------------------------

  @Test
  void apply_simpleString() {
    assertEquals(
        "\"instance i-0123456789 is in RUNNING\"", apply("\"instance <instance> is in <state>\""));
  }

  @Test
  void apply_stringWithEscapedQuotes() {
    assertEquals(
        "\"instance \\\"i-0123456789\\\" is in RUNNING\"",
        apply("\"instance \\\"<instance>\\\" is in <state>\""));
  }

  @Test
  void apply_simpleJson_quotesAStringPlacedAsAValue() throws Exception {
    assertEquals(
        json("{\"instance\": \"i-0123456789\", \"state\": \"RUNNING\"}"),
        json(apply("{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}")));
  }

  @Test
  void apply_jsonWithStringsAndVariables() throws Exception {
    String template =
        "{\"instance\" : <instance>, \"state\": \"<state>\","
            + " \"instanceStatus\": \"instance \\\"<instance>\\\" is in <state>\"}";
    assertEquals(
        json(
            "{\"instance\": \"i-0123456789\", \"state\": \"RUNNING\","
                + " \"instanceStatus\": \"instance \\\"i-0123456789\\\" is in RUNNING\"}"),
        json(apply(template)));
  }

  @Test
  void apply_jsonWithAMixOfVariablesAndStaticInformation() throws Exception {
    String template =
        "{\"instance\" : <instance>, \"state\": [ 9, <state>, true ], \"Transformed\" : \"Yes\"}";
    assertEquals(
        json(
            "{\"instance\": \"i-0123456789\", \"state\": [9, \"RUNNING\", true],"
                + " \"Transformed\": \"Yes\"}"),
        json(apply(template)));
  }

  @Test
  void apply_reservedVariables_inJsonAndInAString() throws Exception {
    JsonNode out =
        json(
            apply(
                "{\"instance\" : <instance>, \"ruleArn\" : <aws.events.rule-arn>,"
                    + " \"ruleName\" : <aws.events.rule-name>,"
                    + " \"originalEvent\" : <aws.events.event.json>}"));
    assertEquals("arn:aws:events:eu-west-1:123456789012:rule/example", out.get("ruleArn").asText());
    assertEquals("example", out.get("ruleName").asText());
    assertEquals(json(EC2_EVENT), out.get("originalEvent"));
    assertEquals("\"example triggered\"", apply("\"<aws.events.rule-name> triggered\""));
  }

  @Test
  void apply_arrayIndexInAPath() {
    assertEquals(
        "\"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111\"", apply("\"<resource>\""));
  }

  // --- "Common issues with transforming input" ------------------------------------------------

  @Test
  void apply_whenAPathIsMissing_givesTheEmptyString_inAStringAndAsAValue() throws Exception {
    // AWS's output in LocalStack's snapshots custom-variables-not-match-all: "… from detail " for
    // a string template, "command": "" for a JSON one.
    Map<String, String> paths =
        Map.of("command", "$.detail.notinmessage", "state", "$.detail.state");
    assertEquals(
        "\"info extracted from detail \"",
        InputTransformer.of(paths, "\"info extracted from detail <command>\"")
            .apply(EC2_EVENT, RULE)
            .text());
    assertEquals(
        json("{\"state\": \"RUNNING\", \"command\": \"\"}"),
        InputTransformer.of(paths, "{\"state\": <state>, \"command\": <command>}")
            .apply(EC2_EVENT, RULE)
            .json());
    assertEquals(
        json("{\"command\": \"\"}"),
        InputTransformer.of(paths, "{\"command\": \"<command>\"}").apply(EC2_EVENT, RULE).json());
  }

  @Test
  void apply_doesNotEscapeValues_soAQuoteInAValueChangesTheJson() {
    // "EventBridge doesn't escape values extracted by Input Path, when populating the Input
    // Template for a target."
    Map<String, String> paths = Map.of("tenant", "$.detail.tenant");
    InputTransformer transformer =
        InputTransformer.of(
            paths, "{\"environment\": [{\"name\": \"TENANT\", \"value\": \"<tenant>\"}]}");

    InputTransformer.Output broken =
        transformer.apply("{\"detail\": {\"tenant\": \"a\\\"b\"}}", RULE);
    assertFalse(broken.validJson(), broken.text());

    // ... and a crafted one adds an environment variable: why batch-runner's rules refuse " and \.
    String injection = "x\\\"}, {\\\"name\\\": \\\"LD_PRELOAD\\\", \\\"value\\\": \\\"/tmp/evil.so";
    JsonNode injected =
        transformer.apply("{\"detail\": {\"tenant\": \"" + injection + "\"}}", RULE).json();
    assertEquals(2, injected.get("environment").size(), injected.toString());
    assertEquals("LD_PRELOAD", injected.get("environment").get(1).get("name").asText());
  }

  @Test
  void apply_objectInAString_losesItsQuotes() {
    // LocalStack snapshot input-transformed-messages: "Payload of {acc_id:0a787ecb-4015,sf_id:baz}"
    Map<String, String> paths = Map.of("payload", "$.detail.payload");
    String out =
        InputTransformer.of(paths, "\"Payload of <payload>\"")
            .apply(
                "{\"detail\": {\"payload\": {\"acc_id\": \"0a787ecb-4015\", \"sf_id\": \"baz\"}}}",
                RULE)
            .text();
    assertEquals("\"Payload of {acc_id:0a787ecb-4015,sf_id:baz}\"", out);
  }

  @Test
  void apply_numbersAndBooleans_asTheirText() throws Exception {
    Map<String, String> paths = Map.of("n", "$.detail.n", "b", "$.detail.b");
    InputTransformer transformer =
        InputTransformer.of(paths, "{\"text\": \"<n> <b>\", \"n\": <n>, \"b\": <b>}");
    assertEquals(
        json("{\"text\": \"7 true\", \"n\": 7, \"b\": true}"),
        transformer.apply("{\"detail\": {\"n\": 7, \"b\": true}}", RULE).json());
  }

  // --- what PutTargets refuses
  // ----------------------------------------------------------------------

  @Test
  void of_refusesAnUndefinedPlaceholder() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> InputTransformer.of(PATHS, "\"Event with not defined key <notdefinedkey>\""));
    assertTrue(e.getMessage().contains("invalid placeholder notdefinedkey"), e.getMessage());
  }

  @Test
  void of_refusesMoreThan100Variables() {
    Map<String, String> paths = new LinkedHashMap<>();
    for (int i = 0; i <= InputTransformer.MAX_VARIABLES; i++) {
      paths.put("v" + i, "$.detail.v" + i);
    }
    assertThrows(IllegalArgumentException.class, () -> InputTransformer.of(paths, "\"x\""));
    paths.remove("v0");
    InputTransformer.of(paths, "\"x\"");
  }

  @Test
  void of_refusesATemplateOver8192Characters() {
    String fits = "\"" + "x".repeat(InputTransformer.MAX_TEMPLATE_LENGTH - 2) + "\"";
    InputTransformer.of(Map.of(), fits);
    assertThrows(IllegalArgumentException.class, () -> InputTransformer.of(Map.of(), fits + " "));
    assertThrows(IllegalArgumentException.class, () -> InputTransformer.of(Map.of(), ""));
  }

  @Test
  void of_refusesReservedNamesAndUnsupportedPaths() {
    assertThrows(
        IllegalArgumentException.class, () -> InputTransformer.of(Map.of("AWS.x", "$.id"), "\"\""));
    assertThrows(
        IllegalArgumentException.class,
        () -> InputTransformer.of(Map.of("aws.events.rule-name", "$.id"), "\"\""));
    assertThrows(
        IllegalArgumentException.class,
        () -> InputTransformer.of(Map.of("x", "$['detail']"), "\"<x>\""));
  }
}
