package dev.batchrunner.cli;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the guard's integration tests: DynamoDB Local for the class, a fresh idempotency table
 * per test, and the environment of an EcsDirect task carrying the monolith's daily-report request
 * (what the rule's InputTransformer writes, plus what the guard itself needs).
 */
abstract class GuardTestBase {
  private static final AtomicInteger TABLES = new AtomicInteger();

  /** The key of the monolith's request in that environment. */
  static final String MONOLITH_KEY =
      "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8";

  static DynamoDbLocal dynamo;
  String table;
  DynamoDbIdempotencyStore store;

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
    table = getClass().getSimpleName().toLowerCase(Locale.ROOT) + "-" + TABLES.incrementAndGet();
    dynamo.createIdempotencyTable(table);
    store = new DynamoDbIdempotencyStore(dynamo.client(), table);
  }

  /**
   * The task's environment: the catalog's placeholders, the table, DynamoDB Local, the task's own
   * ARN (none when null) and the request as the rule's transformer writes it.
   */
  Map<String, String> guardEnvironment(String taskArn) {
    Map<String, String> env = new HashMap<>(Fixtures.CATALOG_ENV);
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    env.put("IDEMPOTENCY_TABLE", table);
    env.put("AWS_REGION", "eu-west-1");
    env.put("AWS_ACCESS_KEY_ID", "local"); // DynamoDB Local keeps one database per access key
    env.put("AWS_SECRET_ACCESS_KEY", "local");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
    if (taskArn != null) {
      env.put("BATCH_RUNNER_TASK_ARN", taskArn);
    }
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("TRACE_ID", "8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11");
    env.put("BATCH_RUNNER_EVENT_ID", "6a7e8feb-b491-4cf7-a9f1-bf3703467718");
    env.put("BATCH_RUNNER_REQUEST_KEY", "");
    env.put("REPORT_DATE", "2026-11-22");
    env.put("TENANT", "acme");
    env.put("OUTPUT_BUCKET", "acme-reports");
    return env;
  }
}
