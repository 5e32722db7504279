package dev.batchrunner.function.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.core.testing.RecordingTaskLauncher;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.RandomIds;
import dev.batchrunner.function.event.EventProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;

/**
 * The real event pipeline ({@link FunctionFactory#assemble}) with in-memory ports in place of
 * DynamoDB and ECS: what a test feeds bytes to and then inspects (launches, idempotency records,
 * observer calls). Its random ids are a repeatable sequence ({@link #IDS_SEED}).
 */
public final class TestPipeline {
  public static final Instant NOW = Instant.parse("2026-11-23T02:00:00Z");
  public static final Duration REMAINING = Duration.ofSeconds(30);

  /** The seed of every pipeline's random ids: {@code new RandomIds(() -> new Random(IDS_SEED))}. */
  public static final long IDS_SEED = 20261123L;

  /** A batch added to the shipped catalog: free-text values, so unicode and size reach ECS. */
  static final String FREE_TEXT_BATCH =
      """
      {
        "taskDefinition": "free-text",
        "containerName": "app",
        "parameters": {
          "note": {"env": "NOTE", "maxLength": 4000},
          "label": {"env": "LABEL", "maxLength": 200},
          "secret": {"env": "SECRET", "maxLength": 4000, "sensitive": true}
        },
        "environment": {"MODE": "free"}
      }
      """;

  private static final BatchCatalog SHIPPED =
      CatalogLoader.parse(Fixtures.CATALOG_RESOURCE, Fixtures.catalog(), Fixtures.CATALOG_ENV);
  private static final BatchCatalog SHIPPED_WITH_FREE_TEXT = withFreeText();

  private final BatchCatalog catalog;
  private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
  private final RecordingTaskLauncher launcher = new RecordingTaskLauncher();
  private final CapturingObserver observer = new CapturingObserver();
  private final EventProcessor processor;

  private TestPipeline(BatchCatalog catalog) {
    this.catalog = catalog;
    this.processor =
        FunctionFactory.assemble(
                Processors.config(catalog, "test-pipeline", Processors.OFFLINE),
                FunctionFactory.Options.builder()
                    .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                    .ids(new RandomIds(() -> new Random(IDS_SEED)))
                    .observer(observer)
                    .store(store)
                    .launcher(launcher)
                    .build())
            .processor();
  }

  /** Over the tests' catalog with the test environment of {@link Fixtures#CATALOG_ENV}. */
  public static TestPipeline shipped() {
    return new TestPipeline(SHIPPED);
  }

  /** Over the tests' catalog plus a "free-text" batch whose values have no pattern. */
  public static TestPipeline shippedWithFreeText() {
    return new TestPipeline(SHIPPED_WITH_FREE_TEXT);
  }

  /** One invocation, as the handler runs it. */
  public byte[] process(byte[] payload) {
    return processor.process(payload, REMAINING);
  }

  public byte[] process(String payload) {
    return process(payload.getBytes(StandardCharsets.UTF_8));
  }

  public BatchCatalog catalog() {
    return catalog;
  }

  public InMemoryIdempotencyStore store() {
    return store;
  }

  public RecordingTaskLauncher launcher() {
    return launcher;
  }

  public CapturingObserver observer() {
    return observer;
  }

  private static BatchCatalog withFreeText() {
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      ObjectNode root = (ObjectNode) json.readTree(Fixtures.catalog());
      ((ObjectNode) root.get("batches")).set("free-text", json.readTree(FREE_TEXT_BATCH));
      return CatalogLoader.parse(
          "fixtures/catalog.json+free-text", json.writeValueAsBytes(root), Fixtures.CATALOG_ENV);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
