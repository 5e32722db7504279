package dev.batchrunner.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON tree on jackson-core: what the catalog loader and the event parser rely on. */
class JsonTest {
  private static final Json READER = Json.reader(8);

  @Test
  void read_thenWrite_keepsFieldOrderExactDecimalsAndBigIntegers() throws IOException {
    String text =
        "{\"b\":1.50,\"a\":[1,true,null,\"x\"],\"n\":123456789012345678901234567890,\"e\":1E+3}";

    JsonValue root = read(text);

    assertEquals(text, write(root));
    assertEquals(new BigDecimal("1.50"), root.get("b").decimalValue());
    assertTrue(root.get("n").isIntegralNumber());
    assertEquals(new BigInteger("123456789012345678901234567890"), root.get("n").bigIntegerValue());
    assertFalse(root.get("n").canConvertToInt());
    assertFalse(root.get("e").isIntegralNumber());
  }

  @Test
  void lookups_neverThrow_missingFieldsAreNullOrMissing() throws IOException {
    JsonValue root = read("{\"s\":\"v\",\"list\":[7]}");

    assertNull(root.get("nope"));
    assertSame(JsonValue.MISSING, root.path("nope"));
    assertSame(JsonValue.MISSING, root.path("s").path("deeper"));
    assertNull(root.get("list").get(1));
    assertEquals(7, root.get("list").get(0).intValue());
    assertNull(root.get("s").get(0));
    assertEquals("v", root.get("s").textValue());
    assertNull(root.get("list").textValue());
    assertTrue(root.get("s").isEmpty(), "a value has no children");
    assertEquals(List.of("s", "list"), names(root));
  }

  @Test
  void read_whenEmpty_isMissing_andTrailingContentOrDuplicatesFail() throws IOException {
    assertSame(JsonValue.MISSING, READER.read(new byte[0]));
    assertThrows(IOException.class, () -> read("{} {}"));
    assertThrows(IOException.class, () -> read("{\"a\":1,\"a\":2}"));
    assertThrows(IOException.class, () -> read("[[[[[[[[[[1]]]]]]]]]]"));
  }

  @Test
  void objectSet_replacesInPlace() throws IOException {
    JsonValue.JsonObject root = (JsonValue.JsonObject) read("{\"a\":\"${X}\",\"b\":2}");

    root.set("a", JsonValue.string("filled"));

    assertEquals("{\"a\":\"filled\",\"b\":2}", write(root));
  }

  private static JsonValue read(String text) throws IOException {
    return READER.read(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String write(JsonValue value) {
    return new String(Json.write(json -> Json.writeValue(json, value)), StandardCharsets.UTF_8);
  }

  private static List<String> names(JsonValue value) {
    List<String> names = new ArrayList<>();
    value.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
