package dev.batchrunner.aws.dynamodb;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Idempotency records in DynamoDB: one conditional PutItem decides which writer owns a request, and
 * a duplicate learns the first dispatch from the same call (ALL_OLD), with no extra read.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  /**
   * The IAM actions this adapter's calls need (GetItem: only when a conditional write's answer
   * lacks the old item). The template's policy must allow exactly these (TemplateContractTest).
   */
  public static final List<String> IAM_ACTIONS =
      List.of("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem");

  public static final String KEY = "id";
  public static final String TTL_ATTRIBUTE = "expiresAt";

  /**
   * The claim condition. A record blocks the request only while it is live: not past its TTL
   * (DynamoDB deletes expired items lazily, up to days later) and not an IN_PROGRESS claim whose
   * holder ran out of time. Changing it changes who may launch: DynamoDbIdempotencyStoreTest pins
   * it part by part, and DynamoDbIdempotencyStoreIT runs IdempotencyStoreContract (the contract the
   * in-memory fake is held to as well) against DynamoDB Local.
   */
  static final String CLAIM_CONDITION =
      "attribute_not_exists(#id) OR #expiresAt < :nowSeconds"
          + " OR (#status = :inProgress AND #inProgressUntil < :nowMillis)";

  private final DynamoDbClient dynamo;
  private final String table;

  public DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  @Override
  public Claim claim(IdempotencyRecord record, Instant now) {
    PutItemRequest put =
        PutItemRequest.builder()
            .tableName(table)
            .item(toItem(record))
            .conditionExpression(CLAIM_CONDITION)
            .expressionAttributeNames(
                Map.of(
                    "#id",
                    KEY,
                    "#expiresAt",
                    TTL_ATTRIBUTE,
                    "#status",
                    "status",
                    "#inProgressUntil",
                    "inProgressUntil"))
            .expressionAttributeValues(
                Map.of(
                    ":nowSeconds", number(now.getEpochSecond()),
                    ":nowMillis", number(now.toEpochMilli()),
                    ":inProgress", string(IdempotencyRecord.Status.IN_PROGRESS.name())))
            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
            .build();
    try {
      dynamo.putItem(put);
      return new Claim.Acquired();
    } catch (ConditionalCheckFailedException e) {
      Map<String, AttributeValue> old = e.hasItem() ? e.item() : read(record.id());
      if (old == null || old.isEmpty()) {
        // Deleted between our write and the read: someone released it; let the caller retry.
        throw unavailable("record " + record.id() + " changed during the claim", null);
      }
      return new Claim.Existing(fromItem(old));
    } catch (SdkException e) {
      throw unavailable("cannot write idempotency record " + record.id(), e);
    }
  }

  @Override
  public void markDispatched(String id, List<String> taskArns, Instant now) {
    try {
      dynamo.updateItem(
          UpdateItemRequest.builder()
              .tableName(table)
              .key(Map.of(KEY, string(id)))
              .updateExpression(
                  "SET #status = :dispatched, taskArns = :arns, dispatchedAt = :now"
                      + " REMOVE inProgressUntil, claimId")
              .conditionExpression("attribute_exists(#id)")
              .expressionAttributeNames(Map.of("#status", "status", "#id", KEY))
              .expressionAttributeValues(
                  Map.of(
                      ":dispatched", string(IdempotencyRecord.Status.DISPATCHED.name()),
                      ":arns", list(taskArns),
                      ":now", string(now.toString())))
              .build());
    } catch (SdkException e) {
      throw new DispatchFailedException(
          "task "
              + taskArns
              + " started but idempotency record "
              + id
              + " could not be marked DISPATCHED; a redelivery after the in-progress hold gets the"
              + " same task back from ECS (same clientToken)",
          FailureReason.RECORD_UPDATE,
          e);
    }
  }

  @Override
  public void release(String id, String claimId) {
    try {
      dynamo.deleteItem(
          DeleteItemRequest.builder()
              .tableName(table)
              .key(Map.of(KEY, string(id)))
              .conditionExpression("#status = :inProgress AND #claimId = :claimId")
              .expressionAttributeNames(Map.of("#status", "status", "#claimId", "claimId"))
              .expressionAttributeValues(
                  Map.of(
                      ":inProgress", string(IdempotencyRecord.Status.IN_PROGRESS.name()),
                      ":claimId", string(claimId)))
              .build());
    } catch (ConditionalCheckFailedException e) {
      // Already gone or taken over and finished by another writer: nothing of ours to release.
    } catch (SdkException e) {
      throw unavailable(
          "cannot release idempotency record "
              + id
              + "; it blocks redeliveries until its in-progress hold passes",
          e);
    }
  }

  private Map<String, AttributeValue> read(String id) {
    return dynamo
        .getItem(
            GetItemRequest.builder()
                .tableName(table)
                .key(Map.of(KEY, string(id)))
                .consistentRead(true)
                .build())
        .item();
  }

  private DispatchFailedException unavailable(String what, Throwable cause) {
    return new DispatchFailedException(
        what
            + " in table "
            + table
            + (cause == null ? "" : ": " + cause.getMessage())
            + "; no task was launched",
        FailureReason.IDEMPOTENCY_STORE,
        cause);
  }

  static Map<String, AttributeValue> toItem(IdempotencyRecord r) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(KEY, string(r.id()));
    item.put("batchTypeId", string(r.batchTypeId()));
    item.put("status", string(r.status().name()));
    item.put("traceId", string(r.traceId()));
    item.put("requestHash", string(r.requestHash()));
    item.put("taskArns", list(r.taskArns()));
    item.put("createdAt", string(r.createdAt().toString()));
    item.put(TTL_ATTRIBUTE, number(r.expiresAt().getEpochSecond()));
    if (r.inProgressUntil() != null) {
      item.put("inProgressUntil", number(r.inProgressUntil().toEpochMilli()));
    }
    if (r.claimId() != null) {
      item.put("claimId", string(r.claimId()));
    }
    return item;
  }

  static IdempotencyRecord fromItem(Map<String, AttributeValue> item) {
    AttributeValue arns = item.get("taskArns");
    AttributeValue until = item.get("inProgressUntil");
    AttributeValue created = item.get("createdAt");
    AttributeValue expires = item.get(TTL_ATTRIBUTE);
    return IdempotencyRecord.builder()
        .id(text(item, KEY))
        .batchTypeId(text(item, "batchTypeId"))
        .status(IdempotencyRecord.Status.valueOf(text(item, "status")))
        .traceId(text(item, "traceId"))
        .requestHash(text(item, "requestHash"))
        .taskArns(
            arns == null || !arns.hasL()
                ? List.of()
                : arns.l().stream().map(AttributeValue::s).toList())
        .createdAt(created == null ? null : Instant.parse(created.s()))
        .expiresAt(expires == null ? null : Instant.ofEpochSecond(Long.parseLong(expires.n())))
        .inProgressUntil(until == null ? null : Instant.ofEpochMilli(Long.parseLong(until.n())))
        .claimId(text(item, "claimId"))
        .build();
  }

  private static String text(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null ? null : value.s();
  }

  private static AttributeValue string(String value) {
    return AttributeValue.builder().s(value).build();
  }

  private static AttributeValue number(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }

  private static AttributeValue list(List<String> values) {
    return AttributeValue.builder()
        .l(values.stream().map(DynamoDbIdempotencyStore::string).toList())
        .build();
  }
}
