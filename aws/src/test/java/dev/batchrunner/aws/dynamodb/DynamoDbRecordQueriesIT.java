package dev.batchrunner.aws.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.emulators.DynamoDbLocal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;

/**
 * The operator's reads against DynamoDB Local, on records the function's store wrote: by id, by
 * trace id on its index, by batch type newest first with a status filter and a since bound, paged.
 * Also: the table DynamoDbLocal creates (the local runner's and the tests') has exactly the indexes
 * the queries use.
 */
class DynamoDbRecordQueriesIT {
  private static final Instant START = Instant.parse("2040-01-01T00:00:00Z");
  private static DynamoDbLocal dynamo;
  private static int tables;

  private String table;
  private DynamoDbIdempotencyStore store;
  private DynamoDbRecordQueries queries;

  @BeforeAll
  static void startDynamoDb() {
    dynamo = DynamoDbLocal.start();
  }

  @AfterAll
  static void stopDynamoDb() {
    dynamo.close();
  }

  @BeforeEach
  void freshTable() {
    table = "queries-" + ++tables;
    dynamo.createIdempotencyTable(table);
    store = new DynamoDbIdempotencyStore(dynamo.client(), table);
    queries = new DynamoDbRecordQueries(dynamo.client(), table);
  }

  @Test
  void theTable_hasExactlyTheIndexesTheQueriesUse() {
    Map<String, List<String>> indexes = new TreeMap<>();
    for (GlobalSecondaryIndexDescription index :
        dynamo.client().describeTable(b -> b.tableName(table)).table().globalSecondaryIndexes()) {
      indexes.put(
          index.indexName(),
          index.keySchema().stream().map(KeySchemaElement::attributeName).toList());
    }

    assertEquals(
        Map.of(
            DynamoDbRecordQueries.TRACE_INDEX,
            List.of("traceId"),
            DynamoDbRecordQueries.BATCH_INDEX,
            List.of("batchTypeId", DynamoDbRecordQueries.CREATED_AT_MS)),
        indexes);
  }

  @Test
  void theIndexes_areAddedToATableKeptFromBeforeThem() {
    String old = "queries-old-" + ++tables;
    dynamo
        .client()
        .createTable(
            b ->
                b.tableName(old)
                    .billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                    .keySchema(k -> k.attributeName("id").keyType("HASH")));

    DynamoDbLocal.createIdempotencyTable(dynamo.client(), old);

    assertEquals(
        2,
        dynamo
            .client()
            .describeTable(b -> b.tableName(old))
            .table()
            .globalSecondaryIndexes()
            .size());
  }

  @Test
  void find_byTraceId_andByBatchType_returnWhatTheStoreWrote() {
    for (int i = 0; i < 5; i++) {
      claim("daily-report#" + String.format("%04d", i), "trace-" + i, START.plusSeconds(60L * i));
    }
    claim("invoice-export#x", "trace-x", START);
    markFailed("daily-report#0003");

    assertEquals("trace-2", queries.find("daily-report#0002").orElseThrow().traceId());
    assertTrue(queries.find("daily-report#none").isEmpty());
    assertEquals(
        List.of("daily-report#0001"),
        queries.byTraceId("trace-1", 10).stream().map(IdempotencyRecord::id).toList());

    List<IdempotencyRecord> newestFirst = queries.byBatchType("daily-report", null, null, 10);
    assertEquals(
        List.of(
            "daily-report#0004",
            "daily-report#0003",
            "daily-report#0002",
            "daily-report#0001",
            "daily-report#0000"),
        newestFirst.stream().map(IdempotencyRecord::id).toList());
    assertEquals(
        List.of("daily-report#0004", "daily-report#0003"),
        queries.byBatchType("daily-report", START.plus(Duration.ofMinutes(3)), null, 10).stream()
            .map(IdempotencyRecord::id)
            .toList());
    assertEquals(
        List.of("daily-report#0003"),
        queries.byBatchType("daily-report", null, RequestStatus.FAILED, 10).stream()
            .map(IdempotencyRecord::id)
            .toList());
    assertEquals(2, queries.byBatchType("daily-report", null, null, 2).size(), "the limit");
  }

  @Test
  void byBatchType_pagesPastDynamoDbsPageSize() {
    for (int i = 0; i < 130; i++) {
      claim("daily-report#" + String.format("%04d", i), "trace-" + i, START.plusSeconds(i));
    }

    List<IdempotencyRecord> all = queries.byBatchType("daily-report", null, null, 1000);

    assertEquals(130, all.size());
    assertEquals("daily-report#0129", all.get(0).id());
  }

  /**
   * The claim the dispatcher writes for record {@code id} ({@code <batchTypeId>#…}) at {@code at}.
   */
  private void claim(String id, String traceId, Instant at) {
    String batch = id.substring(0, id.indexOf('#'));
    store.claim(
        IdempotencyRecord.builder()
            .id(id)
            .batchTypeId(batch)
            .status(RequestStatus.IN_PROGRESS)
            .traceId(traceId)
            .requestHash("h")
            .createdAt(at)
            .expiresAt(at.plus(Duration.ofDays(1)))
            .inProgressUntil(at.plusSeconds(60))
            .claimId("c")
            .revision("r-" + id)
            .build(),
        at);
  }

  private void markFailed(String id) {
    IdempotencyRecord read = store.find(id).orElseThrow();
    assertTrue(
        store.replace(
            read.with(read.lifecycle().dispatched("arn:task/1").notStarted("test")).toBuilder()
                .revision("r2")
                .claimId(null)
                .inProgressUntil(null)
                .build(),
            read.revision()));
  }
}
