package dev.batchrunner.function.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.EcsStub;
import dev.batchrunner.testkit.LambdaProcess;
import dev.batchrunner.testkit.LocalRuntimeApi;
import dev.batchrunner.testkit.LocalRuntimeApi.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Cold start of the shaded jar under the Lambda runtime interface client, against the floor: the
 * same runtime running {@link EchoHandler}. Each sample is a fresh JVM fed through a {@link
 * LocalRuntimeApi}; the function's JVMs and the floor's alternate (and alternate which goes first)
 * so both see the same machine. A benchmark, not a test: it asserts only that the function really
 * dispatched. Run with {@code mvn -Pcold-start -DskipTests package}; the report goes to {@code
 * target/benchmarks/cold-start.md}.
 *
 * <p>Per JVM: <b>init</b> = spawn → first {@code GET /next}; <b>first invoke</b> = that event
 * handed out → its {@code /response}; <b>cold total</b> = spawn → first {@code /response};
 * <b>second invoke</b> = the next event handed out → its {@code /response}. Every function
 * invocation is a new distinct request (daily-report with a unique tenant): a real claim in
 * DynamoDB Local and a real RunTask to the ECS stub, both warmed up beforehand in this JVM.
 *
 * <p>Arguments ({@code --name=value}): {@code runs} (7), {@code warmup} (1 discarded pair), {@code
 * jvm-flags} ({@link LambdaProcess#LAMBDA_JVM_FLAGS}), {@code java-home} (this JVM's), {@code jar}
 * ({@code target/batch-runner.jar}), {@code out} ({@code target/benchmarks/cold-start.md}), {@code
 * layout} ({@code jar}: the jar on {@code -cp}; {@code task-root}: unpacked into the working
 * directory and loaded by the RIC's customer class loader, as Lambda loads from /var/task), {@code
 * function-env} (extra environment of the function, {@code K=V,K=V}, e.g. {@code
 * PRIME_ON_INIT=false}).
 */
public final class ColdStartBenchmark {
  private static final String HANDLER = "dev.batchrunner.BatchRunnerHandler::handleRequest";
  private static final String ECHO_HANDLER = EchoHandler.class.getName() + "::handleRequest";
  private static final String TABLE = "cold-start";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int WARM_UP_DISPATCHES = 200;

  private final Map<String, String> options;
  private final Path javaHome;
  private final List<String> jvmFlags;
  private final Path functionJar;
  private final Path out;
  private final boolean taskRootLayout;
  private final String runTag = Long.toString(System.currentTimeMillis(), 36);
  private DynamoDbLocal dynamo;
  private EcsStub ecs;
  private Path echoJar;
  private long warmDispatchMedian;
  private Path functionTaskRoot;
  private Path echoTaskRoot;
  private String loadBefore;
  private String loadAfter;

  private ColdStartBenchmark(Map<String, String> options) {
    this.options = options;
    this.javaHome = Path.of(options.getOrDefault("java-home", System.getProperty("java.home")));
    String flags = options.get("jvm-flags");
    this.jvmFlags =
        flags == null
            ? LambdaProcess.LAMBDA_JVM_FLAGS
            : Arrays.stream(flags.trim().split("\\s+")).filter(f -> !f.isEmpty()).toList();
    this.functionJar = Path.of(options.getOrDefault("jar", "target/batch-runner.jar"));
    this.out = Path.of(options.getOrDefault("out", "target/benchmarks/cold-start.md"));
    String layout = options.getOrDefault("layout", "jar");
    if (!layout.equals("jar") && !layout.equals("task-root")) {
      throw new IllegalArgumentException("--layout is jar or task-root, got " + layout);
    }
    this.taskRootLayout = layout.equals("task-root");
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    new ColdStartBenchmark(options).run();
  }

  private void run() throws Exception {
    int runs = Integer.parseInt(options.getOrDefault("runs", "7"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "1"));
    if (runs < 1 || warmup < 0) {
      throw new IllegalArgumentException("runs must be at least 1, warmup at least 0");
    }
    loadBefore = loadAverage();
    if (!Files.isRegularFile(functionJar)) {
      throw new IllegalStateException(functionJar.toAbsolutePath() + " missing: mvn package first");
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path benchDir = out.toAbsolutePath().getParent();
    echoJar = echoJar(benchDir.resolve("echo-handler.jar"));
    if (taskRootLayout) {
      functionTaskRoot = LambdaProcess.unpack(functionJar, benchDir.resolve("task-root/function"));
      echoTaskRoot = LambdaProcess.unpack(echoJar, benchDir.resolve("task-root/echo"));
    }
    System.out.printf(
        "cold start: %d runs (+%d warm-up) each, JDK %s, flags %s%n",
        runs, warmup, LambdaProcess.javaVersion(javaHome), String.join(" ", jvmFlags));

    dynamo = DynamoDbLocal.start();
    ecs = EcsStub.start();
    try {
      dynamo.createIdempotencyTable(TABLE);
      warmUpEmulators();
      List<Sample> function = new ArrayList<>();
      List<Sample> floor = new ArrayList<>();
      for (int round = -warmup; round < runs; round++) {
        boolean functionFirst = Math.floorMod(round, 2) == 0;
        Sample a = functionFirst ? measureFunction(round) : measureFloor(round);
        Sample b = functionFirst ? measureFloor(round) : measureFunction(round);
        Sample f = functionFirst ? a : b;
        Sample e = functionFirst ? b : a;
        System.out.printf(
            "%s %2d  batch-runner: init %6.1f  invoke %6.1f  cold %6.1f  2nd %5.1f ms | floor:"
                + " init %6.1f  invoke %5.1f  cold %6.1f  2nd %5.1f ms%n",
            round < 0 ? "warm-up" : "run    ",
            round,
            ms(f.init),
            ms(f.firstInvoke),
            ms(f.coldTotal),
            ms(f.secondInvoke),
            ms(e.init),
            ms(e.firstInvoke),
            ms(e.coldTotal),
            ms(e.secondInvoke));
        if (round >= 0) {
          function.add(f);
          floor.add(e);
        }
      }
      loadAfter = loadAverage();
      String report = report(function, floor, runs, warmup);
      Files.writeString(out, report);
      System.out.println();
      System.out.println(report);
      System.out.println("written to " + out.toAbsolutePath());
    } finally {
      ecs.close();
      dynamo.close();
    }
  }

  /** Brings DynamoDB Local and the ECS stub (and this JVM's side of them) to steady state. */
  private void warmUpEmulators() {
    EventProcessor processor =
        Processors.processor(
            dynamo.endpoint(), TABLE, ecs.endpoint(), Clock.systemUTC(), summary -> {});
    long[] nanos = new long[WARM_UP_DISPATCHES];
    for (int i = 0; i < WARM_UP_DISPATCHES; i++) {
      long start = System.nanoTime();
      processor.process(event("warm-" + i), Duration.ofSeconds(30));
      nanos[i] = System.nanoTime() - start;
    }
    long[] last = Arrays.copyOfRange(nanos, WARM_UP_DISPATCHES / 2, WARM_UP_DISPATCHES);
    Arrays.sort(last);
    warmDispatchMedian = last[last.length / 2];
    System.out.printf(
        "warm in-process dispatch (this JVM, same emulators): median %.1f ms%n",
        ms(warmDispatchMedian));
  }

  private Sample measureFunction(int round) throws Exception {
    Map<String, String> env =
        Fixtures.functionEnvironment(TABLE, dynamo.endpoint(), ecs.endpoint());
    // --function-env=PRIME_ON_INIT=false,K=V: compare a variant of the function with the floor.
    String extra = options.getOrDefault("function-env", "");
    for (String pair : extra.split(",")) {
      if (pair.contains("=")) {
        env.put(pair.substring(0, pair.indexOf('=')).trim(), pair.substring(pair.indexOf('=') + 1));
      }
    }
    int runTasksBefore = ecs.runTaskCount();
    Sample sample =
        measure(
            taskRootLayout ? functionTaskRoot : functionJar,
            HANDLER,
            env,
            "function-" + round,
            event("r" + round + "-1"),
            event("r" + round + "-2"),
            answer -> {
              JsonNode json = answer.json();
              if (answer.kind() != Answer.Kind.RESPONSE
                  || !"DISPATCHED".equals(json.path("outcome").asText())) {
                throw new IllegalStateException("not a dispatch: " + answer);
              }
            });
    if (ecs.runTaskCount() - runTasksBefore != 2) {
      throw new IllegalStateException("expected 2 RunTask calls, got " + ecs);
    }
    return sample;
  }

  private Sample measureFloor(int round) throws Exception {
    byte[] first = event("floor-r" + round + "-1");
    return measure(
        taskRootLayout ? echoTaskRoot : echoJar,
        ECHO_HANDLER,
        Map.of(),
        "floor-" + round,
        first,
        event("floor-r" + round + "-2"),
        answer -> {
          if (answer.kind() != Answer.Kind.RESPONSE) {
            throw new IllegalStateException("echo failed: " + answer);
          }
        });
  }

  private interface Check {
    void accept(Answer answer);
  }

  private Sample measure(
      Path function,
      String handler,
      Map<String, String> env,
      String name,
      byte[] firstEvent,
      byte[] secondEvent,
      Check check)
      throws Exception {
    try (LocalRuntimeApi api = LocalRuntimeApi.start()) {
      LocalRuntimeApi.Invocation first = api.submit(firstEvent);
      LocalRuntimeApi.Invocation second = api.submit(secondEvent);
      LambdaProcess.Builder builder =
          LambdaProcess.builder()
              .javaHome(javaHome)
              .jvmFlags(jvmFlags)
              .handler(handler)
              .runtimeApi(api)
              .environment(env)
              .log(out.toAbsolutePath().getParent().resolve("logs").resolve(name + ".log"));
      if (taskRootLayout) {
        builder.taskRoot(function);
      } else {
        builder.function(function);
      }
      try (LambdaProcess process = builder.start()) {
        Answer a1 = await(first.answer(), process);
        Answer a2 = await(second.answer(), process);
        check.accept(a1);
        check.accept(a2);
        long spawn = process.spawnNanos();
        long firstNext = await(api.firstNext(), process);
        long delivered1 = await(first.delivered(), process);
        long delivered2 = await(second.delivered(), process);
        return new Sample(
            firstNext - spawn,
            a1.receivedNanos() - delivered1,
            a1.receivedNanos() - spawn,
            a2.receivedNanos() - delivered2);
      }
    }
  }

  private static <T> T await(CompletableFuture<T> future, LambdaProcess process) throws Exception {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + WAIT + "\n" + process.describe(), e);
    }
  }

  /** A monolith envelope for a daily report no one asked for before. */
  private byte[] event(String suffix) {
    String tenant = "cold-" + runTag + "-" + suffix;
    return ("{\"version\":\"0\",\"id\":\""
            + UUID.randomUUID()
            + "\",\"detail-type\":\"Batch Requested\",\"source\":\"legacy.monolith\","
            + "\"account\":\"111122223333\",\"time\":\"2026-11-23T02:00:00Z\","
            + "\"region\":\"eu-west-1\",\"resources\":[],\"detail\":{\"BatchTypeId\":"
            + "\"daily-report\",\"Parameters\":{\"reportDate\":\"2026-11-23\",\"tenant\":\""
            + tenant
            + "\"}}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A jar holding only {@link EchoHandler}: the floor's function package. */
  private static Path echoJar(Path jar) throws IOException {
    String entry = EchoHandler.class.getName().replace('.', '/') + ".class";
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (InputStream in = EchoHandler.class.getClassLoader().getResourceAsStream(entry);
        OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      if (in == null) {
        throw new IllegalStateException("no " + entry + " on the classpath");
      }
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  private String report(List<Sample> function, List<Sample> floor, int runs, int warmup)
      throws IOException {
    long jarBytes = Files.size(functionJar);
    StringBuilder md = new StringBuilder();
    md.append("# Cold start: batch-runner against the floor\n\n");
    md.append("- When: ").append(Instant.now()).append('\n');
    md.append("- Machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.arch"))
        .append("; load average (1/5/15 min) ")
        .append(loadBefore)
        .append(" before, ")
        .append(loadAfter)
        .append(" after\n");
    md.append("- JDK of the Lambda JVMs: ")
        .append(LambdaProcess.javaVersion(javaHome))
        .append(" (")
        .append(javaHome)
        .append(")\n");
    md.append("- JVM flags: `").append(String.join(" ", jvmFlags)).append("`\n");
    md.append("- Function environment besides the endpoints: `")
        .append(options.getOrDefault("function-env", ""))
        .append("`\n");
    md.append(
        taskRootLayout
            ? "- Layout: jars unpacked into a task root (the working directory), loaded by the"
                + " RIC's customer class loader, as Lambda does from /var/task\n"
            : "- Layout: `java -cp <function jar>:<RIC classpath>`\n");
    md.append("- Runtime interface client classpath: ")
        .append(
            String.join(
                ", ",
                LambdaProcess.runtimeClasspath().stream()
                    .map(p -> p.getFileName().toString())
                    .toList()))
        .append('\n');
    md.append(
        String.format(
            Locale.ROOT,
            "- Shaded jar: %s, %.1f MiB (%,d bytes)%n",
            functionJar.getFileName(),
            jarBytes / (1024.0 * 1024.0),
            jarBytes));
    md.append("- Samples: ")
        .append(runs)
        .append(" fresh JVMs each, function and floor alternating (")
        .append(warmup)
        .append(" warm-up pair discarded); DynamoDB Local and the ECS stub in the benchmark's JVM,")
        .append(" warmed with ")
        .append(WARM_UP_DISPATCHES)
        .append(" dispatches\n");
    md.append("- Floor: the same runtime and flags running `EchoHandler` from a jar of its own\n");
    md.append(
        String.format(
            Locale.ROOT,
            "- For scale: a warm dispatch in the benchmark's own JVM (C2, same emulators) takes"
                + " %.1f ms (median of the last %d warm-up dispatches)%n%n",
            ms(warmDispatchMedian),
            WARM_UP_DISPATCHES / 2));

    md.append("| ms | batch-runner median (min–max) | floor median (min–max) | ratio |\n");
    md.append("|---|---|---|---|\n");
    row(md, "init (spawn → first GET /next)", function, floor, s -> s.init);
    row(md, "first invoke (/next → /response)", function, floor, s -> s.firstInvoke);
    row(md, "cold total (spawn → first /response)", function, floor, s -> s.coldTotal);
    row(md, "second invoke", function, floor, s -> s.secondInvoke);
    md.append(
        String.format(
            Locale.ROOT,
            "%n**cold total / floor cold total = %.2f** (medians: %.1f ms / %.1f ms)%n%n",
            median(function, s -> s.coldTotal) / median(floor, s -> s.coldTotal),
            ms(median(function, s -> s.coldTotal)),
            ms(median(floor, s -> s.coldTotal))));

    md.append("Samples (ms): init / first invoke / cold total / second invoke\n\n");
    md.append("| run | batch-runner | floor |\n|---|---|---|\n");
    for (int i = 0; i < function.size(); i++) {
      md.append("| ")
          .append(i)
          .append(" | ")
          .append(function.get(i))
          .append(" | ")
          .append(floor.get(i))
          .append(" |\n");
    }
    return md.toString();
  }

  private static void row(
      StringBuilder md,
      String label,
      List<Sample> function,
      List<Sample> floor,
      ToLongFunction<Sample> measure) {
    double f = median(function, measure);
    double e = median(floor, measure);
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.2f |%n",
            label,
            ms(f),
            ms(min(function, measure)),
            ms(max(function, measure)),
            ms(e),
            ms(min(floor, measure)),
            ms(max(floor, measure)),
            f / e));
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " / " + fields[1] + " / " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static double median(List<Sample> samples, ToLongFunction<Sample> measure) {
    long[] values = samples.stream().mapToLong(measure).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
  }

  private static double min(List<Sample> samples, ToLongFunction<Sample> measure) {
    return samples.stream().mapToLong(measure).min().orElseThrow();
  }

  private static double max(List<Sample> samples, ToLongFunction<Sample> measure) {
    return samples.stream().mapToLong(measure).max().orElseThrow();
  }

  private static double ms(double nanos) {
    return nanos / 1_000_000.0;
  }

  /** One JVM's timings, in nanoseconds. */
  private record Sample(long init, long firstInvoke, long coldTotal, long secondInvoke) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%.1f / %.1f / %.1f / %.1f",
          ms(init),
          ms(firstInvoke),
          ms(coldTotal),
          ms(secondInvoke));
    }
  }
}
