package dev.batchrunner.cli;

import dev.batchrunner.emulators.DynamoDbLocal;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * DynamoDB Local in a JVM of its own, started from the classpath the build writes beside the CLI
 * jar ({@value #CLASSPATH_FILE}): the jar does not carry DynamoDB Local, whose licence is the
 * vendor's own terms. The child runs {@link DynamoDbLocalChild}, which stops when this JVM closes
 * its stdin or dies; so nothing of DynamoDB Local (its non-daemon TTL thread) outlives the answer.
 */
final class LocalDynamoDb implements AutoCloseable {
  /**
   * The file beside the jar (or beside {@code target/classes}) that lists DynamoDB Local's jars.
   */
  static final String CLASSPATH_FILE = "dynamodb-local.classpath";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(3);
  private static final int START_ATTEMPTS = 3;

  // Start-up flags for a short-lived server: no optimising compiler, the small collector.
  private static final List<String> JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

  private final List<String> command;
  private final Path log;
  private Process process;
  private int port;

  private LocalDynamoDb(List<String> command, Path log) {
    this.command = command;
    this.log = log;
  }

  /**
   * Starts DynamoDB Local without waiting for it (see {@link #awaitReady}).
   *
   * @param dbDir where it keeps its data ({@code -sharedDb}), or null to keep it in memory
   * @param log where its output goes
   * @throws CliException (exit 1) when the classpath file is missing or lists missing jars
   */
  static LocalDynamoDb start(Path dbDir, Path log) {
    Path self = codeSource();
    String classpath = dynamoDbLocalClasspath(self.getParent().resolve(CLASSPATH_FILE));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.add("-cp");
    // DynamoDB Local's own jars first: the CLI's copies of shared libraries must not win.
    command.add(classpath + File.pathSeparator + self);
    command.add(DynamoDbLocalChild.class.getName());
    command.add("-disableTelemetry");
    if (dbDir == null) {
      command.add("-inMemory");
    } else {
      command.addAll(List.of("-sharedDb", "-dbPath", dbDir.toAbsolutePath().toString()));
    }
    LocalDynamoDb dynamo = new LocalDynamoDb(command, log);
    dynamo.spawn();
    return dynamo;
  }

  /** Waits until it listens, restarting it on another port if it could not take the first. */
  LocalDynamoDb awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    for (int attempt = 1; ; attempt++) {
      while (process.isAlive() && System.nanoTime() < deadline) {
        if (listening()) {
          return this;
        }
        sleep(20);
      }
      if (process.isAlive()) {
        close();
        throw new CliException(
            ExitCode.FAILURE,
            "DynamoDB Local did not listen on port "
                + port
                + " within "
                + START_TIMEOUT.toSeconds()
                + " s; its output ("
                + log
                + "):\n"
                + output());
      }
      if (attempt == START_ATTEMPTS) {
        throw new CliException(
            ExitCode.FAILURE,
            "DynamoDB Local exited with status "
                + process.exitValue()
                + " before listening; its output ("
                + log
                + "):\n"
                + output());
      }
      spawn(); // most likely another process took the free port meanwhile
    }
  }

  /** Its endpoint, for the SDK client's {@code endpointOverride}. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Tells it to stop (closes its stdin), without waiting: {@link #close} waits. */
  void stopSoon() {
    try {
      process.getOutputStream().close();
    } catch (IOException alreadyGone) {
      // it exited by itself
    }
  }

  /** Stops it: closes its stdin, then kills it if it has not gone after a few seconds. */
  @Override
  public void close() {
    stopSoon();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void spawn() {
    port = DynamoDbLocal.freePort();
    List<String> withPort = new ArrayList<>(command);
    withPort.addAll(List.of("-port", Integer.toString(port)));
    try {
      Files.createDirectories(log.getParent());
      process =
          new ProcessBuilder(withPort)
              // Its working directory gets whatever files it leaves: not the user's.
              .directory(log.getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE, "cannot start DynamoDB Local (" + withPort.get(0) + "): " + e, e);
    }
  }

  private boolean listening() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private String output() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /**
   * The jars the build listed, checked: each must still exist (a cleaned Maven repository is the
   * likely reason one does not).
   */
  private static String dynamoDbLocalClasspath(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CliException(
          ExitCode.FAILURE,
          "DynamoDB Local is not in the CLI jar (its licence is not open source): `local` starts it"
              + " from the classpath the build writes next to the jar, "
              + file
              + ", which is missing. Run the CLI from the repository's cli/target/ after building"
              + " it: ./batch-runner does both (or mvn -pl cli -am package -DskipTests).");
    }
    String classpath;
    try {
      classpath = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new CliException(ExitCode.FAILURE, "cannot read " + file + ": " + e, e);
    }
    List<String> missing =
        Arrays.stream(classpath.split(File.pathSeparator))
            .filter(entry -> !entry.isBlank() && !Files.exists(Path.of(entry)))
            .toList();
    if (classpath.isEmpty() || !missing.isEmpty()) {
      throw new CliException(
          ExitCode.FAILURE,
          file
              + " lists "
              + (classpath.isEmpty()
                  ? "no jars"
                  : missing.size() + " jars that are gone, e.g. " + missing.get(0))
              + ": rebuild the CLI (./batch-runner rebuilds when the jar is older than a source;"
              + " or mvn -pl cli -am package -DskipTests).");
    }
    return classpath;
  }

  /** The CLI's jar, or its classes folder when run from the build (tests). */
  private static Path codeSource() {
    try {
      return Path.of(
          LocalDynamoDb.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.FAILURE, "interrupted while DynamoDB Local was starting");
    }
  }
}
