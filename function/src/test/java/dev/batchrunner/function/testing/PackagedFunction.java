package dev.batchrunner.function.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.testkit.LambdaProcess;
import dev.batchrunner.testkit.LocalRuntimeApi;
import dev.batchrunner.testkit.LocalRuntimeApi.Answer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The Lambda jar {@code mvn package} builds ({@code target/batch-runner.jar}), in an execution
 * environment of its own: a JVM under the runtime interface client, configured by environment
 * variables only, fed through its own local Runtime API. Its stdout and stderr go to {@code
 * target/lambda-logs/<name>.log}.
 */
public final class PackagedFunction implements AutoCloseable {
  public static final Path JAR = Path.of("target", "batch-runner.jar");
  public static final String HANDLER = "dev.batchrunner.BatchRunnerHandler::handleRequest";

  /** The longest a test waits for one answer (the SDK's retries included). */
  public static final Duration WAIT = Duration.ofSeconds(20);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalRuntimeApi api;
  private final LambdaProcess process;

  private PackagedFunction(LocalRuntimeApi api, LambdaProcess process) {
    this.api = api;
    this.process = process;
  }

  /** Starts the jar with this environment (the template's variables, credentials, endpoints). */
  public static PackagedFunction start(String name, Map<String, String> environment) {
    LocalRuntimeApi api = LocalRuntimeApi.start();
    try {
      LambdaProcess process =
          LambdaProcess.builder()
              .function(JAR)
              .handler(HANDLER)
              .runtimeApi(api)
              .environment(environment)
              .log(Path.of("target", "lambda-logs", name + ".log"))
              .start();
      return new PackagedFunction(api, process);
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
  }

  public LocalRuntimeApi api() {
    return api;
  }

  public LambdaProcess process() {
    return process;
  }

  /** Invokes the function with this event and waits for its response or error. */
  public Answer invoke(byte[] event) throws InterruptedException {
    return await(api.submit(event).answer());
  }

  public Answer invoke(String event) throws InterruptedException {
    return invoke(event.getBytes(StandardCharsets.UTF_8));
  }

  /** The value of {@code future}, or a failure with the process's command and output. */
  public <T> T await(CompletableFuture<T> future) throws InterruptedException {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return fail("no answer within " + WAIT + "\n" + process.describe());
    } catch (ExecutionException e) {
      return fail(e.getCause() + "\n" + process.describe());
    }
  }

  /** Everything the function wrote to stdout and stderr so far. */
  public String output() {
    return process.output();
  }

  /** The lines of the output that are JSON objects (log lines and EMF metrics), parsed. */
  public List<JsonNode> jsonLines() {
    return Stream.of(output().split("\n"))
        .filter(line -> line.startsWith("{"))
        .map(PackagedFunction::parse)
        .toList();
  }

  /**
   * The first JSON line that matches, waiting a little for it: a line is written before the answer
   * is posted, but the file may lag behind the process's stdout.
   */
  public JsonNode awaitLine(Predicate<JsonNode> matching) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      for (JsonNode line : jsonLines()) {
        if (matching.test(line)) {
          return line;
        }
      }
      if (System.nanoTime() > deadline) {
        return fail("no such log line\n" + process.describe());
      }
      Thread.sleep(20);
    }
  }

  /**
   * Waits a little for {@code text} to appear in the output after its first {@code from} characters
   * (what a test wrote so far: {@code output().length()} before it invoked).
   */
  public void awaitOutput(int from, String text) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      String output = output();
      if (output.length() > from && output.substring(from).contains(text)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("no \"" + text + "\" in the output\n" + process.describe());
      }
      Thread.sleep(20);
    }
  }

  /** The process first: the API then drops the {@code /next} it holds, unanswered. */
  @Override
  public void close() {
    try {
      process.close();
    } finally {
      api.close();
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("not a JSON line: " + line, e);
    }
  }
}
