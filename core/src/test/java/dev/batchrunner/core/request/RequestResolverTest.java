package dev.batchrunner.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.text.SafeText;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One resolution per request: the key, the launch and the masked parameters agree. */
class RequestResolverTest {
  private static final BatchCatalog CATALOG =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private final RequestResolver resolver = new RequestResolver(CATALOG);

  @Test
  void resolve_whenValid_keyLaunchAndClientTokenComeFromTheParametersAfterDefaults() {
    Resolution resolution =
        resolver.resolve(request("daily-report", Map.of("reportDate", "2026-11-23")));

    Resolution.Valid valid = assertInstanceOf(Resolution.Valid.class, resolution);
    Map<String, String> resolved = Map.of("reportDate", "2026-11-23", "tenant", "all");
    assertEquals(resolved, valid.parameters());
    assertEquals(IdempotencyKey.of("daily-report", resolved, null), valid.key());
    assertEquals(valid.key().hash(), valid.launch().clientToken());
    assertEquals(valid.key().id(), valid.launch().container().environment().get("IDEMPOTENCY_KEY"));
    assertEquals("all", valid.launch().container().environment().get("TENANT"));
    assertEquals(Map.of("reportDate", "2026-11-23"), valid.maskedParameters());
    assertTrue(valid.knownBatchType());
  }

  @Test
  void resolve_whenParameterSensitive_masksItInTheLoggableParametersOnly() {
    Resolution.Valid valid =
        assertInstanceOf(
            Resolution.Valid.class,
            resolver.resolve(
                request(
                    "invoice-export",
                    Map.of("customerId", "C1234567", "accountNumber", "NL91ABNA0417164300"))));

    assertEquals(SafeText.MASK, valid.maskedParameters().get("accountNumber"));
    assertEquals(
        "NL91ABNA0417164300", valid.launch().container().environment().get("ACCOUNT_NUMBER"));
    assertEquals("NL91ABNA0417164300", valid.parameters().get("accountNumber"));
  }

  @Test
  void resolve_whenBatchTypeUnknown_isInvalidOnBatchTypeIdAndNotKnown() {
    Resolution.Invalid invalid =
        assertInstanceOf(
            Resolution.Invalid.class, resolver.resolve(request("nope", Map.of("a", "1"))));

    assertEquals("batchTypeId", invalid.rejection().field());
    assertFalse(invalid.knownBatchType());
    assertEquals(Map.of("a", SafeText.MASK), invalid.maskedParameters());
  }

  @Test
  void resolve_whenRequiredParameterMissing_isInvalidNamingIt() {
    Resolution.Invalid invalid =
        assertInstanceOf(
            Resolution.Invalid.class, resolver.resolve(request("daily-report", Map.of())));

    assertEquals("parameters.reportDate", invalid.rejection().field());
    assertEquals("required", invalid.rejection().reason());
    assertTrue(invalid.knownBatchType());
  }

  @Test
  void resolve_whenExplicitKey_keyIsOfTheKeyAndRequestHashOfTheParameters() {
    Resolution.Valid valid =
        assertInstanceOf(
            Resolution.Valid.class,
            resolver.resolve(
                new BatchRequest(
                    "daily-report", "t-1", Map.of("reportDate", "2026-11-23"), "k-1", null)));

    assertEquals(
        IdempotencyKey.of("daily-report", valid.parameters(), "k-1").hash(), valid.key().hash());
    assertEquals(
        IdempotencyKey.of("daily-report", valid.parameters(), null).hash(),
        valid.key().requestHash());
  }

  private static BatchRequest request(String batchTypeId, Map<String, String> parameters) {
    return new BatchRequest(batchTypeId, "t-1", parameters, null, null);
  }
}
