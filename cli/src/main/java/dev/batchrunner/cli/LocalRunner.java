package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.emulators.DynamoDbLocal;
import dev.batchrunner.emulators.MotoEcsFixture;
import dev.batchrunner.emulators.MotoServer;
import dev.batchrunner.function.Wiring;
import dev.batchrunner.function.event.EventProcessor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * README's "run it locally" command: dispatches one {@code events/} file end to end with no AWS
 * account. DynamoDB Local keeps its state under {@code .local/}, so the same event twice answers
 * DUPLICATE; ECS is a dry run that prints the exact RunTask request, or the endpoint given with
 * {@code --ecs-endpoint} (e.g. moto).
 *
 * <pre>
 * mvn -q test-compile exec:java@local -Dexec.args="events/monolith-put-events.json"
 * </pre>
 */
public final class LocalRunner {
  static final String TABLE = "batch-runner-local";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Values for the shipped catalog's placeholders when the environment does not set them. */
  static final Map<String, String> LOCAL_DEFAULTS =
      Map.of(
          "CLUSTER_ARN", "arn:aws:ecs:eu-west-1:000000000000:cluster/local",
          "SUBNET_IDS", "subnet-local1,subnet-local2",
          "SECURITY_GROUP_IDS", "sg-local",
          "REPORT_BUCKET", "local-reports");

  private LocalRunner() {}

  public static void main(String[] args) throws IOException {
    Options options = Options.parse(args);
    if (options == null) {
      System.err.println(
          "usage: LocalRunner EVENT.json [--moto | --ecs-endpoint URL] [--state DIR] [--reset]\n"
              + "  EVENT.json      an events/ file (EventBridge envelope, bare request or SQS batch)\n"
              + "  --moto          start moto's server, provision cluster, task definitions and\n"
              + "                  network in it, send the RunTask there and read the task back\n"
              + "  --ecs-endpoint  send RunTask to this endpoint instead of a dry run\n"
              + "  --state DIR     where DynamoDB Local keeps its data (default .local)\n"
              + "  --reset         forget earlier dispatches first");
      throw new LocalRunException("bad arguments");
    }
    int code = run(options, System.out);
    if (code != 0) {
      throw new LocalRunException("the event was not dispatched (exit " + code + ")");
    }
  }

  /** Runs one event; returns 0 when the handler answered, 1 when it threw. */
  static int run(Options options, PrintStream out) throws IOException {
    return run(options, System.getenv(), out);
  }

  /**
   * Runs one event with {@code environment} in place of the process's (tests point {@code
   * BATCH_CATALOG} at their own catalog: the shipped one is the user's).
   */
  static int run(Options options, Map<String, String> environment, PrintStream out)
      throws IOException {
    byte[] event = Files.readAllBytes(options.event());
    Path dbDir = options.state().resolve("dynamodb");
    if (options.reset()) {
      deleteTree(dbDir);
    }
    Files.createDirectories(dbDir);
    Map<String, String> env = new HashMap<>(LOCAL_DEFAULTS);
    env.putAll(environment);
    if (options.moto()) {
      if (!MotoServer.available()) {
        out.println("--moto needs moto's server: pip install 'moto[server]'");
        return 1;
      }
      try (MotoServer moto = MotoServer.start();
          EcsClient ecs = moto.configure(EcsClient.builder()).build();
          Ec2Client ec2 = moto.configure(Ec2Client.builder()).build()) {
        BatchCatalog draft = CatalogLoader.fromEnvironment(env);
        env.putAll(MotoEcsFixture.provision(ecs, ec2, MotoEcsFixture.containersByFamily(draft)));
        out.println("moto: " + moto.endpoint() + ", cluster " + env.get("CLUSTER_ARN"));
        int code = run(event, dbDir, env, new EcsTaskLauncher(ecs), out);
        printTasks(ecs, env.get("CLUSTER_ARN"), out);
        return code;
      }
    }
    TaskLauncher launcher =
        options.ecsEndpoint() == null
            ? new DryRunTaskLauncher(
                DynamoDbLocal.REGION,
                json -> out.println("RunTask request (dry run, not sent):\n" + pretty(json)))
            : new EcsTaskLauncher(ecs(options.ecsEndpoint()));
    return run(event, dbDir, env, launcher, out);
  }

  private static int run(
      byte[] event, Path dbDir, Map<String, String> env, TaskLauncher launcher, PrintStream out)
      throws IOException {
    try (DynamoDbLocal dynamo = DynamoDbLocal.start(dbDir.toAbsolutePath().toString())) {
      dynamo.createIdempotencyTable(TABLE);
      BatchCatalog catalog = CatalogLoader.fromEnvironment(env);
      EventProcessor processor =
          Wiring.create(
              catalog,
              new DynamoDbIdempotencyStore(dynamo.client(), TABLE),
              launcher,
              Clock.systemUTC(),
              () -> UUID.randomUUID().toString(),
              Wiring.defaultObserver(env));
      try {
        byte[] answer = processor.process(event, Duration.ofMinutes(1));
        out.println("Handler answer:\n" + pretty(new String(answer, StandardCharsets.UTF_8)));
        return 0;
      } catch (RequestRejectedException | DispatchFailedException e) {
        // What the Lambda runtime reports for an invocation that threw.
        Map<String, String> error = new java.util.LinkedHashMap<>();
        error.put("errorType", e.getClass().getSimpleName());
        error.put("errorMessage", e.getMessage());
        out.println("Handler error:\n" + JSON.writeValueAsString(error));
        return 1;
      }
    }
  }

  /** What moto now runs, as DescribeTasks reports it (the proof that RunTask was sent). */
  private static void printTasks(EcsClient ecs, String cluster, PrintStream out) {
    List<String> arns = ecs.listTasks(b -> b.cluster(cluster)).taskArns();
    if (arns.isEmpty()) {
      out.println("moto: no task was started");
      return;
    }
    for (Task task : ecs.describeTasks(b -> b.cluster(cluster).tasks(arns)).tasks()) {
      StringBuilder env = new StringBuilder();
      task.overrides()
          .containerOverrides()
          .forEach(
              c ->
                  c.environment()
                      .forEach(
                          kv ->
                              env.append("\n    ")
                                  .append(kv.name())
                                  .append('=')
                                  .append(kv.value())));
      out.println(
          "moto task "
              + task.taskArn()
              + " ("
              + task.lastStatus()
              + ", startedBy "
              + task.startedBy()
              + "), environment:"
              + env);
    }
  }

  private static EcsClient ecs(URI endpoint) {
    return EcsClient.builder()
        .endpointOverride(endpoint)
        .region(DynamoDbLocal.REGION)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static String pretty(String json) {
    try {
      return JSON.writeValueAsString(JSON.readTree(json));
    } catch (IOException e) {
      return json;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Command-line options. */
  record Options(Path event, URI ecsEndpoint, Path state, boolean reset, boolean moto) {
    Options(Path event, URI ecsEndpoint, Path state, boolean reset) {
      this(event, ecsEndpoint, state, reset, false);
    }

    static Options parse(String[] args) {
      Path event = null;
      URI endpoint = null;
      Path state = Path.of(".local");
      boolean reset = false;
      boolean moto = false;
      List<String> rest = new ArrayList<>(List.of(args));
      for (int i = 0; i < rest.size(); i++) {
        String arg = rest.get(i);
        switch (arg) {
          case "--ecs-endpoint" -> {
            if (++i >= rest.size()) {
              return null;
            }
            endpoint = URI.create(rest.get(i));
          }
          case "--state" -> {
            if (++i >= rest.size()) {
              return null;
            }
            state = Path.of(rest.get(i));
          }
          case "--reset" -> reset = true;
          case "--moto" -> moto = true;
          default -> {
            if (arg.startsWith("--") || event != null) {
              return null;
            }
            event = Path.of(arg);
          }
        }
      }
      if (event == null || (moto && endpoint != null)) {
        return null;
      }
      return new Options(event, endpoint, state, reset, moto);
    }
  }

  /** Ends the Maven run with a non-zero exit after the answer has been printed. */
  static final class LocalRunException extends RuntimeException {
    LocalRunException(String message) {
      super(message, null, false, false);
    }
  }
}
