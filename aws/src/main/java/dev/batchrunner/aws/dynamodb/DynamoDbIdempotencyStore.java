package dev.batchrunner.aws.dynamodb;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Idempotency records in DynamoDB: one conditional PutItem decides which writer owns a request, and
 * a duplicate learns the record from the same call (ALL_OLD), with no extra read. Every later write
 * is a whole-item PutItem conditioned on the revision the writer read. The item's attributes are
 * {@link IdempotencyItems}'.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  /**
   * The IAM actions this adapter's calls need: PutItem (claims and conditional replaces),
   * DeleteItem (releases), GetItem (reads). The template's policy must allow exactly these
   * (TemplateContractTest).
   */
  public static final List<String> IAM_ACTIONS =
      List.of("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem");

  public static final String KEY = "id";
  public static final String TTL_ATTRIBUTE = "expiresAt";

  /**
   * The claim condition. A record blocks the request while it is live: not past its TTL (DynamoDB
   * deletes expired items lazily, up to days later). An abandoned IN_PROGRESS claim blocks too: the
   * dispatcher takes it over with {@link #replace}, keeping its attempts. Changing it changes who
   * may launch: DynamoDbIdempotencyStoreTest pins it, and DynamoDbIdempotencyStoreIT runs
   * IdempotencyStoreContract (the contract the in-memory fake is held to as well) against DynamoDB
   * Local.
   */
  static final String CLAIM_CONDITION = "attribute_not_exists(#id) OR #expiresAt < :nowSeconds";

  /** The replace condition: the stored version is the one the writer read. */
  static final String REPLACE_CONDITION = "#revision = :expected";

  /** The replace condition for a record written before records had a revision. */
  static final String REPLACE_LEGACY_CONDITION =
      "attribute_exists(#id) AND attribute_not_exists(#revision)";

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
            .item(IdempotencyItems.toItem(record))
            .conditionExpression(CLAIM_CONDITION)
            .expressionAttributeNames(Map.of("#id", KEY, "#expiresAt", TTL_ATTRIBUTE))
            .expressionAttributeValues(
                Map.of(":nowSeconds", IdempotencyItems.n(now.getEpochSecond())))
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
      return new Claim.Existing(IdempotencyItems.fromItem(old));
    } catch (SdkException e) {
      throw unavailable("cannot write idempotency record " + record.id(), e);
    }
  }

  @Override
  public Optional<IdempotencyRecord> find(String id) {
    try {
      Map<String, AttributeValue> item = read(id);
      return item == null || item.isEmpty()
          ? Optional.empty()
          : Optional.of(IdempotencyItems.fromItem(item));
    } catch (SdkException e) {
      throw unavailable("cannot read idempotency record " + id, e);
    }
  }

  @Override
  public boolean replace(IdempotencyRecord next, String expectedRevision) {
    PutItemRequest.Builder put =
        PutItemRequest.builder().tableName(table).item(IdempotencyItems.toItem(next));
    if (expectedRevision == null) {
      put.conditionExpression(REPLACE_LEGACY_CONDITION)
          .expressionAttributeNames(Map.of("#id", KEY, "#revision", IdempotencyItems.REVISION));
    } else {
      put.conditionExpression(REPLACE_CONDITION)
          .expressionAttributeNames(Map.of("#revision", IdempotencyItems.REVISION))
          .expressionAttributeValues(Map.of(":expected", IdempotencyItems.s(expectedRevision)));
    }
    try {
      dynamo.putItem(put.build());
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    } catch (SdkException e) {
      throw unavailable("cannot write idempotency record " + next.id(), e);
    }
  }

  @Override
  public void release(String id, String claimId) {
    try {
      dynamo.deleteItem(
          DeleteItemRequest.builder()
              .tableName(table)
              .key(Map.of(KEY, IdempotencyItems.s(id)))
              .conditionExpression("#status = :inProgress AND #claimId = :claimId")
              .expressionAttributeNames(Map.of("#status", "status", "#claimId", "claimId"))
              .expressionAttributeValues(
                  Map.of(
                      ":inProgress", IdempotencyItems.s(RequestStatus.IN_PROGRESS.name()),
                      ":claimId", IdempotencyItems.s(claimId)))
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
                .key(Map.of(KEY, IdempotencyItems.s(id)))
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
}
