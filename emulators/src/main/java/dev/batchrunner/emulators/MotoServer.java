package dev.batchrunner.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * A moto server ({@code python3 -m moto.server}, else {@code moto_server}) as a child process on a
 * free loopback port, with ECS tasks pinned at their first status. Its output goes to {@code
 * target/moto/moto-server-<port>.log}.
 *
 * <pre>
 * RequiredTool.require(MotoServer.available(), "...");
 * try (MotoServer moto = MotoServer.start()) {
 *   EcsClient ecs = MotoServer.configure(EcsClient.builder(), moto.endpoint()).build();
 * }
 * </pre>
 */
public final class MotoServer implements AutoCloseable {
  public static final Region REGION = Region.EU_WEST_1;

  /** moto's default account, the one in every ARN it makes. */
  public static final String ACCOUNT_ID = "123456789012";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Path LOG_DIR = Path.of("target", "moto");
  private static final String PIN_ECS_TASKS =
      "{\"model_name\":\"ecs::task\",\"transition\":{\"progression\":\"manual\",\"times\":1000000}}";

  /** The command that starts moto here, without host and port; empty when it cannot. */
  private static List<String> launcher;

  private final Process process;
  private final URI endpoint;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private MotoServer(Process process, URI endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
  }

  /**
   * Whether moto's server can be started here: {@code python3} imports {@code moto.server}, or
   * {@code moto_server} is on the PATH. Checked once per JVM.
   */
  public static boolean available() {
    return !launcher().isEmpty();
  }

  /**
   * Starts a server and waits until it answers (at most 20 s), then pins ECS task transitions.
   *
   * @throws IllegalStateException when it does not come up; the message holds its output
   */
  public static MotoServer start() {
    return start(LOG_DIR);
  }

  /**
   * {@link #start()}, with the server's output in {@code logDir} (the CLI's state folder rather
   * than the working directory's {@code target/}).
   */
  public static MotoServer start(Path logDir) {
    List<String> base = launcher();
    if (base.isEmpty()) {
      throw new IllegalStateException(
          "moto is not installed (python3 cannot import moto.server, no moto_server on the PATH)");
    }
    int port = DynamoDbLocal.freePort();
    List<String> command = new ArrayList<>(base);
    command.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
    Path log = logDir.resolve("moto-server-" + port + ".log");
    Process process;
    try {
      Files.createDirectories(logDir);
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + String.join(" ", command), e);
    }
    MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log);
    try {
      server.awaitReady(String.join(" ", command));
      server.pinEcsTasks();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The base URL, for {@code endpointOverride} of any service client. */
  public URI endpoint() {
    return endpoint;
  }

  /** Where the server's output goes. */
  public Path log() {
    return log;
  }

  /** Forgets every resource of every service, then pins ECS task transitions again. */
  public void reset() {
    post("/moto-api/reset", "", 200);
    pinEcsTasks();
  }

  /**
   * Keeps each ECS task at its first status: without this every DescribeTasks moves a task one
   * status on (PROVISIONING, PENDING, ACTIVATING, RUNNING, ... STOPPED).
   */
  public void pinEcsTasks() {
    post("/moto-api/state-manager/set-transition", PIN_ECS_TASKS, 201);
  }

  /** Stops the server (and any process it spawned). */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sets up a client builder for moto at {@code endpoint}: region eu-west-1, static test
   * credentials, URLConnection HTTP client, SDK retries off (moto's 500s are bugs to see, not
   * faults to retry). Callers add anything else and call {@code build()}.
   */
  public static <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(
      B builder, URI endpoint) {
    return builder
        .endpointOverride(endpoint)
        .region(REGION)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallTimeout(Duration.ofSeconds(30))
                .build());
  }

  /** {@link #configure(AwsClientBuilder, URI)} for this server. */
  public <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B configure(B builder) {
    return configure(builder, endpoint);
  }

  private void awaitReady(String command) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    HttpRequest ping =
        HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            command + " exited with " + process.exitValue() + " before answering:\n" + output());
      }
      try {
        if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for moto", e);
      }
      sleep(100);
    }
    throw new IllegalStateException(
        command
            + " did not answer GET /moto-api/ within "
            + START_TIMEOUT.toSeconds()
            + " s; output ("
            + log
            + "):\n"
            + output());
  }

  private void post(String path, String body, int expectedStatus) {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("POST " + path + " to moto failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: POST " + path, e);
    }
    if (response.statusCode() != expectedStatus) {
      throw new IllegalStateException(
          "POST " + path + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  private String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private static synchronized List<String> launcher() {
    if (launcher == null) {
      if (pythonHasMoto()) {
        launcher = List.of("python3", "-m", "moto.server");
      } else if (Tools.onPath("moto_server")) {
        launcher = List.of("moto_server");
      } else {
        launcher = List.of();
      }
    }
    return launcher;
  }

  private static boolean pythonHasMoto() {
    if (!Tools.onPath("python3")) {
      return false;
    }
    try {
      Process check =
          new ProcessBuilder("python3", "-c", "import moto.server")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!check.waitFor(30, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        return false;
      }
      return check.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for moto", e);
    }
  }
}
