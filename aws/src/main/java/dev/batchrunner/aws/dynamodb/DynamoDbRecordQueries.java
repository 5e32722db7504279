package dev.batchrunner.aws.dynamodb;

import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.RecordQueries;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The operator's reads of the idempotency table, every one a GetItem or a Query (never a Scan): by
 * id; by trace id on {@value #TRACE_INDEX}; by batch type, newest first, on {@value #BATCH_INDEX}
 * (sort key {@value #CREATED_AT_MS}). The table's indexes are these: template.yaml
 * (TemplateContractTest) and DynamoDbLocal (DynamoDbRecordQueriesIT) create exactly them.
 */
public final class DynamoDbRecordQueries implements RecordQueries {
  /** The index on {@code traceId}, the first request's trace id. */
  public static final String TRACE_INDEX = "byTraceId";

  /** The index on {@code batchTypeId}, sorted by {@value #CREATED_AT_MS}. */
  public static final String BATCH_INDEX = "byBatchType";

  /** When the record was created, epoch millis: the batch index's sort key. */
  public static final String CREATED_AT_MS = IdempotencyItems.CREATED_AT_MS;

  /** The IAM actions these reads call. */
  public static final List<String> IAM_ACTIONS = List.of("dynamodb:GetItem", "dynamodb:Query");

  private final DynamoDbClient dynamo;
  private final String table;

  public DynamoDbRecordQueries(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  @Override
  public Optional<IdempotencyRecord> find(String id) {
    try {
      Map<String, AttributeValue> item =
          dynamo
              .getItem(
                  GetItemRequest.builder()
                      .tableName(table)
                      .key(Map.of(DynamoDbIdempotencyStore.KEY, IdempotencyItems.s(id)))
                      .consistentRead(true)
                      .build())
              .item();
      return item == null || item.isEmpty()
          ? Optional.empty()
          : Optional.of(IdempotencyItems.fromItem(item));
    } catch (SdkException e) {
      throw failed("read record " + id, e);
    }
  }

  @Override
  public List<IdempotencyRecord> byTraceId(String traceId, int limit) {
    return query(
        QueryRequest.builder()
            .tableName(table)
            .indexName(TRACE_INDEX)
            .keyConditionExpression("#traceId = :traceId")
            .expressionAttributeNames(Map.of("#traceId", "traceId"))
            .expressionAttributeValues(Map.of(":traceId", IdempotencyItems.s(traceId))),
        limit,
        "query records of trace id " + traceId);
  }

  @Override
  public List<IdempotencyRecord> byBatchType(
      String batchTypeId, Instant since, RequestStatus status, int limit) {
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    names.put("#batch", "batchTypeId");
    values.put(":batch", IdempotencyItems.s(batchTypeId));
    String condition = "#batch = :batch";
    if (since != null) {
      names.put("#created", CREATED_AT_MS);
      values.put(":since", IdempotencyItems.n(since.toEpochMilli()));
      condition += " AND #created >= :since";
    }
    QueryRequest.Builder query =
        QueryRequest.builder()
            .tableName(table)
            .indexName(BATCH_INDEX)
            .keyConditionExpression(condition)
            .scanIndexForward(false);
    if (status != null) {
      names.put("#status", "status");
      values.put(":status", IdempotencyItems.s(status.name()));
      query.filterExpression("#status = :status");
    }
    query.expressionAttributeNames(names).expressionAttributeValues(values);
    return query(query, limit, "query records of batch type " + batchTypeId);
  }

  private List<IdempotencyRecord> query(QueryRequest.Builder query, int limit, String what) {
    List<IdempotencyRecord> records = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    try {
      do {
        QueryResponse page =
            dynamo.query(
                query.exclusiveStartKey(start).limit(Math.min(100, Math.max(limit, 1))).build());
        for (Map<String, AttributeValue> item : page.items()) {
          if (records.size() < limit) {
            records.add(IdempotencyItems.fromItem(item));
          }
        }
        start =
            page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                ? page.lastEvaluatedKey()
                : null;
      } while (start != null && records.size() < limit);
    } catch (SdkException e) {
      throw failed(what, e);
    }
    return records;
  }

  private DispatchFailedException failed(String what, SdkException e) {
    return new DispatchFailedException(
        "cannot " + what + " in table " + table + ": " + e.getMessage(),
        FailureReason.IDEMPOTENCY_STORE,
        e);
  }
}
