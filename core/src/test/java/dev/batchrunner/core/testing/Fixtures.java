package dev.batchrunner.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The tests' fixtures: the sample events (the files of {@code events/}) and the tests' own catalog,
 * {@code fixtures/catalog.json}, with the environment it needs. Tests never rely on the shipped
 * {@code batches.json}, which belongs to the user.
 */
public final class Fixtures {
  /** The tests' catalog, as a resource of this test-jar. */
  public static final String CATALOG_RESOURCE = "fixtures/catalog.json";

  /** What the tests' catalog needs from the environment, with test values. */
  public static final Map<String, String> CATALOG_ENV =
      Map.of(
          "CLUSTER_ARN", "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
          "SUBNET_IDS", "subnet-0aaa1111, subnet-0bbb2222",
          "SECURITY_GROUP_IDS", "sg-0ccc3333",
          "REPORT_BUCKET", "acme-reports");

  private Fixtures() {}

  /**
   * The repository's root (the folder with {@code events/} and {@code template.yaml}), found from
   * the working directory up: a module's tests run in the module's folder.
   */
  public static Path projectRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("events"))
          && Files.isRegularFile(dir.resolve("template.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no events/ and template.yaml above " + Path.of("").toAbsolutePath());
  }

  /** The tests' catalog's bytes. */
  public static byte[] catalog() {
    return classpath(CATALOG_RESOURCE);
  }

  /** The tests' catalog as a file, for {@code BATCH_CATALOG} (also in other JVMs). */
  public static Path catalogFile() {
    Path file = projectRoot().resolve("core/src/test/resources").resolve(CATALOG_RESOURCE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("the tests' catalog is missing: " + file);
    }
    return file;
  }

  /**
   * The file names in {@code events/task-state-change/} (the ECS Task State Change samples),
   * sorted: a {@code @MethodSource} for tests that must cover every one, new ones included.
   */
  public static java.util.stream.Stream<String> taskStateChangeFixtures() {
    try (var files = Files.list(events().resolve("task-state-change"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sample events folder, {@code events/}. */
  public static Path events() {
    return projectRoot().resolve("events");
  }

  /**
   * The environment the function reads, as Lambda would set it, pointed at local emulators (a
   * mutable map: tests add to it).
   */
  public static Map<String, String> functionEnvironment(
      String table, java.net.URI dynamoEndpoint, java.net.URI ecsEndpoint) {
    Map<String, String> env = new java.util.HashMap<>(CATALOG_ENV);
    env.put("BATCH_CATALOG", catalogFile().toString());
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
      return Files.readAllBytes(events().resolve(name));
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
