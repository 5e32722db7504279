package dev.batchrunner.aws.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.batchrunner.core.dispatch.IdempotencyRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbIdempotencyStoreTest {
  // Milliseconds: createdAt and inProgressUntil keep them.
  private static final Instant NOW = Instant.parse("2026-11-22T08:00:00.123Z");
  // Whole seconds: the item keeps expiresAt as TTL epoch seconds.
  private static final Instant EXPIRES = Instant.parse("2026-11-23T08:00:00Z");

  @Test
  void fromItem_ofToItem_whenInProgress_isTheSameRecord() {
    IdempotencyRecord claim =
        IdempotencyRecord.builder()
            .id("daily-report#abc")
            .batchTypeId("daily-report")
            .status(IdempotencyRecord.Status.IN_PROGRESS)
            .traceId("trace-1")
            .requestHash("abc")
            .createdAt(NOW)
            .expiresAt(EXPIRES)
            .inProgressUntil(NOW.plusSeconds(60))
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
            .createdAt(NOW)
            .expiresAt(EXPIRES)
            .build();

    Map<String, AttributeValue> item = DynamoDbIdempotencyStore.toItem(dispatched);

    assertFalse(item.containsKey("inProgressUntil"));
    assertFalse(item.containsKey("claimId"));
    assertEquals(dispatched, DynamoDbIdempotencyStore.fromItem(item));
  }
}
