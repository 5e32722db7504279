package dev.batchrunner.aws.dynamodb;

import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.testing.IdempotencyStoreContract;
import dev.batchrunner.emulators.DynamoDbLocal;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The adapter held to {@link IdempotencyStoreContract} against DynamoDB Local over HTTP: its
 * condition expressions as DynamoDB evaluates them, the items as DynamoDB stores them.
 */
class DynamoDbIdempotencyStoreIT extends IdempotencyStoreContract {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static DynamoDbLocal dynamo;

  @BeforeAll
  static void startDynamoDb() {
    dynamo = DynamoDbLocal.start();
  }

  @AfterAll
  static void stopDynamoDb() {
    dynamo.close();
  }

  @Override
  protected IdempotencyStore newStore() {
    // A fresh table per test: cheaper than emptying one, and no test sees another's records.
    String table = "idempotency-contract-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
    return new DynamoDbIdempotencyStore(dynamo.client(), table);
  }
}
