package dev.batchrunner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.TaskEnvironment;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.FailureReason;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.RandomIds;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code guard}: idempotency inside a task of the {@code EcsDirect} intake mode, run before the app
 * (a non-essential first container the app {@code dependsOn} with {@code SUCCESS}, or an entrypoint
 * wrapper). It reads the request from its environment back through the catalog ({@link
 * EnvironmentRequest}), validates it and claims its record with the function's own dispatcher
 * ({@link FunctionFactory#guard}): the same key, item and rules as the function, with this task as
 * the attempt's task. It prints one JSON line saying what it decided and exits 0 (go), 10
 * (duplicate), 2 (invalid request) or 1 (could not claim: it fails closed).
 */
@Command(
    name = "guard",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    description = {
      "Runs inside a task that an EcsDirect rule started, before the app: reads the request from"
          + " the environment (BATCH_TYPE_ID, each parameter's env, the trace id,"
          + " BATCH_RUNNER_EVENT_ID, BATCH_RUNNER_REQUEST_KEY), validates it against the catalog"
          + " and claims its idempotency record with the function's key, as this task's attempt"
          + " (its ARN from $ECS_CONTAINER_METADATA_URI_V4/task, or $BATCH_RUNNER_TASK_ARN).",
      "In a task batch-runner started itself (IDEMPOTENCY_KEY set: a retry or a rerun, already"
          + " claimed), it claims nothing: it goes ahead when the record's current attempt is this"
          + " task or has none yet.",
      "Prints one JSON line (traceId, idempotencyKey, outcome GO, DUPLICATE, REJECTED or FAILED)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  batch-runner guard                  # sidecar: its exit status decides",
      "  batch-runner guard --env-file /tmp/req.env && . /tmp/req.env && exec app"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:go: this task runs the request's attempt",
      "1:could not claim (DynamoDB, the task metadata endpoint): the app must not start",
      "2:invalid request or usage (the message names the field and why)",
      "10:duplicate: another task runs or ran the request; the app must not start"
    })
final class GuardCommand implements Callable<Integer> {
  /**
   * How long a claim counts as held before another start of the request may take it over: the guard
   * claims and records its task within a few DynamoDB calls (5 s each at most), plus
   * AttemptRunner's 10 s margin.
   */
  static final Duration CLAIM_HOLD = Duration.ofSeconds(30);

  /** The task role's DynamoDB actions: the claim, the record's read and its conditional writes. */
  static final List<String> IAM_ACTIONS = DynamoDbIdempotencyStore.IAM_ACTIONS;

  static final String LOGGER = "batch-runner.guard";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin AwsOptions aws;
  @Mixin CatalogOption catalogOption;

  @Option(
      names = "--env-file",
      paramLabel = "FILE",
      description =
          "on exit 0, write the request's environment as the function would have set it (catalog"
              + " defaults applied, IDEMPOTENCY_KEY, the trace id) as POSIX sh `export"
              + " NAME='value'` lines, for an entrypoint wrapper to source before it starts the app"
              + " (mode 600: it may hold sensitive parameters)")
  Path envFile;

  private final Map<String, String> environment;
  private final Clock clock;

  GuardCommand(Map<String, String> environment, Clock clock) {
    this.environment = Map.copyOf(environment);
    this.clock = clock;
  }

  /** The guard's verdict, as its JSON line tells it. */
  enum Verdict {
    GO(ExitCode.OK),
    DUPLICATE(ExitCode.DUPLICATE),
    REJECTED(ExitCode.USAGE),
    FAILED(ExitCode.FAILURE);

    final int exitCode;

    Verdict(int exitCode) {
      this.exitCode = exitCode;
    }
  }

  @Override
  public Integer call() {
    long started = System.nanoTime();
    Map<String, Object> line = new LinkedHashMap<>();
    Verdict verdict;
    try {
      verdict = decide(line);
    } catch (CliException e) {
      verdict = e.exitCode() == ExitCode.USAGE ? Verdict.REJECTED : Verdict.FAILED;
      line.put("reason", e.getMessage());
    } catch (DispatchFailedException e) {
      verdict = failed(e, line);
    } catch (RuntimeException e) {
      // Anything unforeseen (a bug, an SDK set-up error) must stop the app as well: fail closed.
      verdict = Verdict.FAILED;
      line.put("reason", "unexpected failure: " + e);
    }
    if (verdict != Verdict.GO && envFile != null) {
      deleteQuietly(envFile);
    }
    line.put("outcome", verdict.name());
    line.put("exitCode", verdict.exitCode);
    line.put("durationMs", (System.nanoTime() - started) / 1_000_000);
    PrintWriter out = spec.commandLine().getOut();
    out.println(json(verdict, line));
    out.flush();
    if (verdict == Verdict.REJECTED || verdict == Verdict.FAILED) {
      spec.commandLine().getErr().println("batch-runner guard: " + line.get("reason"));
    }
    return verdict.exitCode;
  }

  private Verdict decide(Map<String, Object> line) {
    aws.check(environment);
    BatchCatalog catalog = catalogOption.load(aws.catalogEnvironment(environment));
    String startedWith = environment.get(TaskEnvironment.IDEMPOTENCY_KEY);
    if (startedWith != null && !startedWith.isBlank()) {
      return startedByBatchRunner(catalog, startedWith.trim(), line);
    }
    line.put("mode", "claim");
    RandomIds ids = new RandomIds();
    Resolution resolution =
        EnvironmentRequest.resolve(new RequestResolver(catalog), environment, ids);
    line.put("batchTypeId", resolution.request().batchTypeId());
    line.put("traceId", resolution.request().traceId());
    line.put("eventId", resolution.request().eventId());
    line.put("parameters", resolution.maskedParameters());
    if (resolution instanceof Resolution.Invalid invalid) {
      line.put("reason", invalid.rejection().message());
      return Verdict.REJECTED;
    }
    Resolution.Valid valid = (Resolution.Valid) resolution;
    String key = valid.key().id();
    line.put("idempotencyKey", key);
    // Before any AWS call: a wrapper that cannot get its environment must not claim the request.
    if (envFile != null) {
      writeEnvFile(envFile, valid.launch().container().environment());
    }
    String own = TaskMetadata.ownTaskArn(environment);
    line.put("taskArn", own);
    try (AwsOptions.Session session = aws.open(environment)) {
      FunctionFactory.Assembly guard = assemble(session, catalog, own, ids);
      DispatchOutcome outcome = guard.dispatcher().dispatch(valid, CLAIM_HOLD);
      if (outcome instanceof DispatchOutcome.Rejected rejected) {
        line.put("reason", rejected.rejection().message());
        return Verdict.REJECTED;
      }
      if (outcome instanceof DispatchOutcome.Duplicate duplicate) {
        line.put("status", duplicate.status().name());
        line.put("attempt", duplicate.attempt());
        line.put("taskArns", duplicate.taskArns());
        line.put("firstTraceId", duplicate.firstTraceId());
        line.put(
            "reason",
            "the request's record is "
                + duplicate.status()
                + " (attempt "
                + duplicate.attempt()
                + ", tasks "
                + duplicate.taskArns()
                + ")");
        return Verdict.DUPLICATE;
      }
      DispatchOutcome.Dispatched dispatched = (DispatchOutcome.Dispatched) outcome;
      line.put("attempt", dispatched.attempt());
      // The claim is ours only if the record names this task now: a start that found our claim
      // abandoned (this guard stalled past CLAIM_HOLD) may have recorded its own task instead.
      IdempotencyRecord record = guard.store().find(key).orElse(null);
      Attempt current = record == null ? null : record.current();
      if (current == null || !own.equals(current.taskArn())) {
        line.put(
            "reason",
            "another start of the request took the claim over: the record's attempt "
                + (record == null ? "-" : record.attempt())
                + " is task "
                + (current == null ? "-" : current.taskArn()));
        return Verdict.DUPLICATE;
      }
      line.put("status", record.status().name());
      return Verdict.GO;
    }
  }

  /**
   * A task batch-runner started (a retry or a rerun: the function or the CLI claimed the record and
   * called RunTask, which set IDEMPOTENCY_KEY): go when the record's current attempt is this task,
   * or is still waiting for RunTask's answer; else this is a stale or stray task.
   */
  private Verdict startedByBatchRunner(BatchCatalog catalog, String key, Map<String, Object> line) {
    line.put("mode", "started-by-batch-runner");
    line.put("idempotencyKey", key);
    String own = TaskMetadata.ownTaskArn(environment);
    line.put("taskArn", own);
    IdempotencyRecord record;
    try (AwsOptions.Session session = aws.open(environment)) {
      IdempotencyStore store = assemble(session, catalog, own, new RandomIds()).store();
      Optional<IdempotencyRecord> found = store.find(key);
      if (found.isEmpty()) {
        line.put("reason", "no record " + key + " (expired or deleted): nothing to run");
        return Verdict.DUPLICATE;
      }
      record = found.get();
    }
    Attempt current = record.current();
    line.put("batchTypeId", record.batchTypeId());
    line.put("traceId", traceId(catalog, record));
    line.put("status", record.status().name());
    line.put("attempt", record.attempt());
    line.put("taskArns", record.taskArns());
    boolean ours = own.equals(current.taskArn());
    boolean pending = record.status() == RequestStatus.IN_PROGRESS && current.taskArn() == null;
    if (!ours && !pending) {
      line.put(
          "reason",
          "the record's current attempt "
              + record.attempt()
              + " is task "
              + current.taskArn()
              + " ("
              + record.status()
              + "), not this one");
      return Verdict.DUPLICATE;
    }
    if (envFile != null) {
      writeEnvFile(envFile, Map.of(TaskEnvironment.IDEMPOTENCY_KEY, key));
    }
    return Verdict.GO;
  }

  private FunctionFactory.Assembly assemble(
      AwsOptions.Session session, BatchCatalog catalog, String own, RandomIds ids) {
    FunctionConfig config =
        new FunctionConfig(
            aws.table(session.env()),
            catalog,
            false,
            EmfMetricsObserver.DEFAULT_NAMESPACE,
            false,
            aws.connection(session.env()));
    return FunctionFactory.guard(
        config,
        own,
        FunctionFactory.Options.builder()
            .clock(clock)
            .ids(ids)
            .observer(summary -> {})
            .taskObserver(new RerunCommand.QuietTasks()));
  }

  private String traceId(BatchCatalog catalog, IdempotencyRecord record) {
    String fromTask =
        catalog
            .find(record.batchTypeId())
            .map(batch -> environment.get(batch.container().traceIdEnv()))
            .orElse(null);
    return fromTask != null && !fromTask.isEmpty() ? fromTask : record.traceId();
  }

  private static Verdict failed(DispatchFailedException e, Map<String, Object> line) {
    line.put("reason", e.getMessage());
    line.put("failureReason", e.reason().name());
    // Another start of the same request holds the claim right now: it runs the request.
    return e.reason() == FailureReason.IN_PROGRESS ? Verdict.DUPLICATE : Verdict.FAILED;
  }

  private static String json(Verdict verdict, Map<String, Object> fields) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", java.time.Instant.now().toString());
    line.put("level", verdict == Verdict.GO || verdict == Verdict.DUPLICATE ? "INFO" : "WARN");
    line.put("logger", LOGGER);
    line.put("message", message(verdict));
    line.putAll(fields);
    try {
      return JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String message(Verdict verdict) {
    return switch (verdict) {
      case GO -> "guard: go, this task runs the request";
      case DUPLICATE -> "guard: duplicate, the app must not start";
      case REJECTED -> "guard: request rejected, the app must not start";
      case FAILED -> "guard: could not claim the request, the app must not start";
    };
  }

  /**
   * Writes {@code env} as {@code export NAME='value'} lines (a {@code '} in a value as {@code
   * '\''}), to a temporary file beside {@code file} moved into place, readable by its owner only.
   *
   * @throws CliException exit 1 when it cannot be written
   */
  static void writeEnvFile(Path file, Map<String, String> env) {
    StringBuilder text =
        new StringBuilder("# batch-runner guard: the request's environment; source it with .\n");
    env.forEach(
        (name, value) ->
            text.append("export ")
                .append(name)
                .append("='")
                .append(value.replace("'", "'\\''"))
                .append("'\n"));
    Path target = file.toAbsolutePath();
    try {
      Path dir = target.getParent();
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, ".batch-runner-guard-", ".env");
      try {
        restrict(temp);
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        try {
          Files.move(
              temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE, "--env-file " + file + ": cannot be written (" + e + ")", e);
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Not a POSIX file system (Windows): its default ACLs apply.
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A stale file is harmless: the wrapper sources it only on exit 0.
    }
  }
}
