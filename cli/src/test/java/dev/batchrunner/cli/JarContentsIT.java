package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the two runnable jars carry: the Lambda jar nothing of the CLI, emulators or tests; the CLI
 * jar none of the Lambda's start-up tricks and no DynamoDB Local (not ours to redistribute).
 */
class JarContentsIT {
  private static final Path CLI_JAR = Path.of("target", "batch-runner-cli.jar");
  private static final String METADATA_PROVIDER =
      "software/amazon/awssdk/regions/GeneratedServiceMetadataProvider.class";

  @Test
  void functionJar_whenPackaged_hasNoCliEmulatorOrTestClasses() throws Exception {
    Path jar = Fixtures.projectRoot().resolve("function/target/batch-runner.jar");

    List<String> found =
        entries(
            jar,
            "dev/batchrunner/cli/",
            "dev/batchrunner/emulators/",
            "dev/batchrunner/testkit/",
            "software/amazon/dynamodb/", // DynamoDB Local
            "com/amazonaws/services/dynamodbv2/local/",
            "com/github/tomakehurst/wiremock/", // WireMock
            "org/wiremock/",
            "org/junit/", // JUnit
            "picocli/");

    assertTrue(found.isEmpty(), () -> jar + " ships " + found);
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      assertNotNull(zip.getEntry("dev/batchrunner/BatchRunnerHandler.class"), "no handler");
    }
  }

  @Test
  void cliJar_whenPackaged_hasNoLambdaStartUpTricksAndNoDynamoDbLocal() throws Exception {
    List<String> found =
        entries(
            CLI_JAR,
            "dev/batchrunner/function/startup/", // priming, SnapStart hooks
            "dev/batchrunner/BatchRunnerHandler",
            "org/crac/",
            "software/amazon/dynamodb/", // DynamoDB Local
            "com/amazonaws/services/dynamodbv2/local/",
            "com/almworks/sqlite4java/",
            "org/eclipse/jetty/",
            "org/junit/",
            "org/wiremock/",
            "dev/batchrunner/testkit/");

    assertTrue(found.isEmpty(), () -> CLI_JAR + " ships " + found);
    try (JarFile jar = new JarFile(CLI_JAR.toFile())) {
      assertEquals(
          BatchRunnerCli.class.getName(),
          jar.getManifest().getMainAttributes().getValue("Main-Class"));
      assertNotNull(jar.getEntry("dev/batchrunner/cli/LocalCommand.class"));
      assertNotNull(jar.getEntry("dev/batchrunner/function/event/EventProcessor.class"));
      assertNotNull(jar.getEntry("picocli/CommandLine.class"));
      assertNotNull(jar.getEntry("batches.json"), "the shipped catalog");
    }
  }

  @Test
  void cliJar_whenPackaged_logsThroughLogbackOnly() throws Exception {
    // function's classes come with the Lambda's own SLF4J provider; its services file stays out.
    try (ZipFile jar = new ZipFile(CLI_JAR.toFile())) {
      ZipEntry providers = jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider");
      assertNotNull(providers, "no SLF4J provider registered");
      String registered =
          new String(jar.getInputStream(providers).readAllBytes(), StandardCharsets.UTF_8).strip();
      assertEquals("ch.qos.logback.classic.spi.LogbackServiceProvider", registered);
    }
  }

  @Test
  void cliJar_whenPackaged_hasTheSdksOwnServiceMetadataProvider() throws Exception {
    String regionsJar = System.getProperty("sdk.regions.jar");
    assertTrue(
        regionsJar != null && Files.isRegularFile(Path.of(regionsJar)),
        "failsafe passes the SDK regions jar as sdk.regions.jar: " + regionsJar);

    try (ZipFile sdk = new ZipFile(regionsJar);
        ZipFile cli = new ZipFile(CLI_JAR.toFile())) {
      ZipEntry shipped = cli.getEntry(METADATA_PROVIDER);
      if (shipped != null) {
        assertArrayEquals(
            sdk.getInputStream(sdk.getEntry(METADATA_PROVIDER)).readAllBytes(),
            cli.getInputStream(shipped).readAllBytes(),
            "the CLI jar ships a shadowed " + METADATA_PROVIDER);
      }
    }
  }

  private static List<String> entries(Path jar, String... prefixes) throws Exception {
    assertTrue(Files.isRegularFile(jar), jar + " is not built");
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream()
          .map(ZipEntry::getName)
          .filter(name -> List.of(prefixes).stream().anyMatch(name::startsWith))
          .limit(20)
          .toList();
    }
  }
}
