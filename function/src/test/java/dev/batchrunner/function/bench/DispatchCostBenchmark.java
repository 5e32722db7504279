package dev.batchrunner.function.bench;

import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.testing.Processors;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The per-request work of a dispatch beyond the network, through the real pipeline ({@link
 * FunctionFactory#assemble}, then {@link EventProcessor#process}): parse the event, validate it
 * against the shipped catalog, compute the idempotency key, build the {@link TaskLaunch} and the
 * SDK's {@code RunTaskRequest} ({@link EcsTaskLauncher#toRequest}), write the answer, tell the
 * observer. The ports are in memory (in place of the factory's DynamoDB and ECS ones): every claim
 * is granted (each event is the first delivery of its request) and the launcher builds the RunTask
 * request and answers with a fixed task ARN.
 *
 * <p>{@code noOpObserver} leaves logs and metrics out; {@code defaultObserver} uses the factory's
 * production observer (the JSON log line and the EMF metrics), with stdout sent to a null stream,
 * so the difference is the cost of logging and metrics.
 *
 * <p>Run: {@code mvn -q -pl function -am test-compile exec:exec@jmh}. {@link #main} runs this
 * benchmark and {@link TaskEventCostBenchmark} (the same for an ECS task state change) twice, with
 * JMH's default JIT (C2) and with the managed runtime's flags ({@code -XX:TieredStopAtLevel=1
 * -XX:+UseSerialGC}: C1 only, as a Lambda function runs), and writes one report, {@code
 * function/target/benchmarks/dispatch-cost.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DispatchCostBenchmark {
  private static final String LAMBDA_JIT =
      "Lambda flags: -XX:TieredStopAtLevel=1 -XX:+UseSerialGC (C1 only)";
  private static final String DEFAULT_JIT = "JVM default (tiered, C2)";

  static final String TASK_ARN =
      "arn:aws:ecs:eu-west-1:123456789012:task/batch/0123456789abcdef0123456789abcdef";

  /** The sample event under {@code events/}. */
  @Param({"monolith-put-events.json"})
  public String event;

  private byte[] payload;
  private EventProcessor quiet;
  private EventProcessor observed;
  private PrintStream stdout;
  private final GrantingStore store = new GrantingStore();
  private final RequestBuildingLauncher launcher = new RequestBuildingLauncher();

  @Setup
  public void setUp() {
    payload = Fixtures.event(event);
    quiet = processor(summary -> {});
    observed = processor(null); // the production observer
    stdout = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
    // Both must dispatch, or the benchmark measures something else.
    for (EventProcessor processor : List.of(quiet, observed)) {
      String answer =
          new String(processor.process(payload, Duration.ofSeconds(30)), StandardCharsets.UTF_8);
      if (!answer.contains("\"DISPATCHED\"") && !answer.contains("batchItemFailures")) {
        System.setOut(stdout);
        throw new IllegalStateException("not a dispatch: " + answer);
      }
    }
  }

  @TearDown
  public void tearDown() {
    System.setOut(stdout);
  }

  @Benchmark
  public byte[] noOpObserver() {
    return quiet.process(payload, Duration.ofSeconds(30));
  }

  @Benchmark
  public byte[] defaultObserver() {
    return observed.process(payload, Duration.ofSeconds(30));
  }

  private EventProcessor processor(RequestObserver observer) {
    return FunctionFactory.assemble(
            Processors.config(Processors.catalog(), "benchmark", Processors.OFFLINE),
            FunctionFactory.Options.builder()
                .observer(observer)
                .store(store)
                .launcher(launcher)
                .build())
        .processor();
  }

  /** Grants every claim (each delivery is a request's first); keeps the last record written. */
  static final class GrantingStore implements IdempotencyStore {
    volatile IdempotencyRecord last;

    @Override
    public Claim claim(IdempotencyRecord record, Instant now) {
      last = record;
      return new Claim.Acquired();
    }

    @Override
    public java.util.Optional<IdempotencyRecord> find(String id) {
      return java.util.Optional.ofNullable(last);
    }

    @Override
    public boolean replace(IdempotencyRecord next, String expectedRevision) {
      last = next;
      return true;
    }

    @Override
    public void release(String id, String claimId) {}
  }

  /** Builds the SDK request exactly as {@link EcsTaskLauncher} sends it; starts nothing. */
  static final class RequestBuildingLauncher implements TaskLauncher {
    volatile Object lastRequest;

    @Override
    public LaunchResult launch(TaskLaunch launch) {
      lastRequest = EcsTaskLauncher.toRequest(launch);
      return new LaunchResult(List.of(TASK_ARN), false);
    }
  }

  /**
   * Runs the benchmark with the default JIT and with Lambda's flags, and writes a summary. With
   * arguments, hands them to JMH's own command line instead (e.g. {@code DispatchCost -prof gc}).
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Path out = Path.of("target", "benchmarks", "dispatch-cost.md");
    Files.createDirectories(out.getParent());
    List<String> rows = new ArrayList<>();
    String loadBefore = loadAverage();
    for (String jit : List.of(LAMBDA_JIT, DEFAULT_JIT)) {
      ChainedOptionsBuilder options =
          new OptionsBuilder()
              .include(DispatchCostBenchmark.class.getName() + "\\.")
              .include(TaskEventCostBenchmark.class.getName() + "\\.")
              .addProfiler(ThreadCpuProfiler.class)
              .shouldFailOnError(true);
      if (jit.equals(LAMBDA_JIT)) {
        options.jvmArgsAppend("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
      } else {
        // C2 on 2 cores is still compiling after 3 s: warm up longer so the figure is steady.
        options.warmupIterations(5).warmupTime(TimeValue.seconds(2));
      }
      Collection<RunResult> results = new Runner(options.build()).run();
      for (RunResult result : results) {
        String method = result.getParams().getBenchmark();
        boolean task = method.startsWith(TaskEventCostBenchmark.class.getName() + ".");
        Result<?> cpu =
            result.getSecondaryResults().entrySet().stream()
                .filter(e -> e.getKey().endsWith(ThreadCpuProfiler.LABEL))
                .map(e -> (Result<?>) e.getValue())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no CPU time for " + method));
        rows.add(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %.2f ± %.2f | %.2f ± %.2f |",
                jit,
                task ? "task state change" : "dispatch",
                method.substring(method.lastIndexOf('.') + 1),
                (task ? "task-state-change/" : "") + result.getParams().getParam("event"),
                result.getPrimaryResult().getScore(),
                result.getPrimaryResult().getScoreError(),
                cpu.getScore(),
                cpu.getScoreError()));
      }
    }
    String report =
        "# Per-request CPU: a dispatch and a task state change (JMH, µs/op, average time,"
            + " 99.9% error)\n\n"
            + "- JDK: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + "; "
            + Runtime.getRuntime().availableProcessors()
            + " cores; 1 fork, 5 × 1 s measurement; warm-up 3 × 1 s (C1), 5 × 2 s (C2)\n"
            + "- Load average (1, 5, 15 min) before: "
            + loadBefore
            + "; after: "
            + loadAverage()
            + " (other work on the machine widens the error)\n"
            + "- In-memory ports; defaultObserver writes its log line and EMF metrics to a null"
            + " stdout\n"
            + "- Task state change: the DISPATCHED record of a real dispatch of"
            + " monolith-put-events.json, put back before each event; STOPPED (exit 0) ends it"
            + " SUCCEEDED and puts the completion event (discarded), RUNNING updates it\n"
            + "- µs/op: wall-clock time per operation (JMH's score); CPU µs/op: the benchmark"
            + " thread's CPU time per operation (ThreadCpuProfiler; garbage collection, done by"
            + " other threads, not included), which waiting for a core on a shared machine does not inflate\n\n"
            + "| JIT | path | benchmark | event | µs/op | CPU µs/op |\n"
            + "|---|---|---|---|---|---|\n"
            + String.join("\n", rows)
            + "\n";
    Files.writeString(out, report);
    System.out.println();
    System.out.println(report);
    System.out.println("written to " + out.toAbsolutePath());
  }

  /** The first three fields of /proc/loadavg, or "unknown" where there is none. */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return String.join(" ", Arrays.copyOf(fields, Math.min(3, fields.length)));
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
