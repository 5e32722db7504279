package dev.batchrunner.function.testing;

import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.function.event.EventProcessor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * A second JVM for the duplicate tests: dispatches one event from several threads, each an
 * execution environment of its own, and prints one line per delivery ({@code OUTCOME <name>} or
 * {@code FAILED <reason>}). With {@code crash} it halts the JVM right after RunTask returns, before
 * the idempotency record is updated.
 *
 * <p>Arguments: dynamoEndpoint table ecsEndpoint eventFile threads startAtEpochMillis [crash]
 */
public final class StormWorker {
  private StormWorker() {}

  public static void main(String[] args) throws Exception {
    URI dynamo = URI.create(args[0]);
    String table = args[1];
    URI ecs = URI.create(args[2]);
    byte[] event = Files.readAllBytes(Path.of(args[3]));
    int threads = Integer.parseInt(args[4]);
    long startAt = Long.parseLong(args[5]);
    boolean crash = args.length > 6 && args[6].equals("crash");

    UnaryOperator<TaskLauncher> launcher =
        crash
            ? real ->
                launch -> {
                  real.launch(launch);
                  System.out.println("RUNTASK_RETURNED");
                  System.out.flush();
                  Runtime.getRuntime().halt(3);
                  throw new IllegalStateException("unreachable");
                }
            : UnaryOperator.identity();
    List<EventProcessor> processors = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      processors.add(
          Processors.processor(
              dynamo,
              table,
              ecs,
              Clock.systemUTC(),
              summary -> {},
              Processors.catalog(),
              UnaryOperator.identity(),
              launcher));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long wait = startAt - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
    List<Future<String>> results = new ArrayList<>();
    for (EventProcessor processor : processors) {
      results.add(pool.submit(() -> deliver(processor, event)));
    }
    for (Future<String> result : results) {
      System.out.println(result.get());
    }
    pool.shutdown();
    System.out.flush();
  }

  /** One delivery: its outcome line. */
  public static String deliver(EventProcessor processor, byte[] event) {
    try {
      String answer =
          new String(processor.process(event, Duration.ofSeconds(30)), StandardCharsets.UTF_8);
      int at = answer.indexOf("\"outcome\":\"");
      return "OUTCOME " + answer.substring(at + 11, answer.indexOf('"', at + 11));
    } catch (DispatchFailedException e) {
      return "FAILED " + e.reason();
    }
  }
}
