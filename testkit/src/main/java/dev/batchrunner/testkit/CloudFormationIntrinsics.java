package dev.batchrunner.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the intrinsic functions of a template read by {@link CloudFormationYaml} against given
 * parameter values, as CloudFormation would at deploy time: {@code Ref}, {@code Fn::Sub} (both
 * forms, {@code ${!Literal}} included), {@code Fn::Split}, {@code Fn::Join} and {@code Fn::Select}.
 * A {@code Ref} or {@code ${Name}} with no value given fails, so a test sees a reference to a
 * parameter the template does not declare. Resource references ({@code Fn::GetAtt}, {@code Ref} to
 * a resource) are left for the caller: they have no value before a deployment.
 */
public final class CloudFormationIntrinsics {
  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

  private CloudFormationIntrinsics() {}

  /**
   * {@code node} with every supported function applied.
   *
   * @param values parameter and pseudo-parameter values ({@code AWS::Region}, …); a list value
   *     stands for a {@code List<…>} or {@code CommaDelimitedList} parameter
   * @throws IllegalArgumentException for a reference without a value or a malformed function
   */
  public static Object resolve(Object node, Map<String, ?> values) {
    if (node instanceof Map<?, ?> map) {
      if (map.size() == 1) {
        Object key = map.keySet().iterator().next();
        Object argument = map.get(key);
        switch (String.valueOf(key)) {
          case "Ref" -> {
            return value((String) argument, values);
          }
          case "Fn::Sub" -> {
            return sub(argument, values);
          }
          case "Fn::Split" -> {
            List<?> args = (List<?>) argument;
            String delimiter = (String) args.get(0);
            String text = (String) resolve(args.get(1), values);
            return List.of(text.split(Pattern.quote(delimiter), -1));
          }
          case "Fn::Join" -> {
            List<?> args = (List<?>) argument;
            List<String> parts = new ArrayList<>();
            for (Object part : (List<?>) resolve(args.get(1), values)) {
              parts.add(String.valueOf(part));
            }
            return String.join((String) args.get(0), parts);
          }
          case "Fn::Select" -> {
            List<?> args = (List<?>) argument;
            int index = Integer.parseInt(String.valueOf(resolve(args.get(0), values)));
            return ((List<?>) resolve(args.get(1), values)).get(index);
          }
          default -> {
            // an ordinary one-key mapping, or a function left to the caller
          }
        }
      }
      Map<String, Object> resolved = new LinkedHashMap<>();
      map.forEach((k, v) -> resolved.put(String.valueOf(k), resolve(v, values)));
      return resolved;
    }
    if (node instanceof List<?> list) {
      List<Object> resolved = new ArrayList<>();
      list.forEach(item -> resolved.add(resolve(item, values)));
      return resolved;
    }
    return node;
  }

  private static Object value(String name, Map<String, ?> values) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException(
          "no value for " + name + " (given: " + values.keySet() + ")");
    }
    return values.get(name);
  }

  private static String sub(Object argument, Map<String, ?> values) {
    String text;
    Map<String, Object> local = new LinkedHashMap<>();
    if (argument instanceof List<?> args) {
      text = (String) args.get(0);
      ((Map<?, ?>) args.get(1)).forEach((k, v) -> local.put(String.valueOf(k), resolve(v, values)));
    } else {
      text = (String) argument;
    }
    Matcher m = SUB_VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String replacement;
      if (name.startsWith("!")) {
        replacement = "${" + name.substring(1) + "}";
      } else if (local.containsKey(name)) {
        replacement = String.valueOf(local.get(name));
      } else {
        Object value = value(name, values);
        if (value instanceof List<?>) {
          throw new IllegalArgumentException("${" + name + "} is a list: Fn::Sub takes strings");
        }
        replacement = String.valueOf(value);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
