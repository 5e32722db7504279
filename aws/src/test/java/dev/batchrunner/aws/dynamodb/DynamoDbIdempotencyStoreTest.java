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
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
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
            // An abandoned IN_PROGRESS claim is NOT taken over here: a put would replace its
            // attempts; the dispatcher takes it over with a replace that keeps them.
            + " OR #expiresAt < :nowSeconds",
        put.conditionExpression());
    assertEquals(
        // expiresAt must be the attribute the table's TTL is enabled on (template.yaml,
        // DynamoDbLocal.createIdempotencyTable).
        Map.of("#id", "id", "#expiresAt", "expiresAt"), put.expressionAttributeNames());
    assertEquals(
        // In TTL's unit, epoch seconds: millis would make every record look live forever.
        Map.of(":nowSeconds", number("1795399200")), put.expressionAttributeValues());
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
                .item(IdempotencyItems.toItem(claim()))
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
  void replace_sendsAWholeItemPutConditionedOnTheRevisionRead() {
    when(dynamo.putItem(any(PutItemRequest.class))).thenReturn(null);

    assertTrue(store.replace(claim().toBuilder().revision("rev-2").build(), "rev-1"));

    ArgumentCaptor<PutItemRequest> captor = ArgumentCaptor.forClass(PutItemRequest.class);
    verify(dynamo).putItem(captor.capture());
    PutItemRequest put = captor.getValue();
    assertEquals(TABLE, put.tableName());
    // Optimistic locking: of two writers that read rev-1, only the first put passes.
    assertEquals("#revision = :expected", put.conditionExpression());
    assertEquals(Map.of("#revision", "revision"), put.expressionAttributeNames());
    assertEquals(Map.of(":expected", string("rev-1")), put.expressionAttributeValues());
    assertEquals(string("rev-2"), put.item().get("revision"));
  }

  @Test
  void replace_ofARecordWrittenBeforeRevisions_isConditionedOnItHavingNone() {
    when(dynamo.putItem(any(PutItemRequest.class))).thenReturn(null);

    assertTrue(store.replace(claim(), null));

    ArgumentCaptor<PutItemRequest> captor = ArgumentCaptor.forClass(PutItemRequest.class);
    verify(dynamo).putItem(captor.capture());
    // attribute_exists: a put would otherwise create a record that was deleted meanwhile.
    assertEquals(
        "attribute_exists(#id) AND attribute_not_exists(#revision)",
        captor.getValue().conditionExpression());
    assertEquals(
        Map.of("#id", "id", "#revision", "revision"), captor.getValue().expressionAttributeNames());
  }

  @Test
  void replace_whenTheConditionFails_answersFalse() {
    when(dynamo.putItem(any(PutItemRequest.class)))
        .thenThrow(ConditionalCheckFailedException.builder().message("failed").build());

    assertFalse(store.replace(claim(), "rev-0"));
  }

  @Test
  void replace_whenDynamoDbFails_failsRetryably() {
    when(dynamo.putItem(any(PutItemRequest.class)))
        .thenThrow(
            software.amazon.awssdk.services.dynamodb.model.DynamoDbException.builder()
                .message("boom")
                .build());

    DispatchFailedException e =
        assertThrows(DispatchFailedException.class, () -> store.replace(claim(), "rev-0"));

    assertEquals(FailureReason.IDEMPOTENCY_STORE, e.reason());
    assertTrue(e.retryable());
  }

  @Test
  void find_readsConsistently() {
    when(dynamo.getItem(any(GetItemRequest.class)))
        .thenReturn(
            software.amazon.awssdk.services.dynamodb.model.GetItemResponse.builder()
                .item(IdempotencyItems.toItem(claim()))
                .build());

    assertEquals(claim(), store.find(KEY).orElseThrow());

    ArgumentCaptor<GetItemRequest> captor = ArgumentCaptor.forClass(GetItemRequest.class);
    verify(dynamo).getItem(captor.capture());
    // An eventually consistent read could miss the write a task event must be applied to.
    assertTrue(captor.getValue().consistentRead());
    assertEquals(Map.of("id", string(KEY)), captor.getValue().key());
  }

  private static IdempotencyRecord claim() {
    return IdempotencyRecord.builder()
        .id(KEY)
        .batchTypeId("daily-report")
        .status(RequestStatus.IN_PROGRESS)
        .traceId("trace-1")
        .requestHash("ab".repeat(32))
        .createdAt(NOW)
        .expiresAt(NOW.plusSeconds(86_400).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        .inProgressUntil(NOW.plusSeconds(40))
        .claimId("claim-1")
        .revision("rev-1")
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
            .status(RequestStatus.IN_PROGRESS)
            .traceId("trace-1")
            .requestHash("abc")
            .createdAt(ROUND_TRIP_NOW)
            .expiresAt(ROUND_TRIP_EXPIRES)
            .inProgressUntil(ROUND_TRIP_NOW.plusSeconds(60))
            .claimId("claim-1")
            .revision("rev-1")
            .build();

    assertEquals(claim, IdempotencyItems.fromItem(IdempotencyItems.toItem(claim)));
  }

  @Test
  void fromItem_ofToItem_withAttemptsParametersAndAPendingCompletion_isTheSameRecord() {
    Attempt first =
        new Attempt(
            1,
            "arn:aws:ecs:eu-west-1:123456789012:task/batch/1",
            "STOPPED",
            6,
            137,
            "SpotInterruption",
            "Your Spot Task was interrupted.",
            "OutOfMemoryError: Container killed",
            ROUND_TRIP_NOW.plusSeconds(5),
            ROUND_TRIP_NOW.plusSeconds(65));
    Attempt second = Attempt.pending(2).withTask("arn:aws:ecs:eu-west-1:123456789012:task/batch/2");
    IdempotencyRecord record =
        IdempotencyRecord.builder()
            .id("daily-report#abc")
            .batchTypeId("daily-report")
            .status(RequestStatus.DISPATCHED)
            .traceId("trace-1")
            .requestHash("abc")
            .explicitKey("daily-report/2026-11-23")
            .parameters(Map.of("reportDate", "2026-11-23", "apiToken", "s3cr3t"))
            .attempts(2, List.of(first, second))
            .createdAt(ROUND_TRIP_NOW)
            .expiresAt(ROUND_TRIP_EXPIRES)
            .revision("rev-7")
            .completionDue(ROUND_TRIP_NOW.plusSeconds(1))
            .build();

    Map<String, AttributeValue> item = IdempotencyItems.toItem(record);

    assertFalse(item.containsKey("inProgressUntil"));
    assertFalse(item.containsKey("claimId"));
    // For people reading the table: every attempt's task, in order.
    assertEquals(
        AttributeValue.builder()
            .l(
                string("arn:aws:ecs:eu-west-1:123456789012:task/batch/1"),
                string("arn:aws:ecs:eu-west-1:123456789012:task/batch/2"))
            .build(),
        item.get("taskArns"));
    assertEquals(record, IdempotencyItems.fromItem(item));
  }

  @Test
  void fromItem_ofAnItemWrittenBeforeAttempts_isAttempt1WithItsTask() {
    Map<String, AttributeValue> legacy =
        Map.of(
            "id", string("daily-report#abc"),
            "batchTypeId", string("daily-report"),
            "status", string("DISPATCHED"),
            "traceId", string("trace-1"),
            "requestHash", string("abc"),
            "taskArns",
                AttributeValue.builder()
                    .l(string("arn:aws:ecs:eu-west-1:123456789012:task/batch/1"))
                    .build(),
            "createdAt", string("2026-11-22T08:00:00.123Z"),
            "expiresAt", number("1795420800"),
            "dispatchedAt", string("2026-11-22T08:00:01Z"));

    IdempotencyRecord record = IdempotencyItems.fromItem(legacy);

    assertEquals(RequestStatus.DISPATCHED, record.status());
    assertEquals(1, record.attempt());
    assertEquals(List.of("arn:aws:ecs:eu-west-1:123456789012:task/batch/1"), record.taskArns());
    assertEquals(null, record.revision(), "replaced with the legacy condition");
    assertEquals(Map.of(), record.parameters());
  }
}
