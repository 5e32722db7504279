package dev.batchrunner.cli;

import java.io.IOException;
import java.io.InputStream;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * The main class of {@link LocalDynamoDb}'s child JVM (never loaded in the CLI's own JVM, whose jar
 * has no DynamoDB Local): starts DynamoDB Local with the given arguments and runs until its stdin
 * ends, which happens when the CLI closes it or dies. Then it exits at once: DynamoDB Local's TTL
 * thread is no daemon and would keep the JVM alive.
 */
public final class DynamoDbLocalChild {
  private DynamoDbLocalChild() {}

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
    server.start();
    waitForEndOfInput(System.in);
    try {
      server.stop();
    } finally {
      // Every write was committed when it was answered; nothing else is worth waiting for.
      Runtime.getRuntime().halt(0);
    }
  }

  private static void waitForEndOfInput(InputStream in) {
    try {
      while (in.read() >= 0) {
        // the CLI writes nothing: only the end counts
      }
    } catch (IOException closed) {
      // the CLI is gone
    }
  }
}
