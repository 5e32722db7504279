package dev.batchrunner.emulators;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalSecondaryIndexAction;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** DynamoDB Local in this JVM, reached over real HTTP on a free loopback port. */
public final class DynamoDbLocal implements AutoCloseable {
  public static final Region REGION = Region.EU_WEST_1;

  private final DynamoDBProxyServer server;
  private final int port;
  private final DynamoDbClient client;

  private DynamoDbLocal(DynamoDBProxyServer server, int port) {
    this.server = server;
    this.port = port;
    this.client = client(endpoint());
  }

  /** Starts an in-memory instance. */
  public static DynamoDbLocal start() {
    return start(null);
  }

  /** Starts an instance that keeps its data in {@code dbPath} (in memory when null). */
  public static DynamoDbLocal start(String dbPath) {
    quietJetty();
    int port = freePort();
    List<String> args =
        new ArrayList<>(List.of("-port", Integer.toString(port), "-disableTelemetry"));
    if (dbPath == null) {
      args.add("-inMemory");
    } else {
      args.addAll(List.of("-dbPath", dbPath, "-sharedDb"));
    }
    // DynamoDB Local prints its configuration banner on stdout: keep the runner's output clean.
    java.io.PrintStream stdout = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    try {
      DynamoDBProxyServer server =
          ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
      server.start();
      return new DynamoDbLocal(server, port);
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local did not start", e);
    } finally {
      System.setOut(stdout);
    }
  }

  /**
   * Jetty's start/stop lines say nothing about the code under test: at WARN where the backend is
   * logback (the CLI's, and the tests of modules that use it). The function's tests run on the
   * function's own backend, without logback on the classpath: there Jetty's start lines go to the
   * silenced stdout of {@link #start(String)}, and only its two stop lines show.
   */
  private static void quietJetty() {
    org.slf4j.Logger jetty = org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty");
    if ("ch.qos.logback.classic.Logger".equals(jetty.getClass().getName())) {
      Logback.warnOnly(jetty);
    }
  }

  /** Loaded only where logback is the backend. */
  private static final class Logback {
    static void warnOnly(org.slf4j.Logger logger) {
      ((ch.qos.logback.classic.Logger) logger).setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public DynamoDbClient client() {
    return client;
  }

  /** A client for an endpoint with test credentials and few retries. */
  public static DynamoDbClient client(URI endpoint) {
    return DynamoDbClient.builder()
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(ClientOverrideConfiguration.builder().build())
        .build();
  }

  /** Creates the idempotency table as template.yaml declares it (key id, TTL expiresAt). */
  /** The table's global secondary indexes, as template.yaml declares them (name to key schema). */
  static final List<GlobalSecondaryIndex> INDEXES =
      List.of(
          index("byTraceId", key("traceId", KeyType.HASH)),
          index(
              "byBatchType", key("batchTypeId", KeyType.HASH), key("createdAtMs", KeyType.RANGE)));

  /**
   * Creates the idempotency table as template.yaml does: key {@code id}, TTL on {@code expiresAt},
   * the operator's indexes. A table kept from an earlier run gets the indexes it lacks.
   */
  public static void createIdempotencyTable(DynamoDbClient client, String table) {
    List<AttributeDefinition> attributes =
        List.of(
            attribute("id", ScalarAttributeType.S),
            attribute("traceId", ScalarAttributeType.S),
            attribute("batchTypeId", ScalarAttributeType.S),
            attribute("createdAtMs", ScalarAttributeType.N));
    try {
      client.createTable(
          b ->
              b.tableName(table)
                  .billingMode(BillingMode.PAY_PER_REQUEST)
                  .attributeDefinitions(attributes)
                  .keySchema(key("id", KeyType.HASH))
                  .globalSecondaryIndexes(INDEXES));
      client.updateTimeToLive(
          b ->
              b.tableName(table)
                  .timeToLiveSpecification(
                      TimeToLiveSpecification.builder()
                          .attributeName("expiresAt")
                          .enabled(true)
                          .build()));
    } catch (ResourceInUseException alreadyThere) {
      // Kept from an earlier run (the local runner's state): add the indexes it may lack.
      List<String> existing = new ArrayList<>();
      var described = client.describeTable(b -> b.tableName(table)).table();
      if (described.hasGlobalSecondaryIndexes()) {
        described.globalSecondaryIndexes().forEach(i -> existing.add(i.indexName()));
      }
      for (GlobalSecondaryIndex index : INDEXES) {
        if (!existing.contains(index.indexName())) {
          // One index at a time, as DynamoDB allows: the next waits until this one is ACTIVE.
          awaitIndexesActive(client, table);
          client.updateTable(
              b ->
                  b.tableName(table)
                      .attributeDefinitions(attributes)
                      .globalSecondaryIndexUpdates(
                          GlobalSecondaryIndexUpdate.builder()
                              .create(
                                  CreateGlobalSecondaryIndexAction.builder()
                                      .indexName(index.indexName())
                                      .keySchema(index.keySchema())
                                      .projection(index.projection())
                                      .build())
                              .build()));
        }
      }
    }
  }

  private static void awaitIndexesActive(DynamoDbClient client, String table) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      var description = client.describeTable(b -> b.tableName(table)).table();
      boolean active =
          !description.hasGlobalSecondaryIndexes()
              || description.globalSecondaryIndexes().stream()
                  .allMatch(i -> "ACTIVE".equals(i.indexStatusAsString()));
      if (active) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("indexes of " + table + " not ACTIVE within 60 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + table, e);
      }
    }
  }

  private static GlobalSecondaryIndex index(String name, KeySchemaElement... keys) {
    return GlobalSecondaryIndex.builder()
        .indexName(name)
        .keySchema(keys)
        .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
        .build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }

  private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
    return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
  }

  public void createIdempotencyTable(String table) {
    createIdempotencyTable(client, table);
  }

  @Override
  public void close() {
    client.close();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local did not stop", e);
    }
  }

  /** A free loopback port. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
