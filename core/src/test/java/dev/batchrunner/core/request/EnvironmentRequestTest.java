package dev.batchrunner.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The reverse mapping: the environment an EcsDirect rule writes into a task, read back into the
 * request the function would have parsed from the same event, and resolved by the function's own
 * resolver. The expectations are the function path's own answers for that request.
 */
class EnvironmentRequestTest {
  private static final BatchCatalog CATALOG =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private static final String EVENT_ID = "b1c7a2e0-4f3d-4c1e-9a8b-7d6e5f4a3b2c";
  private static final String TRACE_ID = "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11";

  /** The record id of events/monolith-put-events.json's request (README, OperatorCommandsIT). */
  private static final String MONOLITH_KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

  private final RequestResolver resolver = new RequestResolver(CATALOG);
  private final Supplier<String> noNewTraceId =
      () -> {
        throw new AssertionError("no new trace id expected");
      };

  @Test
  void resolve_whenTheRuleWroteTheMonolithsRequest_givesTheFunctionsKeyAndLaunch() {
    Map<String, String> env = ruleEnvironment();

    Resolution.Valid direct = valid(EnvironmentRequest.resolve(resolver, env, noNewTraceId));
    Resolution.Valid lambda =
        valid(
            resolver.resolve(
                new BatchRequest(
                    "daily-report",
                    TRACE_ID,
                    Map.of("reportDate", "2026-11-22", "tenant", "acme"),
                    null,
                    EVENT_ID)));

    assertEquals(MONOLITH_KEY, direct.key().id());
    assertEquals(lambda.key(), direct.key());
    assertEquals(lambda.parameters(), direct.parameters());
    assertEquals(lambda.launch(), direct.launch(), "the env the function would have sent");
    assertEquals(TRACE_ID, direct.request().traceId());
    assertEquals(EVENT_ID, direct.request().eventId());
    assertNull(direct.request().idempotencyKey());
  }

  @Test
  void read_whenAParameterIsEmptyOrAbsent_itIsNotGivenAndTheDefaultApplies() {
    Map<String, String> empty = ruleEnvironment();
    empty.put("TENANT", "");
    Map<String, String> absent = ruleEnvironment();
    absent.remove("TENANT");

    for (Map<String, String> env : java.util.List.of(empty, absent)) {
      EnvironmentRequest.Read read = EnvironmentRequest.read(CATALOG, env, noNewTraceId);
      assertEquals(Map.of("reportDate", "2026-11-22"), read.request().parameters());
      Resolution.Valid valid = valid(resolver.resolve(read.request()));
      assertEquals("all", valid.parameters().get("tenant"));
      assertEquals(
          valid(
                  resolver.resolve(
                      new BatchRequest(
                          "daily-report",
                          TRACE_ID,
                          Map.of("reportDate", "2026-11-22"),
                          null,
                          null)))
              .key(),
          valid.key());
    }
  }

  @Test
  void read_ignoresWhatIsNotTheRequest_constantsTheKeyAndUndeclaredNames() {
    Map<String, String> env = ruleEnvironment();
    env.put("OUTPUT_BUCKET", "acme-reports");
    env.put("IDEMPOTENCY_KEY", "daily-report#forged");
    env.put("UNDECLARED", "x");
    env.put("PATH", "/usr/bin");

    EnvironmentRequest.Read read = EnvironmentRequest.read(CATALOG, env, noNewTraceId);

    assertEquals(Map.of("reportDate", "2026-11-22", "tenant", "acme"), read.request().parameters());
    assertEquals(MONOLITH_KEY, valid(resolver.resolve(read.request())).key().id());
  }

  @Test
  void read_whenNoTraceId_takesTheEventId_elseANewOne_asTheFunctionDoes() {
    Map<String, String> noTrace = ruleEnvironment();
    noTrace.put("TRACE_ID", "");
    Map<String, String> neither = ruleEnvironment();
    neither.remove("TRACE_ID");
    neither.remove("BATCH_RUNNER_EVENT_ID");
    Map<String, String> unusableEventId = ruleEnvironment();
    unusableEventId.remove("TRACE_ID");
    unusableEventId.put("BATCH_RUNNER_EVENT_ID", "not a trace id");

    assertEquals(
        EVENT_ID, EnvironmentRequest.read(CATALOG, noTrace, noNewTraceId).request().traceId());
    assertEquals(
        "new-1", EnvironmentRequest.read(CATALOG, neither, () -> "new-1").request().traceId());
    assertEquals(
        "new-2",
        EnvironmentRequest.read(CATALOG, unusableEventId, () -> "new-2").request().traceId());
    assertEquals(
        MONOLITH_KEY,
        valid(EnvironmentRequest.resolve(resolver, neither, () -> "new-3")).key().id(),
        "the trace id is not part of the key");
  }

  @Test
  void read_takesTheTraceIdFromTheBatchsOwnTraceIdEnv() {
    String catalog =
        new String(Fixtures.catalog(), StandardCharsets.UTF_8)
            .replace("\"traceIdEnv\": \"TRACE_ID\"", "\"traceIdEnv\": \"CORRELATION_ID\"");
    BatchCatalog custom = CatalogLoader.parse("custom", catalog.getBytes(), Fixtures.CATALOG_ENV);
    Map<String, String> env = ruleEnvironment();
    env.remove("TRACE_ID");
    env.put("CORRELATION_ID", "corr-1");

    assertEquals("corr-1", EnvironmentRequest.read(custom, env, noNewTraceId).request().traceId());
  }

  @Test
  void resolve_whenTheRequestHasAnExplicitKey_givesTheFunctionsExplicitKey() {
    Map<String, String> env = ruleEnvironment();
    env.put("BATCH_RUNNER_REQUEST_KEY", "daily-report/2026-11-22");

    Resolution.Valid direct = valid(EnvironmentRequest.resolve(resolver, env, noNewTraceId));

    IdempotencyKey expected =
        IdempotencyKey.of(
            "daily-report",
            Map.of("reportDate", "2026-11-22", "tenant", "acme"),
            "daily-report/2026-11-22");
    assertEquals(expected, direct.key());
    assertEquals("daily-report/2026-11-22", direct.request().idempotencyKey());
  }

  @Test
  void resolve_whenABatchTypeIsMissing_isRefusedOnBatchTypeId() {
    for (String value : new String[] {null, "", "  "}) {
      Map<String, String> env = ruleEnvironment();
      env.remove("BATCH_TYPE_ID");
      if (value != null) {
        env.put("BATCH_TYPE_ID", value);
      }

      Resolution.Invalid invalid =
          assertInstanceOf(
              Resolution.Invalid.class, EnvironmentRequest.resolve(resolver, env, noNewTraceId));

      assertEquals("batchTypeId", invalid.rejection().field());
      assertTrue(invalid.rejection().reason().startsWith("required"), invalid.rejection().reason());
      assertTrue(invalid.rejection().reason().contains("BATCH_TYPE_ID"));
      assertFalse(invalid.knownBatchType());
      assertEquals(EVENT_ID, invalid.request().traceId());
    }
  }

  @Test
  void resolve_whenInvalid_refusesWithTheFunctionsFieldAndReason() {
    Map<String, String> badDate = ruleEnvironment();
    badDate.put("REPORT_DATE", "22/11/2026");
    Map<String, String> unknown = ruleEnvironment();
    unknown.put("BATCH_TYPE_ID", "nope");
    Map<String, String> missing = ruleEnvironment();
    missing.put("REPORT_DATE", "");

    assertSameRejection(badDate, lambda("daily-report", Map.of("reportDate", "22/11/2026")));
    assertSameRejection(unknown, lambda("nope", Map.of()));
    assertSameRejection(missing, lambda("daily-report", Map.of("tenant", "acme")));
    assertEquals(
        "parameters.reportDate: '22/11/2026' does not match pattern \\d{4}-\\d{2}-\\d{2}",
        invalid(badDate).rejection().message());
    assertEquals("parameters.reportDate: required", invalid(missing).rejection().message());
  }

  @Test
  void resolve_whenTheTraceIdOrExplicitKeyIsUnusable_refusesWithTheFunctionsRule() {
    Map<String, String> badTrace = ruleEnvironment();
    badTrace.put("TRACE_ID", "has spaces");
    Map<String, String> longKey = ruleEnvironment();
    longKey.put(
        "BATCH_RUNNER_REQUEST_KEY", "k".repeat(RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH + 1));

    Resolution.Invalid trace = invalid(badTrace);
    Resolution.Invalid key = invalid(longKey);

    assertEquals("traceId: " + RequestFields.TRACE_ID_RULE, trace.rejection().message());
    assertTrue(trace.knownBatchType());
    assertEquals(
        "idempotencyKey: " + RequestFields.IDEMPOTENCY_KEY_RULE, key.rejection().message());
    assertEquals(TRACE_ID, key.request().traceId());
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * What an EcsDirect rule's InputTransformer writes for events/monolith-put-events.json (see
   * ecsdirect-contract: BATCH_TYPE_ID, the trace id, the envelope id, the explicit key, each
   * parameter, the catalog's constants).
   */
  private static Map<String, String> ruleEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("TRACE_ID", TRACE_ID);
    env.put("BATCH_RUNNER_EVENT_ID", EVENT_ID);
    env.put("BATCH_RUNNER_REQUEST_KEY", "");
    env.put("REPORT_DATE", "2026-11-22");
    env.put("TENANT", "acme");
    env.put("OUTPUT_BUCKET", "acme-reports");
    return env;
  }

  private static BatchRequest lambda(String batchTypeId, Map<String, String> parameters) {
    return new BatchRequest(batchTypeId, TRACE_ID, parameters, null, null);
  }

  private void assertSameRejection(Map<String, String> env, BatchRequest lambdaRequest) {
    Resolution.Invalid lambda =
        assertInstanceOf(Resolution.Invalid.class, resolver.resolve(lambdaRequest));
    assertEquals(lambda.rejection(), invalid(env).rejection());
    assertEquals(lambda.knownBatchType(), invalid(env).knownBatchType());
  }

  private Resolution.Invalid invalid(Map<String, String> env) {
    return assertInstanceOf(
        Resolution.Invalid.class, EnvironmentRequest.resolve(resolver, env, noNewTraceId));
  }

  private static Resolution.Valid valid(Resolution resolution) {
    return assertInstanceOf(Resolution.Valid.class, resolution, resolution::toString);
  }
}
