package dev.batchrunner.aws.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The requests the adapter sends, pinned whole: each condition decides who may launch a task, so a
 * change to one must be a change to this test too. DynamoDbIdempotencyStoreIT shows how DynamoDB
 * evaluates them.
 */
class DynamoDbIdempotencyStoreTest {
  private static final String TABLE = "batch-runner-idempotency";
  private static final String KEY = "daily-report#" + "0f".repeat(32);
  private static final Instant NOW = Instant.parse("2026-11-23T02:00:00.123Z");
  private static final String TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/batch/0aaa";

  private final DynamoDbClient dynamo = mock(DynamoDbClient.class);
  private final DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(dynamo, TABLE);

  @Test
  void claim_sendsOnePutConditionedOnNoLiveRecord() {
    store.claim(claim(), NOW);

    ArgumentCaptor<PutItemRequest> captor = ArgumentCaptor.forClass(PutItemRequest.class);
    verify(dynamo).putItem(captor.capture());
    PutItemRequest put = captor.getValue();
    assertEquals(TABLE, put.tableName());
    assertEquals(
        // No item: the first writer gets in. The put checks this atomically; as a read before an
        // unconditional write, two writers would both see nothing, both win and both launch.
        "attribute_not_exists(#id)"
            // Expired: taken over, because TTL deletion is lazy (up to days after expiresAt), and
            // until then an expired record would still turn a new request away as a duplicate.
            + " OR #expiresAt < :nowSeconds"
            // An abandoned IN_PROGRESS claim (holder timed out or crashed before marking it) is
            // taken over once its hold passes, or the key would be stuck until expiresAt; the
            // status test keeps a DISPATCHED record blocking for its whole window.
            + " OR (#status = :inProgress AND #inProgressUntil < :nowMillis)",
        put.conditionExpression());
    assertEquals(
        // "status" is a DynamoDB reserved word; expiresAt must be the attribute the table's TTL
        // is enabled on (template.yaml, DynamoDbLocal.createIdempotencyTable).
        Map.of(
            "#id", "id",
            "#expiresAt", "expiresAt",
            "#status", "status",
            "#inProgressUntil", "inProgressUntil"),
        put.expressionAttributeNames());
    assertEquals(
        // Each "now" in its attribute's unit: expiresAt in epoch seconds (TTL's unit),
        // inProgressUntil in epoch millis. Seconds against millis would make every record look
        // expired (every duplicate launches) or none (nothing is ever taken over).
        Map.of(
            ":nowSeconds", number("1795399200"),
            ":nowMillis", number("1795399200123"),
            ":inProgress", string("IN_PROGRESS")),
        put.expressionAttributeValues());
    // The duplicate learns the first dispatch (trace id, task ARNs) from the failed put itself.
    assertEquals(
        ReturnValuesOnConditionCheckFailure.ALL_OLD, put.returnValuesOnConditionCheckFailure());
    // TTL deletes only by a Number of epoch seconds: in millis it would lie ~57,000 years ahead.
    assertEquals(number("1795485600"), put.item().get("expiresAt"));
    assertEquals(number("1795399240123"), put.item().get("inProgressUntil"));
  }

  @Test
  void claim_whenTheConditionFails_answersWithTheOldItemWithoutAnotherRead() {
    when(dynamo.putItem(any(PutItemRequest.class)))
        .thenThrow(
            ConditionalCheckFailedException.builder()
                .message("The conditional request failed")
                .item(DynamoDbIdempotencyStore.toItem(claim()))
                .build());

    Claim answer = store.claim(claim(), NOW);

    IdempotencyRecord found = assertInstanceOf(Claim.Existing.class, answer).record();
    assertEquals("trace-1", found.traceId());
    assertEquals("claim-1", found.claimId());
    verify(dynamo, never()).getItem(any(GetItemRequest.class));
  }

  @Test
  void release_sendsADeleteConditionedOnOurOwnInProgressClaim() {
    store.release(KEY, "claim-1");

    ArgumentCaptor<DeleteItemRequest> captor = ArgumentCaptor.forClass(DeleteItemRequest.class);
    verify(dynamo).deleteItem(captor.capture());
    DeleteItemRequest delete = captor.getValue();
    assertEquals(TABLE, delete.tableName());
    assertEquals(Map.of("id", string(KEY)), delete.key());
    assertEquals(
        // Never a DISPATCHED record: its task runs, and deleting it would let a redelivery
        // launch the same batch again.
        "#status = :inProgress"
            // Only the claim this invocation wrote: after a takeover, the first holder's late
            // release must not free the key while the new holder is launching under it.
            + " AND #claimId = :claimId",
        delete.conditionExpression());
    assertEquals(
        Map.of("#status", "status", "#claimId", "claimId"), delete.expressionAttributeNames());
    assertEquals(
        Map.of(":inProgress", string("IN_PROGRESS"), ":claimId", string("claim-1")),
        delete.expressionAttributeValues());
  }

  @Test
  void release_whenTheConditionFails_doesNothing() {
    when(dynamo.deleteItem(any(DeleteItemRequest.class)))
        .thenThrow(ConditionalCheckFailedException.builder().message("failed").build());

    store.release(KEY, "claim-1");
  }

  @Test
  void markDispatched_sendsAnUpdateConditionedOnTheRecordExisting() {
    store.markDispatched(KEY, List.of(TASK_ARN), NOW);

    ArgumentCaptor<UpdateItemRequest> captor = ArgumentCaptor.forClass(UpdateItemRequest.class);
    verify(dynamo).updateItem(captor.capture());
    UpdateItemRequest update = captor.getValue();
    assertEquals(TABLE, update.tableName());
    assertEquals(Map.of("id", string(KEY)), update.key());
    assertEquals(
        "SET #status = :dispatched, taskArns = :arns, dispatchedAt = :now"
            // Without the claim, no release can delete the DISPATCHED record, and without the
            // hold nothing reads it as an abandoned claim.
            + " REMOVE inProgressUntil, claimId",
        update.updateExpression());
    assertEquals(
        // UpdateItem creates a missing item: without this, marking a released or deleted record
        // would create a DISPATCHED item with no expiresAt, which blocks the key forever.
        "attribute_exists(#id)", update.conditionExpression());
    assertEquals(Map.of("#status", "status", "#id", "id"), update.expressionAttributeNames());
    assertEquals(
        Map.of(
            ":dispatched", string("DISPATCHED"),
            ":arns", AttributeValue.builder().l(string(TASK_ARN)).build(),
            ":now", string("2026-11-23T02:00:00.123Z")),
        update.expressionAttributeValues());
  }

  @Test
  void markDispatched_whenTheConditionFails_failsRetryably() {
    when(dynamo.updateItem(any(UpdateItemRequest.class)))
        .thenThrow(ConditionalCheckFailedException.builder().message("failed").build());

    DispatchFailedException e =
        assertThrows(
            DispatchFailedException.class, () -> store.markDispatched(KEY, List.of(TASK_ARN), NOW));

    assertEquals(FailureReason.RECORD_UPDATE, e.reason());
    assertTrue(e.retryable());
  }

  private static IdempotencyRecord claim() {
    return IdempotencyRecord.builder()
        .id(KEY)
        .batchTypeId("daily-report")
        .status(IdempotencyRecord.Status.IN_PROGRESS)
        .traceId("trace-1")
        .requestHash("ab".repeat(32))
        .createdAt(NOW)
        .expiresAt(NOW.plusSeconds(86_400))
        .inProgressUntil(NOW.plusSeconds(40))
        .claimId("claim-1")
        .build();
  }

  private static AttributeValue string(String value) {
    return AttributeValue.builder().s(value).build();
  }

  private static AttributeValue number(String value) {
    return AttributeValue.builder().n(value).build();
  }

  // --- the item mapping ---------------------------------------------------------------------

  // Milliseconds: createdAt and inProgressUntil keep them.
  private static final Instant ROUND_TRIP_NOW = Instant.parse("2026-11-22T08:00:00.123Z");
  // Whole seconds: the item keeps expiresAt as TTL epoch seconds.
  private static final Instant ROUND_TRIP_EXPIRES = Instant.parse("2026-11-23T08:00:00Z");

  @Test
  void fromItem_ofToItem_whenInProgress_isTheSameRecord() {
    IdempotencyRecord claim =
        IdempotencyRecord.builder()
            .id("daily-report#abc")
            .batchTypeId("daily-report")
            .status(IdempotencyRecord.Status.IN_PROGRESS)
            .traceId("trace-1")
            .requestHash("abc")
            .createdAt(ROUND_TRIP_NOW)
            .expiresAt(ROUND_TRIP_EXPIRES)
            .inProgressUntil(ROUND_TRIP_NOW.plusSeconds(60))
            .claimId("claim-1")
            .build();

    assertEquals(claim, DynamoDbIdempotencyStore.fromItem(DynamoDbIdempotencyStore.toItem(claim)));
  }

  @Test
  void fromItem_ofToItem_whenDispatched_isTheSameRecordWithoutClaimAttributes() {
    IdempotencyRecord dispatched =
        IdempotencyRecord.builder()
            .id("daily-report#abc")
            .batchTypeId("daily-report")
            .status(IdempotencyRecord.Status.DISPATCHED)
            .traceId("trace-1")
            .requestHash("abc")
            .taskArns(List.of("arn:aws:ecs:eu-west-1:123456789012:task/batch/1"))
            .createdAt(ROUND_TRIP_NOW)
            .expiresAt(ROUND_TRIP_EXPIRES)
            .build();

    Map<String, AttributeValue> item = DynamoDbIdempotencyStore.toItem(dispatched);

    assertFalse(item.containsKey("inProgressUntil"));
    assertFalse(item.containsKey("claimId"));
    assertEquals(dispatched, DynamoDbIdempotencyStore.fromItem(item));
  }
}
