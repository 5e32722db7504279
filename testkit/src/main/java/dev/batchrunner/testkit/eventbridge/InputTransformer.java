package dev.batchrunner.testkit.eventbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EventBridge target's {@code InputTransformer}, evaluated: {@code InputPathsMap} paths read
 * from the event, placed into {@code InputTemplate}. A small, tested model of what the user guide
 * documents
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html, "Input
 * transform examples" and "Common issues with transforming input") and the API reference states
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html), so that
 * tests can see the exact text a rule would hand its target.
 *
 * <p>How a value is placed, by where its {@code <name>} stands in the template:
 *
 * <ul>
 *   <li>inside a JSON string ({@code "value": "<x>"}): its text, <b>unescaped</b> ("EventBridge
 *       doesn't escape values extracted by Input Path, when populating the Input Template"), so a
 *       value with a {@code "} or {@code \} changes the JSON around it; an object or array loses
 *       its quotes ({@code {a:1}}, the guide's "removes any internal quotes");
 *   <li>as a JSON value ({@code "value": <x>}): a string quoted (the guide's "Simple JSON" example:
 *       {@code "instance" : <instance>} gives {@code "instance" : "i-0123456789"}), still unescaped
 *       inside its quotes; a number, boolean, object or array as JSON.
 * </ul>
 *
 * <p>A path the event does not have gives the empty string: the guide says such a variable "isn't
 * created and won't appear in the output"; what AWS delivers is {@code ""} in both places
 * (LocalStack's AWS-validated snapshots of a JSON and a string template with a missing path,
 * tests/aws/services/events/test_events_inputs.snapshot.json). Not documented, and so assumptions
 * of this model: a JSON null in a string renders as the empty string (as a JSON value, as {@code
 * null}); a number renders as Jackson writes the parsed number (integers as given).
 *
 * <p>Checked when built, as {@code PutTargets} checks: at most 100 variables (names not starting
 * with {@code AWS.}, not a predefined variable's name), a template of 1 to 8,192 characters, and
 * every {@code <name>} in it defined ("InputTemplate for target … contains invalid placeholder …",
 * the ValidationException AWS answers). Paths: dot notation, array indices; wildcards are not
 * modelled. Predefined variables: {@code aws.events.rule-arn}, {@code aws.events.rule-name}, {@code
 * aws.events.event.ingestion-time}, {@code aws.events.event} (the event without {@code detail}) and
 * {@code aws.events.event.json} (the whole event).
 */
public final class InputTransformer {
  /** InputPathsMap's limit (API reference: "Maximum number of 100 items"). */
  public static final int MAX_VARIABLES = 100;

  /** InputTemplate's limit (API reference: "Maximum length of 8192"). */
  public static final int MAX_TEMPLATE_LENGTH = 8192;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PLACEHOLDER = Pattern.compile("<([A-Za-z0-9_.\\-]+)>");
  private static final Pattern PATH = Pattern.compile("\\$(\\.[A-Za-z0-9_\\-/]+(\\[\\d+])*)*");
  private static final Pattern SEGMENT = Pattern.compile("\\.([A-Za-z0-9_\\-/]+)((?:\\[\\d+])*)");
  private static final Set<String> PREDEFINED =
      Set.of(
          "aws.events.rule-arn",
          "aws.events.rule-name",
          "aws.events.event.ingestion-time",
          "aws.events.event",
          "aws.events.event.json");

  private final Map<String, String> paths;
  private final String template;

  private InputTransformer(Map<String, String> paths, String template) {
    this.paths = paths;
    this.template = template;
  }

  /**
   * A transformer, checked as {@code PutTargets} checks it.
   *
   * @param inputPathsMap variable name to JSON path
   * @param inputTemplate the template
   * @throws IllegalArgumentException for what AWS refuses
   */
  public static InputTransformer of(Map<String, String> inputPathsMap, String inputTemplate) {
    if (inputPathsMap.size() > MAX_VARIABLES) {
      throw new IllegalArgumentException(
          "InputPathsMap has " + inputPathsMap.size() + " variables, at most " + MAX_VARIABLES);
    }
    for (Map.Entry<String, String> entry : inputPathsMap.entrySet()) {
      String name = entry.getKey();
      if (name.startsWith("AWS.") || PREDEFINED.contains(name)) {
        throw new IllegalArgumentException("InputPathsMap: " + name + " is a reserved name");
      }
      if (!PATH.matcher(entry.getValue()).matches()) {
        throw new IllegalArgumentException(
            "InputPathsMap." + name + ": " + entry.getValue() + " is not a supported JSON path");
      }
    }
    if (inputTemplate.isEmpty() || inputTemplate.length() > MAX_TEMPLATE_LENGTH) {
      throw new IllegalArgumentException(
          "InputTemplate is "
              + inputTemplate.length()
              + " characters, allowed 1 to "
              + MAX_TEMPLATE_LENGTH);
    }
    Matcher m = PLACEHOLDER.matcher(inputTemplate);
    while (m.find()) {
      String name = m.group(1);
      if (!inputPathsMap.containsKey(name) && !PREDEFINED.contains(name)) {
        throw new IllegalArgumentException(
            "InputTemplate for target contains invalid placeholder " + name + ".");
      }
    }
    return new InputTransformer(new TreeMap<>(inputPathsMap), inputTemplate);
  }

  /** The rule a target belongs to, for the predefined variables. */
  public record Rule(String name, String arn, String ingestionTime) {
    /** A rule named {@code name} in a fixed account and region. */
    public static Rule named(String name) {
      return new Rule(
          name, "arn:aws:events:eu-west-1:123456789012:rule/" + name, "2026-11-23T02:00:00.000Z");
    }
  }

  /**
   * The text EventBridge would hand the target for {@code event}.
   *
   * @return the substituted template; {@link Output#json()} parses it
   */
  public Output apply(JsonNode event, Rule rule) {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    paths.forEach((name, path) -> values.put(name, read(event, path)));
    StringBuilder out = new StringBuilder(template.length() + 64);
    boolean inString = false;
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (inString && c == '\\' && i + 1 < template.length()) {
        out.append(c).append(template.charAt(++i));
        continue;
      }
      if (c == '"') {
        inString = !inString;
        out.append(c);
        continue;
      }
      if (c == '<') {
        Matcher m = PLACEHOLDER.matcher(template);
        if (m.find(i) && m.start() == i) {
          out.append(render(variable(m.group(1), values, event, rule), inString));
          i = m.end() - 1;
          continue;
        }
      }
      out.append(c);
    }
    return new Output(out.toString());
  }

  /** {@link #apply(JsonNode, Rule)} for event text. */
  public Output apply(String event, Rule rule) {
    try {
      return apply(JSON.readTree(event), rule);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The transformer's output: text, which a JSON template makes JSON unless a value broke it. */
  public record Output(String text) {
    /**
     * The output as JSON.
     *
     * @throws IllegalStateException when it is not valid JSON (a value with a quote or a backslash
     *     can do that, since values are not escaped)
     */
    public JsonNode json() {
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new IllegalStateException("the transformer's output is not JSON: " + text, e);
      }
    }

    /** Whether the output parses as JSON. */
    public boolean validJson() {
      try {
        JSON.readTree(text);
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }

  private static JsonNode variable(
      String name, Map<String, JsonNode> values, JsonNode event, Rule rule) {
    return switch (name) {
      case "aws.events.rule-arn" -> JSON.getNodeFactory().textNode(rule.arn());
      case "aws.events.rule-name" -> JSON.getNodeFactory().textNode(rule.name());
      case "aws.events.event.ingestion-time" ->
          JSON.getNodeFactory().textNode(rule.ingestionTime());
      case "aws.events.event.json" -> event;
      case "aws.events.event" -> {
        ObjectNode copy = event.deepCopy();
        copy.remove("detail");
        yield copy;
      }
      default -> values.get(name);
    };
  }

  /** A path's value, or null when the event does not have it. */
  static JsonNode read(JsonNode event, String path) {
    JsonNode node = event;
    Matcher m = SEGMENT.matcher(path.substring(1));
    while (m.find()) {
      node = node == null ? null : node.get(m.group(1));
      String indices = m.group(2);
      if (!indices.isEmpty()) {
        for (String index : indices.substring(1, indices.length() - 1).split("]\\[")) {
          node = node == null || !node.isArray() ? null : node.get(Integer.parseInt(index));
        }
      }
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  private static String render(JsonNode value, boolean inString) {
    if (value == null || value.isMissingNode()) {
      return inString ? "" : "\"\"";
    }
    if (value.isTextual()) {
      return inString ? value.textValue() : "\"" + value.textValue() + "\"";
    }
    if (value.isNull()) {
      return inString ? "" : "null";
    }
    if (value.isContainerNode()) {
      String json = value.toString();
      return inString ? json.replace("\"", "") : json;
    }
    return value.toString();
  }
}
