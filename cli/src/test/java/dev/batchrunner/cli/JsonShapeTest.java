package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The test schema helper fails when a document drifts: otherwise the shape tests prove nothing. */
class JsonShapeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonShape SHAPE =
      JsonShape.object()
          .field("valid", JsonShape.bool())
          .field("source", JsonShape.string())
          .field(
              "items",
              JsonShape.arrayOf(JsonShape.object().field("n", JsonShape.integer().orNull())));

  @Test
  void check_whenDocumentMatches_passes() throws Exception {
    SHAPE.check(tree("{\"valid\":true,\"source\":\"s\",\"items\":[{\"n\":1},{\"n\":null}]}"));
  }

  @Test
  void check_whenFieldMissingExtraOrRetyped_failsNamingItsPath() throws Exception {
    String missing = failure("{\"valid\":true,\"items\":[]}");
    String extra = failure("{\"valid\":true,\"source\":\"s\",\"items\":[],\"more\":1}");
    String retyped = failure("{\"valid\":\"true\",\"source\":\"s\",\"items\":[{\"n\":\"1\"}]}");

    assertTrue(missing.contains("$.source: missing"), missing);
    assertTrue(extra.contains("$: unexpected fields [more]"), extra);
    assertTrue(retyped.contains("$.valid: expected a boolean"), retyped);
    assertTrue(retyped.contains("$.items[0].n: expected an integer"), retyped);
  }

  private static String failure(String json) throws Exception {
    JsonNode node = tree(json);
    return assertThrows(AssertionError.class, () -> SHAPE.check(node)).getMessage();
  }

  private static JsonNode tree(String json) throws Exception {
    return JSON.readTree(json);
  }
}
