package dev.batchrunner.function.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.DispatchOutcome.Dispatched;
import dev.batchrunner.core.dispatch.DispatchOutcome.Duplicate;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.text.SafeText;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.Invocation;
import dev.batchrunner.function.event.ParsedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;

@ExtendWith(MockitoExtension.class)
class BatchDispatcherTest {
  private static final Instant NOW = Instant.parse("2026-11-23T02:00:00Z");
  private static final String TASK_ARN =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/0123456789abcdef0123456789abcdef";

  private static final String CATALOG =
      """
      {
        "defaults": {
          "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
          "launchType": "FARGATE",
          "subnets": "subnet-0aaa1111,subnet-0bbb2222",
          "securityGroups": "sg-0ccc3333",
          "assignPublicIp": "DISABLED",
          "idempotencyWindow": "PT24H",
          "traceIdEnv": "TRACE_ID"
        },
        "batches": {
          "daily-report": {
            "taskDefinition": "daily-report",
            "containerName": "app",
            "parameters": {
              "reportDate": {"env": "REPORT_DATE", "required": true, "pattern": "\\\\d{4}-\\\\d{2}-\\\\d{2}"},
              "tenant": {"env": "TENANT", "default": "all", "maxLength": 64, "pattern": "[A-Za-z0-9_-]+"}
            },
            "environment": {"OUTPUT_BUCKET": "acme-reports"},
            "command": ["report", "--date", "{reportDate}", "--tenant", "{tenant}"]
          },
          "invoice-export": {
            "taskDefinition": "invoice-export:3",
            "containerName": "exporter",
            "idempotencyWindow": "P7D",
            "parameters": {
              "customerId": {"env": "CUSTOMER_ID", "required": true, "pattern": "C\\\\d{6,10}"},
              "accountNumber": {"env": "ACCOUNT_NUMBER", "pattern": "[A-Z]{2}\\\\d{2}[A-Z0-9]{10,30}", "sensitive": true},
              "format": {"env": "EXPORT_FORMAT", "default": "csv", "pattern": "csv|parquet"}
            }
          },
          "free-text": {
            "taskDefinition": "free-text",
            "containerName": "app",
            "parameters": {"note": {"env": "NOTE"}}
          },
          "retired": {
            "taskDefinition": "retired",
            "containerName": "app",
            "enabled": false
          }
        }
      }
      """;

  private static final BatchCatalog CATALOG_INSTANCE =
      CatalogLoader.parse("test-catalog", CATALOG.getBytes(StandardCharsets.UTF_8), Map.of());

  @Mock private IdempotencyStore store;
  @Mock private TaskLauncher launcher;
  private BatchDispatcher dispatcher;

  @BeforeEach
  void setUp() {
    dispatcher =
        new BatchDispatcher(
            CATALOG_INSTANCE, store, launcher, Clock.fixed(NOW, ZoneOffset.UTC), () -> "claim-1");
  }

  // --- rejections: nothing touches DynamoDB or ECS -------------------------------------------

  @Test
  void dispatch_whenBatchTypeUnknown_rejectsBatchTypeIdListingKnownOnes() {
    Rejection rejection = rejected(fixture("invalid/unknown-batch-type.json"));

    assertEquals("batchTypeId", rejection.field());
    assertTrue(
        rejection.reason().contains("unknown batch type '../../etc/passwd'"), rejection.reason());
    assertTrue(
        rejection.reason().contains("daily-report, free-text, invoice-export, retired"),
        rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenBatchTypeDisabled_rejectsBatchTypeId() {
    Rejection rejection = rejected(request("retired", Map.of()));

    assertEquals("batchTypeId", rejection.field());
    assertTrue(rejection.reason().contains("disabled"), rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenParameterUndeclared_rejectsThatParameter() {
    Rejection rejection = rejected(fixture("invalid/undeclared-parameter.json"));

    assertEquals("parameters.LD_PRELOAD", rejection.field());
    assertTrue(
        rejection.reason().startsWith("not declared for batch type 'daily-report'"),
        rejection.reason());
    assertFalse(rejection.message().contains("/tmp/evil.so"), rejection.message());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenRequiredParameterMissing_rejectsThatParameter() {
    Rejection rejection = rejected(fixture("invalid/missing-required-parameter.json"));

    assertEquals("parameters.reportDate", rejection.field());
    assertEquals("required", rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenValueFailsPattern_rejectsShowingTheValue() {
    Rejection rejection = rejected(fixture("invalid/pattern-mismatch.json"));

    assertEquals("parameters.reportDate", rejection.field());
    assertTrue(
        rejection.reason().contains("'22/11/2026' does not match pattern"), rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenSensitiveValueFailsPattern_rejectsWithoutTheValue() {
    String secret = "not-an-iban-SECRET-42";
    Rejection rejection =
        rejected(
            request("invoice-export", Map.of("customerId", "C1234567", "accountNumber", secret)));

    assertEquals("parameters.accountNumber", rejection.field());
    assertTrue(rejection.reason().contains("does not match pattern"), rejection.reason());
    assertFalse(rejection.message().contains(secret), rejection.message());
    assertFalse(rejection.message().contains("SECRET"), rejection.message());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenValueOverMaxLength_rejectsThatParameter() {
    Rejection rejection =
        rejected(
            request("daily-report", Map.of("reportDate", "2026-11-22", "tenant", "t".repeat(65))));

    assertEquals("parameters.tenant", rejection.field());
    assertTrue(rejection.reason().contains("over its maxLength 64"), rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenValueHasControlCharacter_rejectsThatParameter() {
    Rejection rejection = rejected(request("free-text", Map.of("note", "ring\u0007bell")));

    assertEquals("parameters.note", rejection.field());
    assertTrue(rejection.reason().contains("control character U+0007"), rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenOverridesOver8192Characters_rejectsParameters() {
    Rejection rejection = rejected(request("free-text", Map.of("note", "x".repeat(8192))));

    assertEquals("parameters", rejection.field());
    assertTrue(rejection.reason().contains("over ECS's limit of 8192"), rejection.reason());
    verifyNoInteractions(store, launcher);
  }

  @Test
  void dispatch_whenOverridesExactly8192Characters_dispatches() {
    BatchRequest probe = request("free-text", Map.of("note", "x"));
    int base = overridesLength(probe);
    String note = "x".repeat(1 + TaskLaunchFactory.ECS_OVERRIDES_LIMIT - base);
    BatchRequest atLimit = request("free-text", Map.of("note", note));
    assertEquals(TaskLaunchFactory.ECS_OVERRIDES_LIMIT, overridesLength(atLimit));
    acquireAndLaunch();

    assertInstanceOf(Dispatched.class, dispatcher.dispatch(atLimit, Duration.ZERO));
    Rejection over = rejected(request("free-text", Map.of("note", note + "x")));
    assertEquals("parameters", over.field());
  }

  // --- happy path ----------------------------------------------------------------------------

  @Test
  void dispatch_whenNew_claimsThenLaunchesThenMarksDispatched() {
    acquireAndLaunch();
    BatchRequest request = request("daily-report", Map.of("reportDate", "2026-11-22"));
    IdempotencyKey key =
        IdempotencyKey.of(
            "daily-report", Map.of("reportDate", "2026-11-22", "tenant", "all"), null);

    DispatchOutcome outcome = dispatcher.dispatch(request, Duration.ofSeconds(30));

    Dispatched dispatched = assertInstanceOf(Dispatched.class, outcome);
    assertEquals("daily-report", dispatched.batchTypeId());
    assertEquals("trace-1", dispatched.traceId());
    assertEquals(key.id(), dispatched.idempotencyKey());
    assertEquals(List.of(TASK_ARN), dispatched.taskArns());
    assertFalse(dispatched.dryRun());

    ArgumentCaptor<IdempotencyRecord> record = ArgumentCaptor.forClass(IdempotencyRecord.class);
    ArgumentCaptor<TaskLaunch> launch = ArgumentCaptor.forClass(TaskLaunch.class);
    InOrder order = inOrder(store, launcher);
    order.verify(store).claim(record.capture(), eq(NOW));
    order.verify(launcher).launch(launch.capture());
    ArgumentCaptor<IdempotencyRecord> marked = ArgumentCaptor.forClass(IdempotencyRecord.class);
    order.verify(store).replace(marked.capture(), eq(record.getValue().revision()));
    verifyNoMoreInteractions(store, launcher);
    IdempotencyRecord dispatchedRecord = marked.getValue();
    assertEquals(RequestStatus.DISPATCHED, dispatchedRecord.status());
    assertEquals(List.of(TASK_ARN), dispatchedRecord.taskArns());
    assertNull(dispatchedRecord.claimId(), "no release can delete a dispatched record");
    assertNull(dispatchedRecord.inProgressUntil());
    assertNotNull(dispatchedRecord.revision());

    IdempotencyRecord claimed = record.getValue();
    assertEquals(key.id(), claimed.id());
    assertEquals("daily-report", claimed.batchTypeId());
    assertEquals(RequestStatus.IN_PROGRESS, claimed.status());
    assertEquals("trace-1", claimed.traceId());
    assertEquals(key.requestHash(), claimed.requestHash());
    assertEquals(List.of(), claimed.taskArns());
    assertEquals(NOW, claimed.createdAt());
    assertEquals(NOW.plus(Duration.ofHours(24)), claimed.expiresAt());
    assertEquals(NOW.plusSeconds(30).plusSeconds(10), claimed.inProgressUntil());

    assertEquals(key.hash(), launch.getValue().clientToken());
    assertEquals("2026-11-22", launch.getValue().container().environment().get("REPORT_DATE"));
    assertEquals("all", launch.getValue().container().environment().get("TENANT"));
  }

  @Test
  void dispatch_whenBatchHasOwnWindowAndRemainingUnknown_usesWindowAndLambdaMaximum() {
    acquireAndLaunch();

    dispatcher.dispatch(request("invoice-export", Map.of("customerId", "C1234567")), Duration.ZERO);

    ArgumentCaptor<IdempotencyRecord> record = ArgumentCaptor.forClass(IdempotencyRecord.class);
    verify(store).claim(record.capture(), eq(NOW));
    assertEquals(NOW.plus(Duration.ofDays(7)), record.getValue().expiresAt());
    assertEquals(
        NOW.plus(Duration.ofMinutes(15)).plusSeconds(10), record.getValue().inProgressUntil());
  }

  @Test
  void dispatch_whenLauncherIsDryRun_returnsDispatchedDryRun() {
    when(store.claim(any(), any())).thenReturn(new Claim.Acquired());
    when(launcher.launch(any())).thenReturn(new LaunchResult(List.of(), true));
    when(store.replace(any(), any())).thenReturn(true);

    Dispatched dispatched =
        assertInstanceOf(
            Dispatched.class, dispatcher.dispatch(request("free-text", Map.of()), Duration.ZERO));

    assertTrue(dispatched.dryRun());
    assertEquals(List.of(), dispatched.taskArns());
  }

  // --- existing records ----------------------------------------------------------------------

  @Test
  void dispatch_whenDispatchedRecordExists_returnsDuplicateWithFirstTaskArnsAndLaunchesNothing() {
    BatchRequest request = request("daily-report", Map.of("reportDate", "2026-11-22"));
    String id = keyId(request);
    when(store.claim(any(), any()))
        .thenReturn(new Claim.Existing(record(id, RequestStatus.DISPATCHED, "first-trace", null)));

    Duplicate duplicate =
        assertInstanceOf(Duplicate.class, dispatcher.dispatch(request, Duration.ZERO));

    assertEquals(List.of(TASK_ARN), duplicate.taskArns());
    assertEquals("first-trace", duplicate.firstTraceId());
    assertEquals("trace-1", duplicate.traceId());
    assertEquals(id, duplicate.idempotencyKey());
    verifyNoInteractions(launcher);
    verify(store, never()).replace(any(), any());
    verify(store, never()).release(anyString(), anyString());
  }

  @Test
  void dispatch_whenInProgressRecordExists_throwsRetryableAndLaunchesNothing() {
    BatchRequest request = request("daily-report", Map.of("reportDate", "2026-11-22"));
    when(store.claim(any(), any()))
        .thenReturn(
            new Claim.Existing(
                record(keyId(request), RequestStatus.IN_PROGRESS, "first-trace", null)));

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class, () -> dispatcher.dispatch(request, Duration.ZERO));

    assertTrue(e.retryable());
    assertEquals(FailureReason.IN_PROGRESS, e.reason());
    assertTrue(e.getMessage().contains("first-trace"), e.getMessage());
    verifyNoInteractions(launcher);
    verify(store, never()).release(anyString(), anyString());
  }

  @Test
  void dispatch_whenExplicitKeyReusedWithDifferentParameters_rejectsIdempotencyKeyAsConflict() {
    BatchRequest request =
        new BatchRequest(
            "invoice-export", "trace-2", Map.of("customerId", "C7654321"), "invoice/2026-11", null);
    when(store.claim(any(), any()))
        .thenReturn(
            new Claim.Existing(
                record(
                    keyId(request),
                    RequestStatus.DISPATCHED,
                    "first-trace",
                    IdempotencyKey.of(
                            "invoice-export",
                            Map.of("customerId", "C1234567", "format", "csv"),
                            null)
                        .requestHash())));

    Rejection rejection = rejected(dispatcher.dispatch(request, Duration.ZERO));

    assertEquals("idempotencyKey", rejection.field());
    assertTrue(
        rejection.reason().contains("already used for a different request"), rejection.reason());
    verifyNoInteractions(launcher);
    verify(store, never()).replace(any(), any());
  }

  @Test
  void dispatch_whenExplicitKeyReusedWithSameParameters_returnsDuplicate() {
    BatchRequest request =
        new BatchRequest(
            "invoice-export", "trace-2", Map.of("customerId", "C1234567"), "invoice/2026-11", null);
    IdempotencyKey key =
        IdempotencyKey.of(
            "invoice-export", Map.of("customerId", "C1234567", "format", "csv"), "invoice/2026-11");
    when(store.claim(any(), any()))
        .thenReturn(
            new Claim.Existing(
                record(key.id(), RequestStatus.DISPATCHED, "first-trace", key.requestHash())));

    Duplicate duplicate =
        assertInstanceOf(Duplicate.class, dispatcher.dispatch(request, Duration.ZERO));

    assertEquals(key.id(), duplicate.idempotencyKey());
    verifyNoInteractions(launcher);
  }

  // --- launch failures -----------------------------------------------------------------------

  @Test
  void dispatch_whenLaunchFailsRetryably_releasesAndThrowsRetryableNamingBatchAndTaskDefinition() {
    when(store.claim(any(), any())).thenReturn(new Claim.Acquired());
    TaskLaunchException cause = new TaskLaunchException("RESOURCE:MEMORY", true, null);
    when(launcher.launch(any())).thenThrow(cause);
    BatchRequest request = request("invoice-export", Map.of("customerId", "C1234567"));

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class, () -> dispatcher.dispatch(request, Duration.ZERO));

    assertTrue(e.retryable());
    assertEquals(FailureReason.ECS_TRANSIENT, e.reason());
    assertTrue(e.getMessage().contains("batch 'invoice-export'"), e.getMessage());
    assertTrue(e.getMessage().contains("task definition invoice-export:3"), e.getMessage());
    assertTrue(e.getMessage().contains("RESOURCE:MEMORY"), e.getMessage());
    assertSame(cause, e.getCause());
    InOrder order = inOrder(store, launcher);
    order.verify(store).claim(any(), eq(NOW));
    order.verify(launcher).launch(any());
    order.verify(store).release(eq(keyId(request)), anyString());
    verify(store, never()).replace(any(), any());
  }

  @Test
  void dispatch_whenLaunchFailsPermanently_releasesAndThrowsNotRetryable() {
    when(store.claim(any(), any())).thenReturn(new Claim.Acquired());
    when(launcher.launch(any())).thenThrow(new TaskLaunchException("MISSING", false, null));
    BatchRequest request = request("daily-report", Map.of("reportDate", "2026-11-22"));

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class, () -> dispatcher.dispatch(request, Duration.ZERO));

    assertFalse(e.retryable());
    assertEquals(FailureReason.ECS_PERMANENT, e.reason());
    assertTrue(e.getMessage().contains("task definition daily-report"), e.getMessage());
    verify(store).release(eq(keyId(request)), anyString());
  }

  @Test
  void dispatch_whenReleaseAlsoFails_keepsLaunchFailureWithReleaseFailureSuppressed() {
    when(store.claim(any(), any())).thenReturn(new Claim.Acquired());
    when(launcher.launch(any())).thenThrow(new TaskLaunchException("boom", true, null));
    IllegalStateException releaseFailure = new IllegalStateException("dynamodb down");
    doThrow(releaseFailure).when(store).release(anyString(), anyString());

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class,
            () -> dispatcher.dispatch(request("free-text", Map.of()), Duration.ZERO));

    assertTrue(e.retryable());
    assertEquals(List.of(releaseFailure), List.of(e.getSuppressed()));
  }

  // --- the one resolution -----------------------------------------------------------------

  @Test
  void resolve_masksSensitiveAndUndeclaredValues() {
    BatchRequest request =
        request(
            "invoice-export",
            Map.of(
                "customerId",
                "C1234567",
                "accountNumber",
                "NL91ABNA0417164300",
                "extra",
                "secret?"));

    assertEquals(
        Map.of("customerId", "C1234567", "accountNumber", SafeText.MASK, "extra", SafeText.MASK),
        dispatcher.resolve(request).maskedParameters());
  }

  @Test
  void resolve_whenBatchTypeUnknown_masksEverything() {
    assertEquals(
        Map.of("a", SafeText.MASK),
        dispatcher.resolve(request("nope", Map.of("a", "1"))).maskedParameters());
  }

  @Test
  void resolve_whenResolvable_keyIsTheKeyAfterDefaults_elseInvalid() {
    assertEquals(
        IdempotencyKey.of("daily-report", Map.of("reportDate", "2026-11-22", "tenant", "all"), null)
            .id(),
        keyId(request("daily-report", Map.of("reportDate", "2026-11-22"))));
    assertInstanceOf(
        Resolution.Invalid.class, dispatcher.resolve(request("daily-report", Map.of())));
    assertInstanceOf(Resolution.Invalid.class, dispatcher.resolve(request("nope", Map.of())));
  }

  @Test
  void resolve_knownBatchType_isTrueForCatalogEntriesIncludingDisabledOnes() {
    assertTrue(dispatcher.resolve(request("daily-report", Map.of())).knownBatchType());
    assertTrue(dispatcher.resolve(request("retired", Map.of())).knownBatchType());
    assertFalse(dispatcher.resolve(request("nope", Map.of())).knownBatchType());
    assertFalse(dispatcher.resolve(request(null, Map.of())).knownBatchType());
  }

  private String keyId(BatchRequest request) {
    Resolution resolution = dispatcher.resolve(request);
    assertInstanceOf(Resolution.Valid.class, resolution, resolution::toString);
    return ((Resolution.Valid) resolution).key().id();
  }

  // --- helpers -------------------------------------------------------------------------------

  private void acquireAndLaunch() {
    when(store.claim(any(), any())).thenReturn(new Claim.Acquired());
    when(launcher.launch(any())).thenReturn(new LaunchResult(List.of(TASK_ARN), false));
    when(store.replace(any(), any())).thenReturn(true);
  }

  private int overridesLength(BatchRequest request) {
    BatchDefinition batch = CATALOG_INSTANCE.find(request.batchTypeId()).orElseThrow();
    IdempotencyKey key = IdempotencyKey.of(batch.id(), request.parameters(), null);
    return TaskLaunchFactory.overridesLength(
        TaskLaunchFactory.build(batch, request.parameters(), key, request.traceId()));
  }

  private static IdempotencyRecord record(
      String id, RequestStatus status, String traceId, String requestHash) {
    return IdempotencyRecord.builder()
        .id(id)
        .batchTypeId(id.substring(0, id.indexOf('#')))
        .status(status)
        .traceId(traceId)
        .requestHash(requestHash == null ? id.substring(id.indexOf('#') + 1) : requestHash)
        .taskArn(status == RequestStatus.DISPATCHED ? TASK_ARN : null)
        .createdAt(NOW.minusSeconds(60))
        .expiresAt(NOW.plus(Duration.ofHours(23)))
        .inProgressUntil(NOW.plusSeconds(60))
        .claimId("claim-of-another-invocation")
        .build();
  }

  private static BatchRequest request(String batchTypeId, Map<String, String> parameters) {
    return new BatchRequest(batchTypeId, "trace-1", parameters, null, null);
  }

  private Rejection rejected(BatchRequest request) {
    return rejected(dispatcher.dispatch(request, Duration.ofSeconds(30)));
  }

  private static Rejection rejected(DispatchOutcome outcome) {
    return assertInstanceOf(Rejected.class, outcome, outcome::toString).rejection();
  }

  /** The request in {@code events/<name>}, through the real parser. */
  private static BatchRequest fixture(String name) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Fixtures.events().resolve(name));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Invocation.Direct direct =
        assertInstanceOf(Invocation.Direct.class, new EventParser(() -> "trace-1").parse(bytes));
    return assertInstanceOf(ParsedRequest.Valid.class, direct.request()).request();
  }
}
