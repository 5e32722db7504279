package dev.batchrunner.testkit.eventbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * EventBridge event-pattern matching, as far as batch-runner needs it: a small, tested model of the
 * rules EventBridge documents, so that tests (and the intake-mode benchmark) can run a generated
 * rule's pattern against the sample events without AWS.
 *
 * <p>Sources, cited where each behaviour is implemented: the EventBridge user guide's pages on
 * event patterns, content filtering, arrays and null values
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html,
 * .../eb-create-pattern-operators.html, .../eb-event-patterns-arrays.html,
 * .../eb-event-patterns-null-values.html) and the README of aws/event-ruler, the open-source
 * matching library EventBridge's patterns come from (https://github.com/aws/event-ruler).
 *
 * <p>Supported: exact values (string, number, boolean, null), {@code prefix}, {@code suffix},
 * {@code equals-ignore-case} (and prefix/suffix with it), {@code wildcard}, {@code anything-but} (a
 * value, a list, or {@code prefix}/{@code suffix}/{@code equals-ignore-case}/{@code wildcard} with
 * one value or a list), {@code numeric}, {@code exists}, and {@code $or}. Not supported (rejected
 * when parsed): {@code cidr}. Arrays in the event match when any element matches (the user guide's
 * "intersection" rule); Ruler's array consistency for arrays of objects (fields of one pattern
 * taken from the same array element) is not modelled, which no request shape of batch-runner's
 * needs.
 *
 * <p>A pattern is validated when parsed, with the rules Ruler states (one condition object per
 * matcher, strings in string lists, no consecutive {@code *} in a wildcard, a backslash in a
 * wildcard only before {@code *} or {@code \}), so that a typo in a generated pattern fails a test
 * instead of being silently read as a field name.
 *
 * <p>Its tests, and the direct-rules tests, check every answer against event-ruler itself ({@link
 * RulerOracle}).
 */
public final class EventPattern {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Node root;

  private EventPattern(Node root) {
    this.root = root;
  }

  /**
   * Parses and validates a pattern.
   *
   * @throws IllegalArgumentException naming the path and the rule it breaks
   */
  public static EventPattern parse(String json) {
    try {
      return of(JSON.readTree(json));
    } catch (IOException e) {
      throw new IllegalArgumentException("event pattern is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Validates a pattern given as a JSON tree.
   *
   * @throws IllegalArgumentException naming the path and the rule it breaks
   */
  public static EventPattern of(JsonNode pattern) {
    if (pattern == null || !pattern.isObject()) {
      throw new IllegalArgumentException("an event pattern is a JSON object");
    }
    return new EventPattern(object(pattern, ""));
  }

  /** Whether the event (a JSON object) matches. */
  public boolean matches(JsonNode event) {
    Map<String, List<JsonNode>> leaves = new LinkedHashMap<>();
    flatten(event, "", leaves);
    return root.matches(leaves);
  }

  /** {@link #matches(JsonNode)} for event text. */
  public boolean matches(String event) {
    try {
      return matches(JSON.readTree(event));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- the event as Ruler sees it: leaf paths to values -----------------------------------------

  /**
   * Every leaf value under its dotted path. An array contributes each of its elements to its own
   * path (arrays page: a pattern matches "if the intersection of the event pattern array and the
   * event array is non-empty"), an object's fields continue the path, and an empty array or object
   * contributes nothing, so a field holding one does not "exist" (Ruler: exists works on leaf nodes
   * only).
   */
  private static void flatten(JsonNode node, String path, Map<String, List<JsonNode>> leaves) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        flatten(field.getValue(), join(path, field.getKey()), leaves);
      }
    } else if (node.isArray()) {
      node.forEach(element -> flatten(element, path, leaves));
    } else {
      leaves.computeIfAbsent(path, p -> new ArrayList<>()).add(node);
    }
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  // --- the pattern
  // --------------------------------------------------------------------------------

  private interface Node {
    boolean matches(Map<String, List<JsonNode>> leaves);
  }

  /** Fields are ANDed; a field's matchers are ORed; {@code $or} ORs whole sub-patterns. */
  private record ObjectNode(List<Node> fields) implements Node {
    @Override
    public boolean matches(Map<String, List<JsonNode>> leaves) {
      return fields.stream().allMatch(f -> f.matches(leaves));
    }
  }

  private record OrNode(List<Node> alternatives) implements Node {
    @Override
    public boolean matches(Map<String, List<JsonNode>> leaves) {
      return alternatives.stream().anyMatch(a -> a.matches(leaves));
    }
  }

  private record FieldNode(String path, List<Matcher> matchers) implements Node {
    @Override
    public boolean matches(Map<String, List<JsonNode>> leaves) {
      List<JsonNode> values = leaves.getOrDefault(path, List.of());
      for (Matcher matcher : matchers) {
        if (matcher instanceof Exists exists) {
          if (exists.present() != values.isEmpty()) {
            return true;
          }
        } else if (values.stream().anyMatch(matcher::test)) {
          return true;
        }
      }
      return false;
    }
  }

  private static Node object(JsonNode pattern, String path) {
    List<Node> fields = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = pattern.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      String where = join(path, key);
      if (key.equals("$or") && isOr(value)) {
        // Ruler: "$or" is an OR only when followed by an array of two or more objects.
        List<Node> alternatives = new ArrayList<>();
        value.forEach(alternative -> alternatives.add(object(alternative, path)));
        fields.add(new OrNode(alternatives));
      } else if (value.isObject()) {
        fields.add(object(value, where));
      } else if (value.isArray()) {
        if (value.isEmpty()) {
          throw new IllegalArgumentException(where + ": an empty list matches nothing");
        }
        List<Matcher> matchers = new ArrayList<>();
        value.forEach(m -> matchers.add(matcher(m, where)));
        fields.add(new FieldNode(where, matchers));
      } else {
        throw new IllegalArgumentException(
            where + ": a pattern's values are lists (or objects for nested fields), got " + value);
      }
    }
    return new ObjectNode(fields);
  }

  private static boolean isOr(JsonNode value) {
    if (!value.isArray() || value.size() < 2) {
      return false;
    }
    for (JsonNode alternative : value) {
      if (!alternative.isObject()) {
        return false;
      }
    }
    return true;
  }

  // --- matchers
  // -----------------------------------------------------------------------------------

  private sealed interface Matcher permits Exact, Exists, Condition {
    boolean test(JsonNode value);
  }

  /** A literal: strings equal exactly, numbers by value, null only null (null-values page). */
  private record Exact(JsonNode literal) implements Matcher {
    @Override
    public boolean test(JsonNode value) {
      if (literal.isNull()) {
        return value.isNull();
      }
      if (literal.isNumber()) {
        return value.isNumber() && number(value).compareTo(number(literal)) == 0;
      }
      return value.getNodeType() == literal.getNodeType() && value.equals(literal);
    }
  }

  private record Exists(boolean present) implements Matcher {
    @Override
    public boolean test(JsonNode value) {
      throw new UnsupportedOperationException("exists is decided on the field, not a value");
    }
  }

  private record Condition(java.util.function.Predicate<JsonNode> predicate) implements Matcher {
    @Override
    public boolean test(JsonNode value) {
      return predicate.test(value);
    }
  }

  private static Matcher matcher(JsonNode m, String where) {
    if (m.isValueNode()) {
      return new Exact(m);
    }
    if (!m.isObject() || m.size() != 1) {
      throw new IllegalArgumentException(
          where + ": a matcher is a value or an object with exactly one operator, got " + m);
    }
    String operator = m.fieldNames().next();
    JsonNode argument = m.get(operator);
    String at = where + "." + operator;
    switch (operator) {
      case "exists" -> {
        if (!argument.isBoolean()) {
          throw new IllegalArgumentException(at + ": true or false");
        }
        return new Exists(argument.booleanValue());
      }
      case "prefix" -> {
        return stringTest(textOrIgnoreCase(argument, at, (v, s) -> v.startsWith(s), true));
      }
      case "suffix" -> {
        return stringTest(textOrIgnoreCase(argument, at, (v, s) -> v.endsWith(s), false));
      }
      case "equals-ignore-case" -> {
        String text = text(argument, at);
        return stringTest(v -> v.equalsIgnoreCase(text));
      }
      case "wildcard" -> {
        Pattern regex = wildcard(text(argument, at), at);
        return stringTest(v -> regex.matcher(v).matches());
      }
      case "numeric" -> {
        return numeric(argument, at);
      }
      case "anything-but" -> {
        return anythingBut(argument, at);
      }
      default ->
          throw new IllegalArgumentException(
              at
                  + ": unsupported operator (this evaluator knows exists, prefix, suffix,"
                  + " equals-ignore-case, wildcard, numeric, anything-but)");
    }
  }

  /** Prefix, suffix and friends "only work on string-valued fields" (Ruler README). */
  private static Matcher stringTest(java.util.function.Predicate<String> test) {
    return new Condition(v -> v.isTextual() && test.test(v.textValue()));
  }

  /** {@code "prefix": "x"} or {@code "prefix": {"equals-ignore-case": "x"}}. */
  private static java.util.function.Predicate<String> textOrIgnoreCase(
      JsonNode argument,
      String at,
      java.util.function.BiPredicate<String, String> exact,
      boolean prefix) {
    if (argument.isObject()) {
      if (argument.size() != 1 || !argument.has("equals-ignore-case")) {
        throw new IllegalArgumentException(at + ": a string or {\"equals-ignore-case\": string}");
      }
      String text = text(argument.get("equals-ignore-case"), at + ".equals-ignore-case");
      return v ->
          v.length() >= text.length()
              && v.regionMatches(
                  true, prefix ? 0 : v.length() - text.length(), text, 0, text.length());
    }
    String text = text(argument, at);
    return v -> exact.test(v, text);
  }

  /**
   * {@code anything-but}: the value, the list, or the string condition must not hold. It is decided
   * on the values present: a missing field matches no anything-but (LocalStack's AWS-validated
   * pattern tests, content_anything_but_string_missing_NEG), while null and values of another type
   * do (content_anything_but_string_null, content_anything_prefix_int_value,
   * content_anything_wildcard_int), since they are not what is excluded.
   */
  private static Matcher anythingBut(JsonNode argument, String at) {
    if (argument.isTextual() || argument.isNumber()) {
      Exact excluded = new Exact(argument);
      return new Condition(v -> !excluded.test(v));
    }
    if (argument.isArray()) {
      List<Exact> excluded = new ArrayList<>();
      boolean strings = argument.size() > 0 && argument.get(0).isTextual();
      for (JsonNode item : argument) {
        if (strings ? !item.isTextual() : !item.isNumber()) {
          throw new IllegalArgumentException(
              at + ": a list of only strings or only numbers (Ruler README)");
        }
        excluded.add(new Exact(item));
      }
      if (excluded.isEmpty()) {
        throw new IllegalArgumentException(at + ": an empty list");
      }
      return new Condition(v -> excluded.stream().noneMatch(e -> e.test(v)));
    }
    if (argument.isObject() && argument.size() == 1) {
      String operator = argument.fieldNames().next();
      JsonNode values = argument.get(operator);
      String inner = at + "." + operator;
      List<String> texts = new ArrayList<>();
      if (values.isArray()) {
        if (values.isEmpty()) {
          throw new IllegalArgumentException(inner + ": an empty list");
        }
        values.forEach(v -> texts.add(text(v, inner)));
      } else {
        texts.add(text(values, inner));
      }
      java.util.function.Predicate<String> excluded =
          switch (operator) {
            case "prefix" -> v -> texts.stream().anyMatch(v::startsWith);
            case "suffix" -> v -> texts.stream().anyMatch(v::endsWith);
            case "equals-ignore-case" -> v -> texts.stream().anyMatch(v::equalsIgnoreCase);
            case "wildcard" -> {
              List<Pattern> patterns = texts.stream().map(t -> wildcard(t, inner)).toList();
              yield v -> patterns.stream().anyMatch(p -> p.matcher(v).matches());
            }
            default ->
                throw new IllegalArgumentException(
                    inner + ": anything-but takes prefix, suffix, equals-ignore-case or wildcard");
          };
      return new Condition(v -> !v.isTextual() || !excluded.test(v.textValue()));
    }
    throw new IllegalArgumentException(
        at + ": a string, a number, a list, or {prefix|suffix|equals-ignore-case|wildcard: …}");
  }

  /**
   * A wildcard as Ruler defines it: {@code *} is any run of characters (none included); {@code \*}
   * is a literal asterisk and {@code \\} a literal backslash; a backslash before anything else and
   * two consecutive {@code *} are invalid.
   */
  static Pattern wildcard(String wildcard, String at) {
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < wildcard.length(); i++) {
      char c = wildcard.charAt(i);
      if (c == '\\') {
        char next = i + 1 < wildcard.length() ? wildcard.charAt(i + 1) : 0;
        if (next != '*' && next != '\\') {
          throw new IllegalArgumentException(
              at + ": a backslash in a wildcard escapes only * or \\ (Ruler README)");
        }
        literal.append(next);
        i++;
      } else if (c == '*') {
        if (i + 1 < wildcard.length() && wildcard.charAt(i + 1) == '*') {
          throw new IllegalArgumentException(
              at + ": consecutive wildcard characters are not allowed (Ruler README)");
        }
        regex.append(Pattern.quote(literal.toString())).append(".*");
        literal.setLength(0);
      } else {
        literal.append(c);
      }
    }
    regex.append(Pattern.quote(literal.toString()));
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  /**
   * {@code "numeric": [">", 0, "<=", 5]}: every comparison must hold; only JSON numbers match
   * (content filtering page: "Numeric matching works with values that are JSON numbers").
   */
  private static Matcher numeric(JsonNode argument, String at) {
    if (!argument.isArray() || argument.isEmpty() || argument.size() % 2 != 0) {
      throw new IllegalArgumentException(at + ": pairs of operator and number");
    }
    List<java.util.function.Predicate<BigDecimal>> conditions = new ArrayList<>();
    for (int i = 0; i < argument.size(); i += 2) {
      JsonNode op = argument.get(i);
      JsonNode bound = argument.get(i + 1);
      if (!op.isTextual() || !bound.isNumber()) {
        throw new IllegalArgumentException(at + ": pairs of operator and number");
      }
      BigDecimal limit = number(bound);
      conditions.add(
          switch (op.textValue()) {
            case "<" -> v -> v.compareTo(limit) < 0;
            case "<=" -> v -> v.compareTo(limit) <= 0;
            case "=" -> v -> v.compareTo(limit) == 0;
            case ">=" -> v -> v.compareTo(limit) >= 0;
            case ">" -> v -> v.compareTo(limit) > 0;
            default ->
                throw new IllegalArgumentException(
                    at + ": unknown comparison " + op.textValue().toLowerCase(Locale.ROOT));
          });
    }
    return new Condition(v -> v.isNumber() && conditions.stream().allMatch(c -> c.test(number(v))));
  }

  private static String text(JsonNode node, String at) {
    if (node == null || !node.isTextual()) {
      throw new IllegalArgumentException(at + ": a string, got " + node);
    }
    return node.textValue();
  }

  private static BigDecimal number(JsonNode node) {
    return node.decimalValue();
  }
}
