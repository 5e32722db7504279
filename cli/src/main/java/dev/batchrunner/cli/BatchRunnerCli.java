package dev.batchrunner.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The operator CLI, {@code batch-runner COMMAND}: {@code java -jar batch-runner-cli.jar}, or {@code
 * ./batch-runner} in a clone. Each command is a class of this package, registered in {@link
 * #commandLine}; every one prints only its answer on stdout, diagnostics on stderr, and exits with
 * an {@link ExitCode}.
 */
@Command(
    name = "batch-runner",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Operates batch-runner: the Lambda that turns \"run batch X\" events into exactly one ECS"
          + " task per distinct request."
    },
    commandListHeading = "%nCommands:%n",
    footerHeading = "%nExamples:%n",
    footer = {
      "  batch-runner local events/monolith-put-events.json",
      "  batch-runner explain events/monolith-put-events.json",
      "  batch-runner status --batch daily-report --param reportDate=2026-11-22",
      "  batch-runner list --status FAILED --since 24h",
      "",
      "Run 'batch-runner COMMAND --help' for a command's options."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:done",
      "1:AWS or I/O failure",
      "2:usage or invalid input (the message names the argument and why)",
      "3:not found",
      "10:guard only: a duplicate request (the app must not start)"
    })
public final class BatchRunnerCli implements Runnable {
  @Spec CommandSpec spec;

  /** Runs one command and exits with its status. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int code = execute(args, System.getenv(), out, err);
    out.flush();
    err.flush();
    // Exit now: a library's non-daemon thread must not keep the JVM alive after the answer.
    System.exit(code);
  }

  /**
   * Parses and runs one command line.
   *
   * @param env the environment the commands read (the process's, in {@link #main})
   * @return the exit status, an {@link ExitCode}
   */
  static int execute(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    return commandLine(env, out, err).execute(args);
  }

  /** {@link #execute(String[], Map, PrintWriter, PrintWriter)} telling ages by {@code clock}. */
  static int execute(
      String[] args, Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    return commandLine(env, clock, out, err).execute(args);
  }

  /** The command tree: the top-level command and one subcommand per class. */
  static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
    return commandLine(env, Clock.systemUTC(), out, err);
  }

  /** The command tree, with the clock the record commands tell ages by. */
  static CommandLine commandLine(
      Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new BatchRunnerCli());
    cli.addSubcommand(new LocalCommand(env));
    cli.addSubcommand(new ValidateCommand(env));
    cli.addSubcommand(new ExplainCommand(env));
    cli.addSubcommand(new StatusCommand(env, clock));
    cli.addSubcommand(new ListCommand(env, clock));
    cli.addSubcommand(new RerunCommand(env, clock));
    cli.addSubcommand(new ReplayCommand(env));
    cli.addSubcommand(new CompletionCommand());
    cli.addSubcommand(
        new CommandLine(new GenerateCommand()).addSubcommand(new DirectRulesCommand(env)));
    cli.addSubcommand(new GuardCommand(env, clock));
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(
        e -> e instanceof CliException c ? c.exitCode() : ExitCode.FAILURE);
    cli.setParameterExceptionHandler(BatchRunnerCli::usageError);
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          PrintWriter stderr = command.getErr();
          if (e instanceof CliException c) {
            stderr.println(name(command) + ": " + c.getMessage());
            return c.exitCode();
          }
          // A bug or a failure nothing expected: say what it was, without a wall of frames.
          stderr.println(name(command) + ": unexpected failure: " + describe(e));
          return ExitCode.FAILURE;
        });
    return cli;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing COMMAND (one of: local, validate, explain, status, list, rerun, replay,"
            + " completion, generate, guard)");
  }

  /** A usage error: what is wrong with which argument, and where to read more; exit 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(name(command) + ": " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + name(command) + " --help' for more information.");
    return ExitCode.USAGE;
  }

  private static String name(CommandLine command) {
    return command.getCommandSpec().qualifiedName();
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(e.toString());
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      text.append("\n  caused by: ").append(cause);
    }
    return text.toString();
  }

  /** The version the jar's manifest states. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = BatchRunnerCli.class.getPackage().getImplementationVersion();
      return new String[] {"batch-runner " + (version == null ? "(development build)" : version)};
    }
  }
}
