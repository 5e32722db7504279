package dev.batchrunner.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A Lambda execution environment in a JVM of its own: {@code java <flags> -cp <function
 * jar>:<runtime interface client classpath>
 * com.amazonaws.services.lambda.runtime.api.client.AWSLambda <handler>}, talking to a {@link
 * LocalRuntimeApi}. Its environment is what Lambda sets (function name, memory, {@code
 * AWS_LAMBDA_RUNTIME_API}, …) plus the given variables, nothing inherited but {@code PATH}; its
 * stdout and stderr go to a log file.
 *
 * <p>The RIC classpath is {@code target/lambda-runtime.classpath}, written by the
 * maven-dependency-plugin ({@code generate-test-resources}). The RIC's JNI library is extracted
 * once into {@code target/lambda-runtime/} and named with the system property the RIC reads, so
 * concurrent JVMs never rewrite the fixed {@code /tmp/.libaws-lambda-jni.so} under each other.
 */
public final class LambdaProcess implements AutoCloseable {
  public static final String RIC_MAIN =
      "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

  /** The JIT, GC and CDS flags of Lambda's managed java21 runtime (without its own CDS archive). */
  public static final List<String> LAMBDA_JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

  public static final String JNI_PROPERTY =
      "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

  private static final Path TARGET = Path.of("target");
  private static final Path RUNTIME_CLASSPATH_FILE = TARGET.resolve("lambda-runtime.classpath");
  private static final Object JNI_LOCK = new Object();
  private static Path jniLibrary;

  private final Process process;
  private final long spawnNanos;
  private final Path log;
  private final List<String> command;

  private LambdaProcess(Process process, long spawnNanos, Path log, List<String> command) {
    this.process = process;
    this.spawnNanos = spawnNanos;
    this.log = log;
    this.command = command;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@link System#nanoTime()} just before the process was spawned. */
  public long spawnNanos() {
    return spawnNanos;
  }

  public Process process() {
    return process;
  }

  public List<String> command() {
    return command;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** The command and the output, for assertion messages. */
  public String describe() {
    return "command: " + String.join(" ", command) + "\n--- output (" + log + ") ---\n" + output();
  }

  /**
   * Waits for the process to end by itself.
   *
   * @return its exit code
   * @throws AssertionError when it is still running after {@code timeout}
   */
  public int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + "\n" + describe());
    }
    return process.exitValue();
  }

  /** Ends the process (as Lambda freezes and discards an environment) and waits for it. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The RIC and its dependencies, as the build resolved them for the test classpath. */
  public static List<Path> runtimeClasspath() {
    if (!Files.isRegularFile(RUNTIME_CLASSPATH_FILE)) {
      throw new IllegalStateException(
          RUNTIME_CLASSPATH_FILE.toAbsolutePath()
              + " is missing: it is written by the maven-dependency-plugin in"
              + " generate-test-resources (mvn test-compile)");
    }
    try {
      String text = Files.readString(RUNTIME_CLASSPATH_FILE).trim();
      return Arrays.stream(text.split(File.pathSeparator))
          .filter(s -> !s.isBlank())
          .map(Path::of)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The RIC's JNI library for this machine, extracted from the RIC jar once per build. */
  public static Path jniLibrary() {
    synchronized (JNI_LOCK) {
      if (jniLibrary != null) {
        return jniLibrary;
      }
      String name = "jni/libaws-lambda-jni." + platform() + ".so";
      Path ricJar =
          runtimeClasspath().stream()
              .filter(
                  p ->
                      p.getFileName()
                          .toString()
                          .startsWith("aws-lambda-java-runtime-interface-client"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no runtime interface client in " + runtimeClasspath()));
      Path dir = TARGET.resolve("lambda-runtime").toAbsolutePath();
      Path target = dir.resolve(Path.of(name).getFileName());
      try (ZipFile zip = new ZipFile(ricJar.toFile())) {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
          throw new IllegalStateException(ricJar + " has no " + name);
        }
        if (!Files.isRegularFile(target) || Files.size(target) != entry.getSize()) {
          Files.createDirectories(dir);
          // Written aside and renamed: a JVM that has the old file mapped keeps its copy intact.
          Path tmp = Files.createTempFile(dir, "jni-", ".tmp");
          try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          }
          Files.move(
              tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract " + name + " from " + ricJar, e);
      }
      jniLibrary = target;
      return target;
    }
  }

  private static String platform() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String cpu =
        switch (arch) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch_64";
          default -> throw new IllegalStateException("the RIC ships no JNI library for " + arch);
        };
    boolean musl = Files.exists(Path.of("/etc/alpine-release"));
    return (musl ? "linux_musl-" : "linux-") + cpu;
  }

  /** Unpacks a deployment package into {@code dir} (emptied first), as Lambda fills /var/task. */
  public static Path unpack(Path jar, Path dir) {
    try {
      if (Files.exists(dir)) {
        try (var paths = Files.walk(dir)) {
          for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
      Path root = dir.toAbsolutePath().normalize();
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
          Path target = root.resolve(entry.getName()).normalize();
          if (!target.startsWith(root)) {
            throw new IOException("entry outside the task root: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
          } else {
            Files.createDirectories(target.getParent());
            try (InputStream in = zip.getInputStream(entry)) {
              Files.copy(in, target);
            }
          }
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + jar + " into " + dir, e);
    }
  }

  /** The version line of a JDK (from its {@code release} file), for benchmark reports. */
  public static String javaVersion(Path javaHome) {
    try {
      Map<String, String> release = new LinkedHashMap<>();
      for (String line : Files.readAllLines(javaHome.resolve("release"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          release.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
        }
      }
      return release.getOrDefault("IMPLEMENTOR", "?")
          + " "
          + release.getOrDefault("JAVA_RUNTIME_VERSION", release.getOrDefault("JAVA_VERSION", "?"));
    } catch (IOException e) {
      return javaHome.toString();
    }
  }

  /** How to start one. */
  public static final class Builder {
    private Path javaHome = Path.of(System.getProperty("java.home"));
    private List<String> jvmFlags = LAMBDA_JVM_FLAGS;
    private final List<Path> functionClasspath = new ArrayList<>();
    private String handler;
    private LocalRuntimeApi runtimeApi;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path workDir = TARGET.resolve("lambda-task");
    private boolean fromTaskRoot;
    private Path log;
    private List<String> commandPrefix = List.of();

    private Builder() {}

    /**
     * Words put before {@code java} in the command (default none), e.g. {@code taskset -c 0} to pin
     * the function's JVM to one CPU, as Lambda's init runs on about one vCPU.
     */
    public Builder commandPrefix(List<String> words) {
      this.commandPrefix = List.copyOf(words);
      return this;
    }

    /** The JDK to run (default: the one running this JVM). */
    public Builder javaHome(Path javaHome) {
      this.javaHome = javaHome;
      return this;
    }

    /** JVM flags (default {@link #LAMBDA_JVM_FLAGS}). */
    public Builder jvmFlags(List<String> jvmFlags) {
      this.jvmFlags = List.copyOf(jvmFlags);
      return this;
    }

    /** The function's jar (or class directory); added before the RIC classpath. */
    public Builder function(Path jarOrDirectory) {
      this.functionClasspath.add(jarOrDirectory);
      return this;
    }

    /** {@code class::method}, as in the template's {@code Handler}. */
    public Builder handler(String handler) {
      this.handler = handler;
      return this;
    }

    public Builder runtimeApi(LocalRuntimeApi runtimeApi) {
      this.runtimeApi = runtimeApi;
      return this;
    }

    /** Function environment variables (the template's {@code Environment}, credentials, …). */
    public Builder environment(Map<String, String> variables) {
      this.environment.putAll(variables);
      return this;
    }

    public Builder environment(String name, String value) {
      this.environment.put(name, value);
      return this;
    }

    /**
     * The working directory (default {@code target/lambda-task}, kept empty). The RIC adds it to
     * its customer class loader, as Lambda's {@code /var/task}.
     */
    public Builder workDir(Path workDir) {
      this.workDir = workDir;
      this.fromTaskRoot = false;
      return this;
    }

    /**
     * Loads the function the way Lambda does from an unpacked deployment package: {@code dir} (the
     * jar's contents, as {@code /var/task}) is the working directory, which the RIC's customer
     * class loader reads; the function is not on {@code -cp}.
     */
    public Builder taskRoot(Path dir) {
      this.workDir = dir;
      this.fromTaskRoot = true;
      return this;
    }

    /** Where stdout and stderr go (default {@code target/lambda-logs/<handler class>-<n>.log}). */
    public Builder log(Path log) {
      this.log = log;
      return this;
    }

    public LambdaProcess start() {
      Objects.requireNonNull(handler, "handler");
      Objects.requireNonNull(runtimeApi, "runtimeApi");
      if (functionClasspath.isEmpty() == !fromTaskRoot) {
        throw new IllegalStateException("give either a function jar or a task root");
      }
      for (Path p : functionClasspath) {
        if (!Files.exists(p)) {
          throw new IllegalStateException(p.toAbsolutePath() + " does not exist (mvn package?)");
        }
      }
      List<String> classpath = new ArrayList<>();
      functionClasspath.forEach(p -> classpath.add(p.toAbsolutePath().toString()));
      runtimeClasspath().forEach(p -> classpath.add(p.toAbsolutePath().toString()));

      List<String> command = new ArrayList<>(commandPrefix);
      command.add(javaHome.resolve("bin").resolve("java").toString());
      command.addAll(jvmFlags);
      command.add("-D" + JNI_PROPERTY + "=" + jniLibrary());
      command.add("-cp");
      command.add(String.join(File.pathSeparator, classpath));
      command.add(RIC_MAIN);
      command.add(handler);

      Map<String, String> env = new LinkedHashMap<>();
      env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      env.put("TZ", ":UTC");
      env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
      env.put("AWS_LAMBDA_FUNCTION_NAME", "batch-runner");
      env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
      env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
      env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/batch-runner");
      env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local/" + System.nanoTime());
      env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
      env.put("_HANDLER", handler);
      env.putAll(environment);
      env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi.address());

      Path logFile = log;
      try {
        Files.createDirectories(workDir);
        if (logFile == null) {
          String name = handler.substring(handler.lastIndexOf('.') + 1).replace("::", "-");
          logFile = TARGET.resolve("lambda-logs").resolve(name + "-" + System.nanoTime() + ".log");
        }
        Files.createDirectories(logFile.toAbsolutePath().getParent());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile());
      builder.environment().clear();
      builder.environment().putAll(env);
      long spawn = System.nanoTime();
      try {
        return new LambdaProcess(builder.start(), spawn, logFile, List.copyOf(command));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + command, e);
      }
    }
  }
}
