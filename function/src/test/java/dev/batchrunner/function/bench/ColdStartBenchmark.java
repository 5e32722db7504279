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
 * LocalRuntimeApi}. Several function jars (contenders, e.g. a build before and after a change) can
 * be measured in the same run: each round starts one JVM of every contender and one of the floor,
 * in an order that rotates from round to round, so all of them see the same machine (and the same
 * noise of other work on it). A benchmark, not a test: it asserts only that the function really
 * dispatched. Run with {@code mvn -Pcold-start -DskipTests package}; the report goes to {@code
 * target/benchmarks/cold-start.md}.
 *
 * <p>Per JVM: <b>init</b> = spawn → first {@code GET /next}; <b>first invoke</b> = that event
 * handed out → its {@code /response}; <b>cold total</b> = spawn → first {@code /response};
 * <b>second invoke</b> = the next event handed out → its {@code /response}. Every function
 * invocation is a new distinct request (daily-report with a unique tenant): a real claim in
 * DynamoDB Local and a real RunTask to the ECS stub, both warmed up beforehand in this JVM.
 *
 * <p>Arguments ({@code --name=value}): {@code runs} (7), {@code warmup} (1 discarded round), {@code
 * jvm-flags} ({@link LambdaProcess#LAMBDA_JVM_FLAGS}), {@code java-home} (this JVM's), {@code jar}
 * ({@code target/batch-runner.jar}) and {@code name} ({@code batch-runner}) of the function jar,
 * {@code contender} ({@code NAME=PATH}, repeatable: more function jars to measure in the same run,
 * before {@code jar}; {@code compare-with} takes the same as a comma-separated list, empty for
 * none), {@code out} ({@code target/benchmarks/cold-start.md}), {@code layout} ({@code jar}: the
 * jar on {@code -cp}; {@code task-root}: unpacked into the working directory and loaded by the
 * RIC's customer class loader, as Lambda loads from /var/task), {@code function-env} (extra
 * environment of every contender, {@code K=V,K=V}, e.g. {@code PRIME_ON_INIT=false}), {@code peer}
 * ({@code true}: the same job written plainly, {@link PlainDispatchHandler}, in a jar {@link
 * PlainPeerJar} builds, measured as one more contender), {@code cpus} (empty; e.g. {@code 0}: every
 * spawned JVM started under {@code taskset -c 0}). All contenders get the same environment and
 * events, and the handler {@code dev.batchrunner.BatchRunnerHandler} (the peer its own).
 */
public final class ColdStartBenchmark {
  private static final String HANDLER = "dev.batchrunner.BatchRunnerHandler::handleRequest";
  private static final String ECHO_HANDLER = EchoHandler.class.getName() + "::handleRequest";
  private static final String PEER_HANDLER =
      PlainDispatchHandler.class.getName() + "::handleRequest";
  private static final String PEER = "plain-peer";
  private static final String TABLE = "cold-start";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int WARM_UP_DISPATCHES = 200;

  private final Map<String, String> options;
  private final Path javaHome;
  private final List<String> jvmFlags;
  private final List<Contender> contenders;
  private final Path out;
  private final boolean taskRootLayout;
  private final List<String> commandPrefix;
  private final Contender peer;
  private final String runTag = Long.toString(System.currentTimeMillis(), 36);
  private DynamoDbLocal dynamo;
  private EcsStub ecs;
  private Path echoJar;
  private long warmDispatchMedian;
  private Path echoTaskRoot;
  private final Map<String, Path> taskRoots = new LinkedHashMap<>();
  private String loadBefore;
  private String loadAfter;

  /**
   * A function jar to measure, under a name for the report ([A-Za-z0-9_-]+), with its handler;
   * {@code taskEvent}: its first invocation is an ECS task state change (a STOPPED event of a task
   * a dispatch in this JVM started) rather than a request.
   */
  private record Contender(String name, Path jar, boolean taskEvent, String handler) {
    Contender(String name, Path jar) {
      this(name, jar, false, HANDLER);
    }

    Contender {
      if (!name.matches("[A-Za-z0-9_-]{1,20}") || name.equals("floor")) {
        throw new IllegalArgumentException(
            "a contender's name is 1-20 of [A-Za-z0-9_-], not floor: " + name);
      }
    }

    static Contender parse(String nameEqualsPath) {
      int eq = nameEqualsPath.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected NAME=PATH, got " + nameEqualsPath);
      }
      return new Contender(
          nameEqualsPath.substring(0, eq).trim(), Path.of(nameEqualsPath.substring(eq + 1).trim()));
    }
  }

  private ColdStartBenchmark(Map<String, String> options, List<String> extraContenders) {
    this.options = options;
    this.javaHome = Path.of(options.getOrDefault("java-home", System.getProperty("java.home")));
    String flags = options.get("jvm-flags");
    this.jvmFlags =
        flags == null
            ? LambdaProcess.LAMBDA_JVM_FLAGS
            : Arrays.stream(flags.trim().split("\\s+")).filter(f -> !f.isEmpty()).toList();
    List<Contender> all = new ArrayList<>();
    for (String entry : options.getOrDefault("compare-with", "").split(",")) {
      if (!entry.isBlank()) {
        all.add(Contender.parse(entry));
      }
    }
    extraContenders.stream().map(Contender::parse).forEach(all::add);
    Contender main =
        new Contender(
            options.getOrDefault("name", "batch-runner"),
            Path.of(options.getOrDefault("jar", "target/batch-runner.jar")));
    all.add(main);
    // --task-event=true: this build's jar once more, its first invocation a task state change.
    if (Boolean.parseBoolean(options.getOrDefault("task-event", "false"))) {
      all.add(new Contender(main.name() + "-task", main.jar(), true, HANDLER));
    }
    this.out = Path.of(options.getOrDefault("out", "target/benchmarks/cold-start.md"));
    // --peer=true (default): the same job written plainly (PlainDispatchHandler), its jar built
    // here.
    if (Boolean.parseBoolean(options.getOrDefault("peer", "true"))) {
      peer =
          new Contender(
              PEER,
              out.toAbsolutePath().getParent().resolve("plain-peer.jar"),
              false,
              PEER_HANDLER);
      all.add(peer);
    } else {
      peer = null;
    }
    if (all.stream().map(Contender::name).distinct().count() != all.size()) {
      throw new IllegalArgumentException("two contenders with one name: " + all);
    }
    this.contenders = List.copyOf(all);
    String layout = options.getOrDefault("layout", "jar");
    if (!layout.equals("jar") && !layout.equals("task-root")) {
      throw new IllegalArgumentException("--layout is jar or task-root, got " + layout);
    }
    this.taskRootLayout = layout.equals("task-root");
    // --cpus=0 (taskset's list): every spawned function and floor JVM pinned to those CPUs.
    String cpus = options.getOrDefault("cpus", "").trim();
    this.commandPrefix = cpus.isEmpty() ? List.of() : List.of("taskset", "-c", cpus);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> contenders = new ArrayList<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      String name = arg.substring(2, arg.indexOf('='));
      String value = arg.substring(arg.indexOf('=') + 1);
      if (name.equals("contender")) {
        contenders.add(value);
      } else {
        options.put(name, value);
      }
    }
    new ColdStartBenchmark(options, contenders).run();
  }

  private void run() throws Exception {
    int runs = Integer.parseInt(options.getOrDefault("runs", "7"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "1"));
    if (runs < 1 || warmup < 0) {
      throw new IllegalArgumentException("runs must be at least 1, warmup at least 0");
    }
    loadBefore = loadAverage();
    Files.createDirectories(out.toAbsolutePath().getParent());
    if (peer != null) {
      PlainPeerJar.build(peer.jar());
    }
    for (Contender contender : contenders) {
      if (!Files.isRegularFile(contender.jar())) {
        throw new IllegalStateException(
            contender.jar().toAbsolutePath() + " missing (" + contender.name() + "): build it");
      }
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path benchDir = out.toAbsolutePath().getParent();
    echoJar = echoJar(benchDir.resolve("echo-handler.jar"));
    if (taskRootLayout) {
      for (Contender contender : contenders) {
        taskRoots.put(
            contender.name(),
            LambdaProcess.unpack(
                contender.jar(), benchDir.resolve("task-root/" + contender.name())));
      }
      echoTaskRoot = LambdaProcess.unpack(echoJar, benchDir.resolve("task-root/floor"));
    }
    System.out.printf(
        "cold start: %d runs (+%d warm-up) of %s and the floor, JDK %s, flags %s%s%n",
        runs,
        warmup,
        contenders.stream().map(Contender::name).toList(),
        LambdaProcess.javaVersion(javaHome),
        String.join(" ", jvmFlags),
        commandPrefix.isEmpty() ? "" : ", JVMs started with " + String.join(" ", commandPrefix));

    dynamo = DynamoDbLocal.start();
    ecs = EcsStub.start();
    try {
      dynamo.createIdempotencyTable(TABLE);
      warmUpEmulators();
      // Participants: the contenders, then the floor (index contenders.size()).
      int participants = contenders.size() + 1;
      List<List<Sample>> samples = new ArrayList<>();
      for (int i = 0; i < participants; i++) {
        samples.add(new ArrayList<>());
      }
      List<String> orders = new ArrayList<>();
      for (int round = -warmup; round < runs; round++) {
        // Rotate who goes first: over `participants` rounds each takes every position once.
        Sample[] roundSamples = new Sample[participants];
        List<String> order = new ArrayList<>();
        for (int k = 0; k < participants; k++) {
          int i = Math.floorMod(round + k, participants);
          order.add(i == contenders.size() ? "floor" : contenders.get(i).name());
          roundSamples[i] =
              i == contenders.size()
                  ? measureFloor(round)
                  : measureFunction(contenders.get(i), round);
        }
        StringBuilder line =
            new StringBuilder(
                String.format(Locale.ROOT, "%s %2d", round < 0 ? "warm-up" : "run    ", round));
        for (int i = 0; i < participants; i++) {
          line.append(" | ")
              .append(i == contenders.size() ? "floor" : contenders.get(i).name())
              .append(": ")
              .append(roundSamples[i]);
        }
        line.append("   (order: ").append(String.join(", ", order)).append(')');
        System.out.println(line);
        if (round >= 0) {
          for (int i = 0; i < participants; i++) {
            samples.get(i).add(roundSamples[i]);
          }
          orders.add(String.join(", ", order));
        }
      }
      loadAfter = loadAverage();
      String report = report(samples, orders, runs, warmup);
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

  private Sample measureFunction(Contender contender, int round) throws Exception {
    Map<String, String> env =
        Fixtures.functionEnvironment(TABLE, dynamo.endpoint(), ecs.endpoint());
    // --function-env=PRIME_ON_INIT=false,K=V: compare a variant of the function with the floor.
    String extra = options.getOrDefault("function-env", "");
    for (String pair : extra.split(",")) {
      if (pair.contains("=")) {
        env.put(pair.substring(0, pair.indexOf('=')).trim(), pair.substring(pair.indexOf('=') + 1));
      }
    }
    String name = contender.name();
    byte[] first = event(name + "-r" + round + "-1");
    if (contender.taskEvent()) {
      first = stoppedEventOfADispatchHere(name + "-r" + round + "-0");
    }
    int runTasksBefore = ecs.runTaskCount();
    int[] answers = {0};
    Sample sample =
        measure(
            taskRootLayout ? taskRoots.get(name) : contender.jar(),
            contender.handler(),
            env,
            name + "-" + round,
            first,
            event(name + "-r" + round + "-2"),
            answer -> {
              String expected =
                  contender.taskEvent() && answers[0] == 0 ? "SUCCEEDED" : "DISPATCHED";
              answers[0]++;
              JsonNode json = answer.json();
              if (answer.kind() != Answer.Kind.RESPONSE
                  || !expected.equals(json.path("outcome").asText())) {
                throw new IllegalStateException(name + ": not " + expected + ": " + answer);
              }
            });
    int expectedRunTasks = contender.taskEvent() ? 1 : 2;
    if (ecs.runTaskCount() - runTasksBefore != expectedRunTasks) {
      throw new IllegalStateException(
          name + ": expected " + expectedRunTasks + " RunTask calls, got " + ecs);
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
              .commandPrefix(commandPrefix)
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

  /**
   * Dispatches a new request in this JVM, runs and stops its task (exit 0) in the ECS stub, and
   * returns the task's STOPPED event: what a function JVM's first invocation then finishes.
   */
  private byte[] stoppedEventOfADispatchHere(String suffix) {
    EventProcessor here =
        Processors.processor(
            dynamo.endpoint(), TABLE, ecs.endpoint(), Clock.systemUTC(), summary -> {});
    here.process(event(suffix), Duration.ofSeconds(30));
    List<String> started = ecs.startedTaskArns();
    String task = started.get(started.size() - 1);
    ecs.run(task);
    ecs.stop(task, Map.of("app", 0), "EssentialContainerExited", "Essential container exited");
    return ecs.stateChangeEvent(task).getBytes(StandardCharsets.UTF_8);
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

  private String report(List<List<Sample>> samples, List<String> orders, int runs, int warmup)
      throws IOException {
    List<Sample> floor = samples.get(contenders.size());
    StringBuilder md = new StringBuilder();
    md.append("# Cold start: ")
        .append(String.join(", ", contenders.stream().map(Contender::name).toList()))
        .append(" against the floor\n\n");
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
    md.append("- CPUs of the function and floor JVMs: ")
        .append(
            commandPrefix.isEmpty()
                ? "all (not pinned)"
                : "pinned, started with `" + String.join(" ", commandPrefix) + "`")
        .append('\n');
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
    for (Contender contender : contenders) {
      long jarBytes = Files.size(contender.jar());
      md.append(
          String.format(
              Locale.ROOT,
              "- Jar of %s (%s): %s, %.1f MiB (%,d bytes)%n",
              contender.name(),
              contender.handler(),
              contender.jar().toAbsolutePath(),
              jarBytes / (1024.0 * 1024.0),
              jarBytes));
    }
    md.append("- Samples: ")
        .append(runs)
        .append(" rounds, each one fresh JVM of every contender and of the floor, in an order")
        .append(" rotating from round to round (")
        .append(warmup)
        .append(" warm-up round(s) discarded); DynamoDB Local and the ECS stub in the benchmark's")
        .append(" JVM, warmed with ")
        .append(WARM_UP_DISPATCHES)
        .append(" dispatches\n");
    md.append("- Floor: the same runtime and flags running `EchoHandler` from a jar of its own\n");
    if (peer != null) {
      md.append(
          "- Peer (plain-peer): the same job written plainly, `PlainDispatchHandler` (SDK clients"
              + " built in the constructor over UrlConnection, explicit region and credentials, a"
              + " Jackson ObjectMapper, no priming), in a jar of the whole jars it uses (not"
              + " minimised), same environment and events\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "- For scale: a warm dispatch in the benchmark's own JVM (C2, same emulators) takes"
                + " %.1f ms (median of the last %d warm-up dispatches)%n%n",
            ms(warmDispatchMedian),
            WARM_UP_DISPATCHES / 2));

    md.append("Medians (min–max), ms:\n\n| ms |");
    for (Contender contender : contenders) {
      md.append(' ').append(contender.name()).append(" |");
    }
    md.append(" floor |\n|---|");
    md.append("---|".repeat(contenders.size() + 1)).append('\n');
    row(md, "init (spawn → first GET /next)", samples, s -> s.init);
    row(md, "first invoke (/next → /response)", samples, s -> s.firstInvoke);
    row(md, "cold total (spawn → first /response)", samples, s -> s.coldTotal);
    row(md, "second invoke", samples, s -> s.secondInvoke);
    md.append('\n');

    md.append(
        "Ratios of medians:\n\n| ratio | init | first invoke | cold total | second invoke |\n");
    md.append("|---|---|---|---|---|\n");
    for (int i = 0; i < contenders.size(); i++) {
      ratioRow(md, contenders.get(i).name() + " / floor", samples.get(i), floor);
    }
    int peerIndex = peer == null ? -1 : contenders.indexOf(peer);
    for (int i = 0; i < contenders.size(); i++) {
      if (i != peerIndex && peerIndex >= 0) {
        ratioRow(
            md, contenders.get(i).name() + " / " + PEER, samples.get(i), samples.get(peerIndex));
      }
    }
    for (int i = 1; i < contenders.size(); i++) {
      if (i != peerIndex && peerIndex != 0) {
        ratioRow(
            md,
            contenders.get(i).name() + " / " + contenders.get(0).name(),
            samples.get(i),
            samples.get(0));
      }
    }
    md.append('\n');

    if (contenders.size() > 1) {
      // A round's JVMs run one after the other, seconds apart: a ratio within a round compares
      // two starts under nearly the same load, which the medians over the run do not.
      md.append(
          "Paired, round by round (ratio of two JVMs of the same round, seconds apart;"
              + " median and range over the rounds):\n\n");
      md.append(
          "| ratio | init | first invoke | cold total | rounds the numerator started faster |\n");
      md.append("|---|---|---|---|---|\n");
      for (int i = 0; i < contenders.size(); i++) {
        if (i != peerIndex && peerIndex >= 0) {
          pairedRow(
              md, contenders.get(i).name() + " / " + PEER, samples.get(i), samples.get(peerIndex));
        }
      }
      for (int i = 1; i < contenders.size(); i++) {
        if (i != peerIndex && peerIndex != 0) {
          pairedRow(
              md,
              contenders.get(i).name() + " / " + contenders.get(0).name(),
              samples.get(i),
              samples.get(0));
        }
      }
      md.append('\n');
    }

    md.append("Samples (ms): init / first invoke / cold total / second invoke\n\n| run |");
    for (Contender contender : contenders) {
      md.append(' ').append(contender.name()).append(" |");
    }
    md.append(" floor | order |\n|---|");
    md.append("---|".repeat(contenders.size() + 2)).append('\n');
    for (int r = 0; r < floor.size(); r++) {
      md.append("| ").append(r).append(" |");
      for (List<Sample> participant : samples) {
        md.append(' ').append(participant.get(r)).append(" |");
      }
      md.append(' ').append(orders.get(r)).append(" |\n");
    }
    return md.toString();
  }

  private static void row(
      StringBuilder md, String label, List<List<Sample>> samples, ToLongFunction<Sample> measure) {
    md.append("| ").append(label).append(" |");
    for (List<Sample> participant : samples) {
      md.append(
          String.format(
              Locale.ROOT,
              " %.1f (%.1f–%.1f) |",
              ms(median(participant, measure)),
              ms(min(participant, measure)),
              ms(max(participant, measure))));
    }
    md.append('\n');
  }

  private static void ratioRow(StringBuilder md, String label, List<Sample> a, List<Sample> b) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | %.2f | %.2f | %.2f | %.2f |%n",
            label,
            median(a, s -> s.init) / median(b, s -> s.init),
            median(a, s -> s.firstInvoke) / median(b, s -> s.firstInvoke),
            median(a, s -> s.coldTotal) / median(b, s -> s.coldTotal),
            median(a, s -> s.secondInvoke) / median(b, s -> s.secondInvoke)));
  }

  private static void pairedRow(StringBuilder md, String label, List<Sample> a, List<Sample> b) {
    md.append("| ").append(label).append(" |");
    for (ToLongFunction<Sample> measure :
        List.<ToLongFunction<Sample>>of(s -> s.init, s -> s.firstInvoke, s -> s.coldTotal)) {
      double[] ratios = new double[a.size()];
      for (int r = 0; r < a.size(); r++) {
        ratios[r] = (double) measure.applyAsLong(a.get(r)) / measure.applyAsLong(b.get(r));
      }
      Arrays.sort(ratios);
      int n = ratios.length;
      double median = n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
      md.append(
          String.format(Locale.ROOT, " %.2f (%.2f–%.2f) |", median, ratios[0], ratios[n - 1]));
    }
    long faster = 0;
    for (int r = 0; r < a.size(); r++) {
      if (a.get(r).coldTotal < b.get(r).coldTotal) {
        faster++;
      }
    }
    md.append(' ').append(faster).append(" of ").append(a.size()).append(" |\n");
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
