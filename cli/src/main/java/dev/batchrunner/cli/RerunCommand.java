package dev.batchrunner.cli;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.RerunOutcome;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rerun}: starts the next attempt of a FAILED request now, through the function's path. */
@Command(
    name = "rerun",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    description = {
      "Starts the next attempt of a FAILED request now, as a re-sent request would: the same"
          + " parameters and trace id, resolved against the catalog again, its own clientToken;"
          + " the reason is kept in the record as the attempt's start reason.",
      "A SUCCEEDED request only with --force; one IN_PROGRESS, DISPATCHED or RUNNING never."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  batch-runner rerun --key 'daily-report#838f1a12…' --reason 'bucket policy fixed (OPS-123)'"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the next attempt started",
      "1:AWS failure (DynamoDB, or ECS did not start the task: the record is as it was)",
      "2:bad argument, or the record may not be re-run now (the message says why)",
      "3:no such record"
    })
final class RerunCommand implements Callable<Integer> {
  /** The IAM actions a rerun calls: the record's read and writes, and the RunTask. */
  static final List<String> IAM_ACTIONS =
      Stream.concat(
              DynamoDbIdempotencyStore.IAM_ACTIONS.stream(), EcsTaskLauncher.IAM_ACTIONS.stream())
          .distinct()
          .toList();

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin AwsOptions aws;
  @Mixin CatalogOption catalogOption;
  @Mixin Output output;

  @Option(names = "--key", required = true, paramLabel = "ID", description = "the record id")
  String key;

  @Option(
      names = "--reason",
      required = true,
      paramLabel = "TEXT",
      description = "why, kept in the record (e.g. a ticket)")
  String reason;

  @Option(names = "--force", description = "also re-run a SUCCEEDED request")
  boolean force;

  private final Map<String, String> environment;
  private final Clock clock;

  RerunCommand(Map<String, String> environment, Clock clock) {
    this.environment = Map.copyOf(environment);
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (reason.isBlank()) {
      throw new CliException(ExitCode.USAGE, "--reason: give why, e.g. a ticket");
    }
    aws.check(environment);
    BatchCatalog catalog = catalogOption.load(aws.catalogEnvironment(environment));
    PrintWriter err = spec.commandLine().getErr();
    RerunOutcome outcome;
    String table;
    try (AwsOptions.Session session = aws.open(environment)) {
      table = aws.table(session.env());
      FunctionConfig config =
          new FunctionConfig(
              table,
              catalog,
              session.local(),
              EmfMetricsObserver.DEFAULT_NAMESPACE,
              false,
              aws.connection(session.env()));
      FunctionFactory.Assembly function =
          FunctionFactory.assemble(
              config,
              FunctionFactory.Options.builder()
                  .clock(clock)
                  .observer(summary -> {})
                  .taskObserver(new QuietTasks())
                  .dryRunSink(json -> err.println("RunTask request (dry run, not sent):\n" + json))
                  .build());
      outcome = function.dispatcher().rerun(key, reason.trim(), force, Duration.ofMinutes(1));
    } catch (DispatchFailedException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage(), e);
    }
    if (outcome instanceof RerunOutcome.NotFound) {
      throw new CliException(ExitCode.NOT_FOUND, "no record " + key + " in table " + table);
    }
    if (outcome instanceof RerunOutcome.Refused refused) {
      throw new CliException(
          ExitCode.USAGE, "--key " + key + " (" + refused.status() + "): " + refused.reason());
    }
    DispatchOutcome.Dispatched started = ((RerunOutcome.Started) outcome).dispatched();
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("outcome", started.outcome().name());
    answer.put("idempotencyKey", started.idempotencyKey());
    answer.put("batchTypeId", started.batchTypeId());
    answer.put("traceId", started.traceId());
    answer.put("attempt", started.attempt());
    answer.put("taskArns", started.taskArns());
    answer.put("reason", reason.trim());
    if (output.json) {
      Output.printJson(out, answer);
    } else {
      out.println(
          "attempt "
              + started.attempt()
              + " of "
              + started.idempotencyKey()
              + " started: "
              + String.join(", ", started.taskArns()));
    }
    return ExitCode.OK;
  }

  /**
   * For commands that handle no task event (rerun, guard): nothing of the function's task output
   * goes to stdout.
   */
  static final class QuietTasks implements dev.batchrunner.function.event.TaskObserver {
    @Override
    public void handled(
        dev.batchrunner.core.lifecycle.TaskStateChange change,
        dev.batchrunner.core.dispatch.TaskEventOutcome outcome,
        dev.batchrunner.function.event.RequestSummary.Delivery delivery) {}

    @Override
    public void failed(
        dev.batchrunner.core.lifecycle.TaskStateChange change,
        RuntimeException failure,
        dev.batchrunner.function.event.RequestSummary.Delivery delivery) {}
  }
}
