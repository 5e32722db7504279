package dev.batchrunner.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchrunner.emulators.DynamoDbLocal;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the integration tests that talk real HTTP to DynamoDB Local and the ECS stub: one of each
 * per test class, started before its first test and stopped after its last.
 */
public abstract class EmulatorTest {
  private static final AtomicInteger TABLES = new AtomicInteger();

  protected static DynamoDbLocal dynamo;
  protected static EcsStub ecs;

  @BeforeAll
  static void startEmulators() {
    dynamo = DynamoDbLocal.start();
    ecs = EcsStub.start();
  }

  @AfterAll
  static void stopEmulators() {
    ecs.close();
    dynamo.close();
  }

  /** A new, empty idempotency table (cheaper than emptying one). */
  protected static String newTable(String prefix) {
    String table = prefix + "-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
    return table;
  }

  /** The one item of {@code table}, read consistently; fails unless there is exactly one. */
  protected static java.util.Map<
          String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>
      onlyRecord(String table) {
    var items = dynamo.client().scan(b -> b.tableName(table).consistentRead(true)).items();
    assertEquals(1, items.size(), items.toString());
    return items.get(0);
  }
}
