package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoEcsFixture;
import dev.batchrunner.emulators.MotoServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * {@code batch-runner local EVENT_FILE}: the function on this machine, with no AWS account. Its
 * idempotency records live in DynamoDB Local (a JVM of its own, see {@link LocalDynamoDb}); ECS is
 * a dry run that shows the exact RunTask request, or moto, or an endpoint of the user's.
 *
 * <p>Each ECS choice has records of its own ({@code DIR/dry-run/}, {@code
 * DIR/ecs-endpoint/HOST-PORT/}), so that a dry run's records never make a real dispatch answer
 * DUPLICATE with no task behind it. {@code --moto} keeps its records in memory: moto forgets its
 * tasks when it stops, so its records must not outlive it either.
 */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    sortOptions = false,
    header = "Runs the function on this machine with one event file (no AWS account).",
    description = {
      "Runs the function on this machine with one event, as Lambda would invoke it: idempotency"
          + " records in DynamoDB Local, ECS in dry run (the exact RunTask request is shown on"
          + " stderr, not sent), in moto, or at an endpoint of yours. Prints the function's"
          + " answer on stdout; the same event again answers DUPLICATE.",
      "",
      "Catalog placeholders the environment does not set get local values (CLUSTER_ARN,"
          + " SUBNET_IDS, SECURITY_GROUP_IDS, REPORT_BUCKET)."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  batch-runner local events/monolith-put-events.json",
      "  (run it again: DUPLICATE; add --moto to start the task in moto)"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the function answered (DISPATCHED or DUPLICATE)",
      "1:DynamoDB Local, moto or ECS failed (e.g. the RunTask failed)",
      "2:bad argument, missing file, invalid catalog, or the function rejected the request"
    })
final class LocalCommand implements Callable<Integer> {
  /** The local idempotency table. */
  static final String TABLE = "batch-runner-local";

  /** The region of the local clients and of the dry run's requests. */
  static final Region REGION = Region.EU_WEST_1;

  /** Values for the shipped catalog's placeholders when the environment does not set them. */
  static final Map<String, String> LOCAL_DEFAULTS =
      Map.of(
          "CLUSTER_ARN", "arn:aws:ecs:eu-west-1:000000000000:cluster/local",
          "SUBNET_IDS", "subnet-local1,subnet-local2",
          "SECURITY_GROUP_IDS", "sg-local",
          "REPORT_BUCKET", "local-reports");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "EVENT_FILE",
      description =
          "the event, as the function receives it: an EventBridge envelope, a bare request or an"
              + " SQS batch (see events/)")
  Path eventFile;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  EcsChoice ecs;

  /** Where RunTask goes instead of the dry run. */
  static final class EcsChoice {
    @Option(
        names = "--moto",
        required = true,
        description =
            "start moto's ECS (needs pip install \"moto[server]\"), create the cluster, the"
                + " catalog's task definitions and the network in it, send the RunTask there and"
                + " show the task moto started. Moto and its records last for this run only.")
    boolean moto;

    @Option(
        names = "--ecs-endpoint",
        paramLabel = "URL",
        required = true,
        description =
            "send the RunTask to this ECS endpoint (test credentials, region eu-west-1) instead"
                + " of a dry run; its records are kept apart from the dry run's")
    URI endpoint;
  }

  @Option(names = "--reset", description = "forget this ECS choice's earlier dispatches first")
  boolean reset;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      defaultValue = ".local",
      description =
          "where the records are kept, one folder per ECS choice: DIR/dry-run/,"
              + " DIR/ecs-endpoint/HOST-PORT/, DIR/moto/ (logs only) (default: ${DEFAULT-VALUE})")
  Path state;

  @Option(
      names = "--catalog",
      paramLabel = "FILE",
      description = "the batch catalog (default: $BATCH_CATALOG, else the shipped batches.json)")
  Path catalog;

  private final Map<String, String> environment;

  LocalCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /** What this run's ECS choice is, and where its records and logs go. */
  private record Mode(String description, Path dir, boolean keepsRecords) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    byte[] event = readEvent();
    Map<String, String> env = functionEnvironment();
    Mode mode = mode();
    // Validates the catalog before anything starts: an invalid one is exit 2 with every problem.
    Map<String, Set<String>> taskDefinitions = LocalFunction.taskDefinitions(env);
    Path records = prepareState(mode, err);

    try (Resources resources = new Resources()) {
      LocalDynamoDb dynamo =
          resources.add(LocalDynamoDb.start(records, mode.dir().resolve("dynamodb-local.log")));
      LocalFunction.Ecs target;
      EcsClient ecsClient = null;
      if (ecs != null && ecs.moto) {
        ecsClient = startMoto(mode, env, taskDefinitions, resources, err);
        target = new LocalFunction.Ecs.Client(ecsClient);
      } else if (ecs != null) {
        ecsClient = resources.add(MotoServer.configure(EcsClient.builder(), ecs.endpoint).build());
        target = new LocalFunction.Ecs.Client(ecsClient);
        err.println(
            "batch-runner local: RunTask goes to " + ecs.endpoint + "; " + mode.description());
      } else {
        target =
            new LocalFunction.Ecs.DryRun(
                REGION,
                json -> err.println("RunTask request (dry run, not sent):\n" + pretty(json)));
        err.println("batch-runner local: ECS dry run; " + mode.description());
      }
      dynamo.awaitReady();
      DynamoDbClient dynamoClient = resources.add(DynamoDbLocal.client(dynamo.endpoint()));
      LocalFunction.Result result;
      try {
        DynamoDbLocal.createIdempotencyTable(dynamoClient, TABLE);
        result = LocalFunction.assemble(env, dynamoClient, TABLE, target).invoke(event);
      } catch (SdkException e) {
        throw new CliException(
            ExitCode.FAILURE, "DynamoDB Local at " + dynamo.endpoint() + " failed: " + e, e);
      } finally {
        // It stops while the rest is printed and closed.
        dynamo.stopSoon();
      }
      String answer = report(result, mode, err);
      if (ecs != null && ecs.moto) {
        printMotoTasks(ecsClient, env.get(MotoEcsFixture.CLUSTER_ARN), err);
      }
      // The answer comes last, so that it is out only when the run is done.
      out.println(pretty(answer));
      return exitCode(result.requests());
    }
  }

  private byte[] readEvent() {
    return EventFile.read(eventFile);
  }

  private Map<String, String> functionEnvironment() {
    Map<String, String> env = new HashMap<>(LOCAL_DEFAULTS);
    env.putAll(environment);
    if (catalog != null) {
      if (!Files.isRegularFile(catalog)) {
        throw usage(
            "--catalog " + catalog + (Files.exists(catalog) ? ": not a file" : ": no such file"));
      }
      env.put(CatalogLoader.CATALOG_ENV, catalog.toAbsolutePath().toString());
    }
    return env;
  }

  private Mode mode() {
    if (Files.exists(state) && !Files.isDirectory(state)) {
      throw usage("--state " + state + ": not a folder");
    }
    if (ecs == null) {
      Path dir = state.resolve("dry-run");
      return new Mode("records in " + dir + "/ (DynamoDB Local)", dir, true);
    }
    if (ecs.moto) {
      return new Mode(
          "moto and its records (in memory) last for this run only", state.resolve("moto"), false);
    }
    URI url = ecs.endpoint;
    if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
        || url.getHost() == null) {
      throw usage("--ecs-endpoint " + url + ": expected an http:// or https:// URL with a host");
    }
    int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    String name = (url.getHost() + "-" + port).replaceAll("[^A-Za-z0-9.-]", "_");
    Path dir = state.resolve("ecs-endpoint").resolve(name);
    return new Mode("records in " + dir + "/ (DynamoDB Local)", dir, true);
  }

  /** The records' folder (null: in memory), emptied first with {@code --reset}. */
  private Path prepareState(Mode mode, PrintWriter err) {
    Path records = mode.keepsRecords() ? mode.dir().resolve("dynamodb") : null;
    try {
      if (reset && records != null && Files.exists(records)) {
        deleteTree(records);
        err.println("batch-runner local: --reset: forgot the records in " + records + "/");
      }
      Files.createDirectories(records != null ? records : mode.dir());
      if (records == null) {
        // The last run's moto log is of no use to this one (each moto is new).
        try (var logs = Files.newDirectoryStream(mode.dir(), "moto-server-*.log")) {
          for (Path log : logs) {
            Files.delete(log);
          }
        }
      }
    } catch (IOException e) {
      throw new CliException(ExitCode.FAILURE, "--state " + state + ": " + e, e);
    }
    return records;
  }

  private EcsClient startMoto(
      Mode mode,
      Map<String, String> env,
      Map<String, Set<String>> taskDefinitions,
      Resources resources,
      PrintWriter err) {
    if (!MotoServer.available()) {
      throw new CliException(
          ExitCode.FAILURE,
          "--moto: moto's server is not installed here (python3 -m moto.server):"
              + " pip install \"moto[server]\"");
    }
    try {
      MotoServer moto = resources.add(MotoServer.start(mode.dir()));
      EcsClient ecsClient = resources.add(moto.configure(EcsClient.builder()).build());
      Ec2Client ec2 = resources.add(moto.configure(Ec2Client.builder()).build());
      env.putAll(MotoEcsFixture.provision(ecsClient, ec2, taskDefinitions));
      err.println(
          "batch-runner local: RunTask goes to moto at "
              + moto.endpoint()
              + ", cluster "
              + env.get(MotoEcsFixture.CLUSTER_ARN)
              + "; "
              + mode.description());
      return ecsClient;
    } catch (IllegalStateException | SdkException e) {
      throw new CliException(ExitCode.FAILURE, "--moto: " + e.getMessage(), e);
    }
  }

  /**
   * Prints one line per request (stderr) and answers the function's answer; a rejected or failed
   * direct request ends the command instead.
   */
  private String report(LocalFunction.Result result, Mode mode, PrintWriter err) {
    if (result instanceof LocalFunction.Result.Rejected rejected) {
      throw new CliException(
          ExitCode.USAGE,
          "EVENT_FILE "
              + eventFile
              + ": the function rejected it: "
              + rejected.field()
              + ": "
              + rejected.reason());
    }
    if (result instanceof LocalFunction.Result.Failed failed) {
      throw new CliException(
          ExitCode.FAILURE,
          "not dispatched"
              + (failed.retryable() ? " (a retry may succeed): " : ": ")
              + failed.message());
    }
    List<LocalFunction.Request> requests = result.requests();
    requests.forEach(request -> err.println(describe(request)));
    if (mode.keepsRecords()
        && requests.stream().anyMatch(request -> "DUPLICATE".equals(request.outcome()))) {
      err.println(
          "batch-runner local: DUPLICATE: the records in "
              + mode.dir().resolve("dynamodb")
              + "/ already hold that request (from an earlier run), so no task was started now;"
              + " --reset forgets them.");
    }
    return ((LocalFunction.Result.Answered) result).answer();
  }

  /** 0 when every request was dispatched or a duplicate; an SQS batch's worst record otherwise. */
  private static int exitCode(List<LocalFunction.Request> requests) {
    if (requests.stream().anyMatch(request -> "FAILED".equals(request.outcome()))) {
      return ExitCode.FAILURE;
    }
    if (requests.stream().anyMatch(request -> "REJECTED".equals(request.outcome()))) {
      return ExitCode.USAGE;
    }
    return ExitCode.OK;
  }

  private static String describe(LocalFunction.Request request) {
    StringBuilder line = new StringBuilder(request.outcome());
    if (request.messageId() != null) {
      line.append(" (SQS message ").append(request.messageId()).append(')');
    }
    if (request.idempotencyKey() != null) {
      line.append(' ').append(request.idempotencyKey());
    } else if (request.batchTypeId() != null) {
      line.append(' ').append(request.batchTypeId());
    }
    if (request.traceId() != null) {
      line.append(", trace ").append(request.traceId());
    }
    switch (request.outcome()) {
      case "DISPATCHED" ->
          line.append(
              request.dryRun() ? ": dry run, no task started" : ": task " + request.taskArns());
      case "DUPLICATE" -> line.append(": dispatched before, task ").append(request.taskArns());
      case "FAILED" ->
          line.append(": ")
              .append(request.reason())
              .append(request.retryable() ? " (a retry may succeed)" : "");
      default -> line.append(": ").append(request.reason());
    }
    return line.toString();
  }

  /** What moto now runs, as DescribeTasks reports it: the proof that RunTask was sent. */
  private static void printMotoTasks(EcsClient ecs, String cluster, PrintWriter err) {
    List<String> arns = ecs.listTasks(b -> b.cluster(cluster)).taskArns();
    if (arns.isEmpty()) {
      err.println("moto: no task was started");
      return;
    }
    for (Task task : ecs.describeTasks(b -> b.cluster(cluster).tasks(arns)).tasks()) {
      StringBuilder text = new StringBuilder();
      task.overrides()
          .containerOverrides()
          .forEach(
              container ->
                  container
                      .environment()
                      .forEach(
                          kv ->
                              text.append("\n    ")
                                  .append(kv.name())
                                  .append('=')
                                  .append(kv.value())));
      err.println(
          "moto task "
              + task.taskArn()
              + " ("
              + task.lastStatus()
              + ", startedBy "
              + task.startedBy()
              + "), environment:"
              + text);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private static String pretty(String json) {
    try {
      return JSON.writeValueAsString(JSON.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** What a run started, closed in reverse order however the run ends. */
  private static final class Resources implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    <T extends AutoCloseable> T add(T resource) {
      open.push(resource);
      return resource;
    }

    @Override
    public void close() {
      while (!open.isEmpty()) {
        try {
          open.pop().close();
        } catch (Exception e) {
          // Best effort: the answer is out, and the next resource must still be closed.
        }
      }
    }
  }
}
