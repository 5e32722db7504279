package dev.batchrunner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The project's sample events (the same files as {@code events/}) and a test catalog env. */
public final class Fixtures {
  /** What the shipped batches.json needs from the environment, with test values. */
  public static final Map<String, String> CATALOG_ENV =
      Map.of(
          "CLUSTER_ARN", "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
          "SUBNET_IDS", "subnet-0aaa1111, subnet-0bbb2222",
          "SECURITY_GROUP_IDS", "sg-0ccc3333",
          "REPORT_BUCKET", "acme-reports");

  private Fixtures() {}

  /**
   * The environment the function reads, as Lambda would set it, pointed at local emulators (a
   * mutable map: tests add to it).
   */
  public static Map<String, String> functionEnvironment(
      String table, java.net.URI dynamoEndpoint, java.net.URI ecsEndpoint) {
    Map<String, String> env = new java.util.HashMap<>(CATALOG_ENV);
    env.put("IDEMPOTENCY_TABLE", table);
    env.put("AWS_REGION", "eu-west-1");
    env.put("AWS_ACCESS_KEY_ID", "local"); // DynamoDB Local keeps one database per access key
    env.put("AWS_SECRET_ACCESS_KEY", "local");
    env.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoEndpoint.toString());
    env.put("AWS_ENDPOINT_URL_ECS", ecsEndpoint.toString());
    return env;
  }

  /** The bytes of {@code events/<name>}. */
  public static byte[] event(String name) {
    try {
      return Files.readAllBytes(Path.of("events").resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] classpath(String name) {
    try (var in = Fixtures.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no " + name + " on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
