package dev.batchrunner.function.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.Invocation;
import dev.batchrunner.function.event.ParsedRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {
  private static final EventParser PARSER = new EventParser(() -> "generated-trace");

  @Test
  void of_whenParameterInsertionOrderDiffers_sameKey() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");

    assertEquals(IdempotencyKey.of("x", ab, null), IdempotencyKey.of("x", ba, null));
  }

  @Test
  void of_whenEventsDifferInFormattingFieldOrderAndTraceId_sameKey() {
    String compact =
        "{\"batchTypeId\":\"daily-report\",\"traceId\":\"t-1\","
            + "\"parameters\":{\"reportDate\":\"2026-11-22\",\"tenant\":\"acme\"}}";
    String pretty =
        "{\n  \"parameters\" : {\n    \"tenant\" : \"acme\",\n\t\"reportDate\" :   \"2026-11-22\"\n"
            + "  },\r\n  \"TraceId\": \"t-2\",\n  \"BatchTypeId\" : \"daily-report\"\n}\n";

    BatchRequest first = request(compact);
    BatchRequest second = request(pretty);

    assertNotEquals(first.traceId(), second.traceId());
    assertEquals(key(first), key(second));
  }

  @Test
  void of_whenEnvelopeAndBareRequestCarryTheSameRequest_sameKey() {
    String bare =
        "{\"batchTypeId\":\"daily-report\",\"parameters\":{\"reportDate\":\"2026-11-22\"}}";
    String envelope =
        "{\"version\":\"0\",\"id\":\"e-1\",\"detail-type\":\"Batch Requested\",\"source\":\"s\","
            + "\"detail\":{\"parameters\":{\"reportDate\":\"2026-11-22\"},\"batchTypeId\":\"daily-report\"}}";

    assertEquals(key(request(bare)), key(request(envelope)));
  }

  @Test
  void of_whenValueUsesUnicodeEscapesInsteadOfLiteralCharacters_sameKey() {
    String literal = "{\"batchTypeId\":\"x\",\"parameters\":{\"city\":\"Zürich €\"}}";
    String escaped = "{\"batchTypeId\":\"x\",\"parameters\":{\"city\":\"Z\\u00fcrich \\u20ac\"}}";

    BatchRequest first = request(literal);
    BatchRequest second = request(escaped);

    assertEquals("Zürich €", second.parameters().get("city"));
    assertEquals(key(first), key(second));
  }

  @Test
  void of_whenParameterValueChanges_differentKey() {
    assertNotEquals(
        IdempotencyKey.of("x", Map.of("a", "1"), null).hash(),
        IdempotencyKey.of("x", Map.of("a", "2"), null).hash());
  }

  @Test
  void of_whenParameterNameChanges_differentKey() {
    assertNotEquals(
        IdempotencyKey.of("x", Map.of("a", "1"), null).hash(),
        IdempotencyKey.of("x", Map.of("b", "1"), null).hash());
  }

  @Test
  void of_whenParameterAdded_differentKey() {
    assertNotEquals(
        IdempotencyKey.of("x", Map.of("a", "1"), null).hash(),
        IdempotencyKey.of("x", Map.of("a", "1", "b", "2"), null).hash());
  }

  @Test
  void of_whenBatchTypeIdChanges_differentKey() {
    IdempotencyKey x = IdempotencyKey.of("x", Map.of("a", "1"), null);
    IdempotencyKey y = IdempotencyKey.of("y", Map.of("a", "1"), null);

    assertNotEquals(x.hash(), y.hash());
    assertNotEquals(x.id(), y.id());
  }

  @Test
  void of_whenValuesWouldConcatenateAlike_differentKey() {
    // A naive "name=value" join would make these two collide; canonical JSON keeps them apart.
    assertNotEquals(
        IdempotencyKey.of("x", Map.of("a", "1,b=2"), null).hash(),
        IdempotencyKey.of("x", Map.of("a", "1", "b", "2"), null).hash());
  }

  @Test
  void of_withoutExplicitKey_hashIsSha256OfTheCanonicalJson() throws Exception {
    String canonical = "{\"batchTypeId\":\"x\",\"parameters\":{\"a\":\"1\",\"b\":\"2\"}}";
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("b", "2");
    parameters.put("a", "1");

    IdempotencyKey key = IdempotencyKey.of("x", parameters, null);

    assertEquals(
        canonical,
        new String(IdempotencyKey.canonicalJson("x", parameters), StandardCharsets.UTF_8));
    assertEquals(sha256(canonical), key.hash());
    assertEquals(key.hash(), key.requestHash());
  }

  @Test
  void of_withExplicitKey_hashIsSha256OfBatchTypeIdNewlineKeyAndRequestHashStaysCanonical()
      throws Exception {
    Map<String, String> parameters = Map.of("a", "1", "b", "2");

    IdempotencyKey key = IdempotencyKey.of("x", parameters, "invoice/2026-11");

    assertEquals(sha256("x\ninvoice/2026-11"), key.hash());
    assertEquals(
        sha256("{\"batchTypeId\":\"x\",\"parameters\":{\"a\":\"1\",\"b\":\"2\"}}"),
        key.requestHash());
  }

  @Test
  void of_withSameExplicitKeyAndDifferentParameters_sameHashDifferentRequestHash() {
    IdempotencyKey first = IdempotencyKey.of("x", Map.of("a", "1"), "k");
    IdempotencyKey second = IdempotencyKey.of("x", Map.of("a", "2"), "k");

    assertEquals(first.hash(), second.hash());
    assertNotEquals(first.requestHash(), second.requestHash());
  }

  @Test
  void id_isBatchTypeIdHashAnd64LowercaseHex() {
    IdempotencyKey key =
        IdempotencyKey.of("daily-report", Map.of("reportDate", "2026-11-22"), null);

    assertTrue(key.id().matches("daily-report#[0-9a-f]{64}"), key.id());
    assertEquals("daily-report#" + key.hash(), key.id());
  }

  private static IdempotencyKey key(BatchRequest request) {
    return IdempotencyKey.of(request.batchTypeId(), request.parameters(), request.idempotencyKey());
  }

  private static BatchRequest request(String json) {
    Invocation invocation = PARSER.parse(json.getBytes(StandardCharsets.UTF_8));
    Invocation.Direct direct = assertInstanceOf(Invocation.Direct.class, invocation);
    return assertInstanceOf(ParsedRequest.Valid.class, direct.request(), direct.request()::toString)
        .request();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
