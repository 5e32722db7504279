package dev.batchrunner.function;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Whatever catalog ships in the jar ({@code function/src/main/resources/batches.json}, the user's
 * own) starts the function. It asserts nothing about its batches, so any valid catalog passes and
 * an invalid one fails with the loader's list of problems; the other tests use their own catalog
 * ({@code fixtures/catalog.json}).
 */
class ShippedCatalogTest {
  /** The loader's own placeholder syntax, malformed names included (the loader reports those). */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

  @Test
  void fromEnvironment_whenShippedCatalogWithEveryPlaceholderSet_loadsWithAtLeastOneBatch()
      throws IOException {
    URL shipped = CatalogLoader.class.getClassLoader().getResource(CatalogLoader.CLASSPATH_CATALOG);
    assertNotNull(shipped, "no " + CatalogLoader.CLASSPATH_CATALOG + " in the function's jar");
    assertFalse(
        shipped.toString().contains("/test-classes/"),
        "a test resource hides the shipped catalog: " + shipped);
    byte[] json;
    try (InputStream in = shipped.openStream()) {
      json = in.readAllBytes();
    }
    Map<String, String> env = plausibleValues(json);

    // What FunctionConfig.fromEnvironment does at start, with BATCH_CATALOG unset: the classpath's
    // batches.json.
    BatchCatalog catalog =
        assertDoesNotThrow(
            () -> CatalogLoader.fromEnvironment(env),
            "the shipped catalog does not load, with its placeholders set to " + env);

    assertFalse(catalog.batchTypeIds().isEmpty(), "the shipped catalog has no batch type");
  }

  /**
   * A value for each {@code ${NAME}} of the catalog, as a deployment would set it: by the field it
   * stands in, else a made-up id that is valid as one value and as a one-item list.
   */
  private static Map<String, String> plausibleValues(byte[] json) {
    Map<String, String> env = new TreeMap<>();
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      return env; // the loader reports the JSON error itself
    }
    collect(root, "", env);
    return env;
  }

  private static void collect(JsonNode node, String field, Map<String, String> env) {
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.textValue());
      while (m.find()) {
        env.putIfAbsent(m.group(1), valueFor(field, m.group(1)));
      }
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> child = it.next();
        collect(child.getValue(), child.getKey(), env);
      }
    } else if (node.isArray()) {
      node.forEach(item -> collect(item, field, env));
    }
  }

  private static String valueFor(String field, String name) {
    String id = name.toLowerCase(Locale.ROOT).replace('_', '-');
    return switch (field) {
      case "cluster" -> "arn:aws:ecs:eu-west-1:123456789012:cluster/" + id;
      case "subnets" -> "subnet-0aaa1111,subnet-0bbb2222";
      case "securityGroups" -> "sg-0ccc3333,sg-0ddd4444";
      case "taskDefinition" -> "arn:aws:ecs:eu-west-1:123456789012:task-definition/" + id + ":1";
      case "launchType" -> "FARGATE";
      case "assignPublicIp" -> "DISABLED";
      case "platformVersion" -> "LATEST";
      case "idempotencyWindow" -> "PT24H";
      case "traceIdEnv", "env" -> name.toUpperCase(Locale.ROOT);
      default -> "example-" + id;
    };
  }
}
