package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A small schema for the CLI's {@code --json} documents (no schema library is on the classpath):
 * each object lists its fields with their types, and a document must have exactly those fields.
 * That pins the field names and types scripts depend on; a renamed, dropped, added or retyped field
 * fails with its path.
 */
abstract class JsonShape {
  /** Checks {@code node} against this shape; fails naming the path of the first mismatch. */
  final void check(JsonNode node) {
    List<String> problems = new ArrayList<>();
    check(node, "$", problems);
    if (!problems.isEmpty()) {
      fail("JSON does not match its shape:\n  " + String.join("\n  ", problems) + "\n" + node);
    }
  }

  abstract void check(JsonNode node, String path, List<String> problems);

  static JsonShape string() {
    return scalar("a string", JsonNode::isTextual);
  }

  static JsonShape integer() {
    return scalar("an integer", JsonNode::isIntegralNumber);
  }

  static JsonShape bool() {
    return scalar("a boolean", JsonNode::isBoolean);
  }

  /** Any object (e.g. the RunTask request, checked on its own). */
  static JsonShape anyObject() {
    return scalar("an object", JsonNode::isObject);
  }

  /** A string with one of these values. */
  static JsonShape oneOf(String... values) {
    List<String> allowed = List.of(values);
    return scalar(
        "one of " + allowed, node -> node.isTextual() && allowed.contains(node.textValue()));
  }

  /** This shape, or JSON null. */
  JsonShape orNull() {
    JsonShape self = this;
    return new JsonShape() {
      @Override
      void check(JsonNode node, String path, List<String> problems) {
        if (!node.isNull()) {
          self.check(node, path, problems);
        }
      }
    };
  }

  static JsonShape arrayOf(JsonShape items) {
    return new JsonShape() {
      @Override
      void check(JsonNode node, String path, List<String> problems) {
        if (!node.isArray()) {
          problems.add(path + ": expected an array, got " + node.getNodeType());
          return;
        }
        for (int i = 0; i < node.size(); i++) {
          items.check(node.get(i), path + "[" + i + "]", problems);
        }
      }
    };
  }

  /** An object with a string value per field (e.g. parameters by name). */
  static JsonShape mapOfStrings() {
    return new JsonShape() {
      @Override
      void check(JsonNode node, String path, List<String> problems) {
        if (!node.isObject()) {
          problems.add(path + ": expected an object, got " + node.getNodeType());
          return;
        }
        node.fields()
            .forEachRemaining(f -> string().check(f.getValue(), path + "." + f.getKey(), problems));
      }
    };
  }

  /** An object with exactly these fields; build with {@link ObjectShape#field}. */
  static ObjectShape object() {
    return new ObjectShape();
  }

  /** An object with exactly the listed fields, each of its shape. */
  static final class ObjectShape extends JsonShape {
    private final Map<String, JsonShape> fields = new LinkedHashMap<>();

    ObjectShape field(String name, JsonShape shape) {
      fields.put(name, shape);
      return this;
    }

    @Override
    void check(JsonNode node, String path, List<String> problems) {
      if (!node.isObject()) {
        problems.add(path + ": expected an object, got " + node.getNodeType());
        return;
      }
      TreeSet<String> extra = new TreeSet<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!fields.containsKey(name)) {
          extra.add(name);
        }
      }
      if (!extra.isEmpty()) {
        problems.add(path + ": unexpected fields " + extra);
      }
      fields.forEach(
          (name, shape) -> {
            JsonNode value = node.get(name);
            if (value == null) {
              problems.add(path + "." + name + ": missing");
            } else {
              shape.check(value, path + "." + name, problems);
            }
          });
    }
  }

  private static JsonShape scalar(String what, java.util.function.Predicate<JsonNode> test) {
    return new JsonShape() {
      @Override
      void check(JsonNode node, String path, List<String> problems) {
        if (!test.test(node)) {
          problems.add(path + ": expected " + what + ", got " + node);
        }
      }
    };
  }
}
