package dev.batchrunner.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchrunner.cli.DirectRules.Cfn;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the generated template as CloudFormation YAML: block style, short lists in flow style (an
 * event pattern's conditions read as JSON), the short-form intrinsic tags ({@code !Ref}, {@code
 * !Sub}, …), and a literal block for a long string such as the InputTemplate. A string is plain
 * only when YAML cannot read it as anything else; otherwise it is double-quoted with JSON's
 * escapes, which YAML's double-quoted style shares.
 */
final class DirectRulesYaml {
  private static final int FLOW_WIDTH = 90;
  private static final JsonStringEncoder JSON_TEXT = JsonStringEncoder.getInstance();
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
  private static final Pattern PLAIN_BLOCK = Pattern.compile("[A-Za-z][A-Za-z0-9 _.:/@()+=,'-]*");
  private static final Pattern PLAIN_FLOW = Pattern.compile("[A-Za-z][A-Za-z0-9 _.:/@()+='-]*");
  private static final Set<String> YAML_WORDS =
      Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null");

  private DirectRulesYaml() {}

  static String write(Map<String, Object> template) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Map.Entry<String, Object> section : template.entrySet()) {
      if (!first) {
        out.append('\n');
      }
      first = false;
      entry(out, 0, section.getKey(), section.getValue());
    }
    return out.toString();
  }

  private static void entry(StringBuilder out, int indent, String key, Object value) {
    String pad = " ".repeat(indent);
    out.append(pad).append(key(key)).append(':');
    if (value instanceof Cfn.Block block) {
      out.append(' ');
      if (block.tag() != null) {
        out.append(block.tag()).append(' ');
      }
      out.append("|-\n");
      for (String line : block.text().split("\n", -1)) {
        out.append(line.isEmpty() ? "" : pad + "  " + line).append('\n');
      }
    } else if (value instanceof Map<?, ?> map && !map.isEmpty()) {
      out.append('\n');
      map.forEach((k, v) -> entry(out, indent + 2, String.valueOf(k), v));
    } else if (value instanceof List<?> list && !fits(list)) {
      out.append('\n');
      sequence(out, indent + 2, list);
    } else if (value instanceof Cfn.Join join && !fits(join)) {
      out.append(" !Join\n");
      out.append(pad).append("  - ").append(scalar(join.delimiter(), false)).append('\n');
      out.append(pad).append("  -\n");
      sequence(out, indent + 4, join.values());
    } else {
      out.append(' ').append(flow(value)).append('\n');
    }
  }

  private static void sequence(StringBuilder out, int indent, List<?> list) {
    String pad = " ".repeat(indent);
    for (Object item : list) {
      if (item instanceof Map<?, ?> map && !map.isEmpty()) {
        // "- " then the map's entries, the first on the dash's line
        StringBuilder nested = new StringBuilder();
        map.forEach((k, v) -> entry(nested, indent + 2, String.valueOf(k), v));
        out.append(pad).append("- ").append(nested.substring(indent + 2));
      } else if (item instanceof List<?> inner && !fits(inner)) {
        out.append(pad).append("-\n");
        sequence(out, indent + 2, inner);
      } else {
        out.append(pad).append("- ").append(flow(item)).append('\n');
      }
    }
  }

  private static boolean fits(Object value) {
    if (containsBlock(value)) {
      return false;
    }
    return flow(value).length() <= FLOW_WIDTH;
  }

  private static boolean containsBlock(Object value) {
    if (value instanceof Cfn.Block) {
      return true;
    }
    if (value instanceof Map<?, ?> map) {
      return map.values().stream().anyMatch(DirectRulesYaml::containsBlock);
    }
    if (value instanceof List<?> list) {
      return list.stream().anyMatch(DirectRulesYaml::containsBlock);
    }
    return false;
  }

  /** The value on one line, in flow style. */
  private static String flow(Object value) {
    if (value instanceof Map<?, ?> map) {
      List<String> entries = new ArrayList<>();
      map.forEach((k, v) -> entries.add(key(String.valueOf(k)) + ": " + flow(v)));
      return "{" + String.join(", ", entries) + "}";
    }
    if (value instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      list.forEach(item -> items.add(flow(item)));
      return "[" + String.join(", ", items) + "]";
    }
    if (value instanceof Cfn.Ref ref) {
      return "!Ref " + ref.name();
    }
    if (value instanceof Cfn.GetAtt getAtt) {
      return "!GetAtt " + getAtt.resource() + "." + getAtt.attribute();
    }
    if (value instanceof Cfn.Sub sub) {
      return "!Sub " + quoted(sub.text());
    }
    if (value instanceof Cfn.Split split) {
      return "!Split [" + quoted(split.delimiter()) + ", " + flow(split.value()) + "]";
    }
    if (value instanceof Cfn.Join join) {
      return "!Join [" + quoted(join.delimiter()) + ", " + flow(join.values()) + "]";
    }
    if (value instanceof Cfn.Block block) {
      throw new IllegalArgumentException("a block cannot be written in flow style: " + block);
    }
    return scalar(value, true);
  }

  private static String scalar(Object value, boolean inFlow) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    String text = (String) value;
    Pattern plain = inFlow ? PLAIN_FLOW : PLAIN_BLOCK;
    boolean safe =
        plain.matcher(text).matches()
            && !text.endsWith(" ")
            && !text.contains(": ")
            && !text.contains(" #")
            && !YAML_WORDS.contains(text.toLowerCase(Locale.ROOT));
    return safe ? text : quoted(text);
  }

  private static String key(String key) {
    return PLAIN_KEY.matcher(key).matches() && !YAML_WORDS.contains(key.toLowerCase(Locale.ROOT))
        ? key
        : quoted(key);
  }

  private static String quoted(String text) {
    return "\"" + new String(JSON_TEXT.quoteAsString(text)) + "\"";
  }
}
