package dev.batchrunner.cli;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.aws.sdk.SdkClients;
import dev.batchrunner.cli.DeadLetterReplay.Replayed;
import dev.batchrunner.cli.DeadLetterReplay.Result;
import dev.batchrunner.cli.DeadLetterReplay.Summary;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code batch-runner replay --queue URL}: drains one of the stack's dead-letter queues, handing
 * each event in it on again (see {@link DeadLetter} for what is replayable and {@link
 * DeadLetterReplay} for the loop).
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    sortOptions = false,
    header =
        "Drains a dead-letter queue of the stack: hands each event on again, deletes it once"
            + " handed on.",
    description = {
      "Drains one of the stack's dead-letter queues: EventsDeadLetterQueue (what the rules and"
          + " the schedule could not deliver), FailedInvocationsQueue (Lambda's failure records;"
          + " the event is their requestPayload), IntakeDeadLetterQueue (Queue intake) or"
          + " FifoIntakeDeadLetterQueue (FifoQueue intake).",
      "",
      "Where each event goes:",
      "- a \"Batch Requested\" envelope: back on --bus (PutEvents with its own source,"
          + " detail-type and detail: the requests rule matched that source once, so it matches"
          + " again; a detail without a traceId gets the envelope's id, the trace id the function"
          + " would have taken);",
      "- a bare request (the schedule's input, a direct invoke): to --function, as the schedule"
          + " sends it (the requests rule matches only the monolith's source);",
      "- an ECS Task State Change: to --function (EventBridge refuses aws.* sources);",
      "- with --direct, each of them: to --function.",
      "Invokes are synchronous (RequestResponse): an answer with a function error is a failure.",
      "",
      "A message is deleted only after its event was handed on: PutEvents accepted the entry, or"
          + " the function answered without an error. Every other message stays in the queue and"
          + " is made visible again at the end: failed hand-ons, messages whose --bus or"
          + " --function was not given, and messages that are not replayable (not JSON, another"
          + " kind of event, an SQS batch), which replay never deletes. Stop and run it again at"
          + " any time: a request that was dispatched answers DUPLICATE, an old or repeated task"
          + " state change changes nothing.",
      "",
      "stdout: one row per message received (--json: one document); stderr: progress on a"
          + " terminal, then a summary.",
      "Region: --region, $AWS_REGION, else the queue URL's. Endpoints: $AWS_ENDPOINT_URL_SQS,"
          + " $AWS_ENDPOINT_URL_EVENTBRIDGE, $AWS_ENDPOINT_URL_LAMBDA, else $AWS_ENDPOINT_URL.",
      "IAM: sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the"
          + " queue; events:PutEvents on the bus; lambda:InvokeFunction on the function.",
      ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  # list what is there and where it would go (hands on and deletes nothing)",
      "  batch-runner replay --dry-run --queue \"$EVENTS_DLQ_URL\" \\",
      "      --bus batch-runner-prod-batch-requests \\",
      "      --function batch-runner-prod-batch-runner:live",
      "  # then without --dry-run. Lambda's failure records, each to the function:",
      "  batch-runner replay --direct --json --queue \"$FAILED_INVOCATIONS_URL\" \\",
      "      --function batch-runner-prod-batch-runner:live",
      "  (the URLs: stack outputs EventsDeadLetterQueueUrl, FailedInvocationsQueueUrl)"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:every message received was handed on and deleted (--dry-run: every one would be)",
      "1:an AWS call failed: on the queue (missing, access denied), or a hand-on (PutEvents"
          + " refused the entry, Invoke failed, the function answered an error); those messages"
          + " stay in the queue",
      "2:a bad or missing option, or messages left in the queue because they are not replayable"
          + " or their --bus / --function was not given (when 1 applies too, the status is 1)"
    })
public final class ReplayCommand implements Callable<Integer> {
  /** Every AWS action replay calls, for the operator's policy (and the test that checks it). */
  public static final List<String> IAM_ACTIONS =
      List.of(
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "events:PutEvents",
          "lambda:InvokeFunction");

  static final String SQS_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SQS";
  static final String LAMBDA_ENDPOINT_ENV = "AWS_ENDPOINT_URL_LAMBDA";

  /** Receives wait up to 20 s and the function runs up to 30 s: reads may take that long. */
  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

  /** SQS: the standard retries; an attempt outlasts the longest long poll (20 s). */
  private static final ClientSettings SQS =
      new ClientSettings(
          4,
          new ClientSettings.Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)),
          new ClientSettings.Backoff(Duration.ofMillis(250), Duration.ofSeconds(3)),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));

  /**
   * Lambda: an attempt outlasts the function's 30 s timeout. A retried Invoke can run the function
   * twice, which is harmless (a dispatched request answers DUPLICATE).
   */
  private static final ClientSettings LAMBDA =
      new ClientSettings(
          3,
          new ClientSettings.Backoff(Duration.ofMillis(250), Duration.ofSeconds(3)),
          new ClientSettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5)),
          Duration.ofSeconds(45),
          Duration.ofSeconds(120));

  private static final Pattern QUEUE_PATH = Pattern.compile("/[^/]+/[^/]+/?");
  private static final Pattern QUEUE_ARN =
      Pattern.compile("arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\\d{12}):([A-Za-z0-9_.-]+)");
  private static final List<Pattern> REGION_HOSTS =
      List.of(
          Pattern.compile("sqs\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?"),
          Pattern.compile("([a-z0-9-]+)\\.queue\\.amazonaws\\.com(\\.cn)?"),
          Pattern.compile("sqs\\.([a-z0-9-]+)\\.api\\.aws"));

  @Spec CommandSpec spec;

  @Option(
      names = "--queue",
      paramLabel = "URL",
      required = true,
      description =
          "the dead-letter queue's URL (stack outputs EventsDeadLetterQueueUrl,"
              + " FailedInvocationsQueueUrl, IntakeDeadLetterQueueUrl)")
  String queue;

  @Option(
      names = "--bus",
      paramLabel = "NAME_OR_ARN",
      description =
          "the requests bus, for Batch Requested envelopes (stack output BatchRequestsBusArn)")
  String bus;

  @Option(
      names = "--function",
      paramLabel = "NAME_OR_ARN",
      description =
          "the function, for task state changes and bare requests (stack output"
              + " FunctionAliasArn)")
  String function;

  @Option(
      names = "--direct",
      description = "invoke the function with every event, Batch Requested envelopes too")
  boolean direct;

  @Option(
      names = "--dry-run",
      description =
          "list what would be replayed and where; hand nothing on, delete nothing (the messages"
              + " are visible again when it ends)")
  boolean dryRun;

  @Option(
      names = "--max",
      paramLabel = "N",
      description = "receive at most N messages (default: until the queue is empty)")
  Integer max;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description =
          "how long each receive waits for a message, SQS long polling, 0-20 (default:"
              + " ${DEFAULT-VALUE}); the run ends at the first receive that finds none")
  int waitSeconds;

  @Mixin Output output;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description =
          "the AWS region (default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the queue URL's)")
  String region;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description =
          "the AWS profile of ~/.aws/config (default: $AWS_PROFILE, else the default chain)")
  String profile;

  private final Map<String, String> environment;

  ReplayCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI queueUrl = queueUrl(queue);
    String busName = name("--bus", bus);
    String functionName = name("--function", function);
    checkTargets(busName, functionName);
    if (max != null && max < 1) {
      throw usage("--max " + max + ": give at least 1");
    }
    if (waitSeconds < 0 || waitSeconds > 20) {
      throw usage("--wait " + waitSeconds + ": SQS waits 0 to 20 seconds");
    }
    AwsConnection aws = connection(queueUrl);
    String queueRegion = regionOf(queueUrl);
    if (queueRegion != null && !queueRegion.equals(aws.region().id())) {
      // SQS would answer that the queue does not exist: say what is wrong instead.
      throw usage(
          "--queue "
              + queue
              + ": a queue in "
              + queueRegion
              + ", but the region is "
              + aws.region().id()
              + " (--region, $AWS_REGION): give --region "
              + queueRegion);
    }
    URI sqsEndpoint = endpoint(SQS_ENDPOINT_ENV);
    URI lambdaEndpoint = endpoint(LAMBDA_ENDPOINT_ENV);

    DeadLetterReplay.Settings settings =
        new DeadLetterReplay.Settings(
            queueUrl.toString(),
            busName,
            functionName,
            direct,
            dryRun,
            max == null ? 0 : max,
            waitSeconds);
    Summary summary;
    ReplayProgress progress =
        new ReplayProgress(err, ReplayProgress.stderrIsTerminal(), System::nanoTime);
    try (SdkHttpClient http =
            UrlConnectionHttpClient.builder()
                .connectionTimeout(SdkClients.CONNECTION_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build();
        SqsClient sqs = SdkClients.build(SqsClient.builder(), aws, sqsEndpoint, http, SQS);
        EventBridgeClient events =
            busName == null ? null : SdkClients.eventBridge(aws, http, ClientSettings.EVENTBRIDGE);
        LambdaClient lambda =
            functionName == null
                ? null
                : SdkClients.build(LambdaClient.builder(), aws, lambdaEndpoint, http, LAMBDA)) {
      summary = new DeadLetterReplay(sqs, events, lambda, settings).run(progress);
    } finally {
      progress.finish();
    }
    if (output.json) {
      Output.printJson(out, document(settings, summary));
    } else if (!summary.messages().isEmpty()) {
      out.print(table(summary));
      out.flush();
    }
    report(summary, err);
    return exitCode(summary);
  }

  /** 1 when an AWS call or a hand-on failed, else 2 when messages were left, else 0. */
  static int exitCode(Summary summary) {
    if (summary.stop() == DeadLetterReplay.Stop.ERROR || summary.count(Result.FAILED) > 0) {
      return ExitCode.FAILURE;
    }
    if (summary.count(Result.SKIPPED) > 0) {
      return ExitCode.USAGE;
    }
    return ExitCode.OK;
  }

  /** The {@code --json} document. */
  static Map<String, Object> document(DeadLetterReplay.Settings settings, Summary summary) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("queue", settings.queueUrl());
    doc.put("dryRun", summary.dryRun());
    doc.put("received", summary.messages().size());
    doc.put("replayed", summary.count(Result.REPLAYED));
    doc.put("failed", summary.count(Result.FAILED));
    doc.put("skipped", summary.count(Result.SKIPPED));
    doc.put("stopped", summary.stop().name());
    doc.put("error", summary.error());
    List<Map<String, Object>> messages = new ArrayList<>();
    for (Replayed m : summary.messages()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("messageId", m.messageId());
      row.put("kind", m.letter().kind().name());
      row.put("from", m.letter().from() == null ? null : m.letter().from().name());
      row.put("batchTypeId", m.letter().batchTypeId());
      row.put("traceId", m.letter().traceId());
      row.put("target", m.target());
      row.put("result", m.result().name());
      row.put("detail", m.detail());
      row.put("originalError", m.letter().error());
      messages.add(row);
    }
    doc.put("messages", messages);
    doc.put("warnings", summary.warnings());
    return doc;
  }

  /** One row per message, for people; untrusted text made safe for a terminal. */
  static String table(Summary summary) {
    List<List<String>> rows = new ArrayList<>();
    for (Replayed m : summary.messages()) {
      String detail = m.detail();
      if (m.result() == Result.DRY_RUN && m.letter().error() != null) {
        detail = detail + "; it failed with: " + m.letter().error();
      }
      rows.add(
          Arrays.asList(
              cell(m.messageId()),
              m.letter().kind().name(),
              cell(m.letter().batchTypeId()),
              cell(m.letter().traceId()),
              cell(m.target()),
              m.result().name(),
              cell(detail)));
    }
    return Output.table(
        List.of("MESSAGE ID", "KIND", "BATCH TYPE", "TRACE ID", "TARGET", "RESULT", "DETAIL"),
        rows);
  }

  /** The summary line, then what to do about what was left. */
  static void report(Summary summary, PrintWriter err) {
    String name = "batch-runner replay: ";
    int received = summary.messages().size();
    int failed = summary.count(Result.FAILED);
    int skipped = summary.count(Result.SKIPPED);
    if (summary.dryRun()) {
      err.println(
          name
              + "dry run: "
              + received
              + " received: "
              + summary.count(Result.DRY_RUN)
              + " would be replayed, "
              + skipped
              + " skipped; nothing was handed on or deleted");
    } else {
      err.println(
          name
              + received
              + " received: "
              + summary.count(Result.REPLAYED)
              + " replayed and deleted, "
              + failed
              + " failed, "
              + skipped
              + " skipped"
              + (failed + skipped > 0 ? "; " + (failed + skipped) + " left in the queue" : ""));
    }
    if (summary.stop() == DeadLetterReplay.Stop.MAX) {
      err.println(name + "stopped at --max " + received + "; the queue may hold more");
    }
    if (failed > 0) {
      err.println(
          name + failed + " hand-on(s) failed (see DETAIL); fix the cause, then run replay again");
    }
    int needsBus = 0;
    int needsFunction = 0;
    int unreplayable = 0;
    for (Replayed m : summary.messages()) {
      if (m.result() != Result.SKIPPED) {
        continue;
      }
      switch (m.letter().kind()) {
        case UNREPLAYABLE -> unreplayable++;
        case BATCH_REQUESTED -> needsBus++;
        default -> needsFunction++;
      }
    }
    if (needsBus > 0) {
      err.println(
          name
              + needsBus
              + " Batch Requested envelope(s) need --bus NAME_OR_ARN (or --direct --function)");
    }
    if (needsFunction > 0) {
      err.println(
          name
              + needsFunction
              + " task state change(s) or bare request(s) need --function NAME_OR_ARN");
    }
    if (unreplayable > 0) {
      err.println(
          name
              + unreplayable
              + " message(s) are not replayable (see DETAIL) and stay in the queue: replay never"
              + " deletes them; read them with aws sqs receive-message, delete them by hand");
    }
    if (summary.error() != null) {
      err.println(name + summary.error());
    }
    for (String warning : summary.warnings()) {
      err.println(name + "warning: " + warning);
    }
  }

  private void checkTargets(String busName, String functionName) {
    if (direct && functionName == null) {
      throw usage("--direct: invokes --function with every event; give --function NAME_OR_ARN");
    }
    if (direct && busName != null) {
      throw usage("--direct: every event goes to --function, so --bus would not be used");
    }
    if (!dryRun && busName == null && functionName == null) {
      throw usage(
          "nothing to hand the events on to: give --bus NAME_OR_ARN (Batch Requested envelopes)"
              + " and/or --function NAME_OR_ARN (task state changes, bare requests; everything"
              + " with --direct), or --dry-run to list them");
    }
  }

  private static String name(String option, String value) {
    if (value == null) {
      return null;
    }
    if (value.isBlank()) {
      throw usage(option + ": empty; give a name or an ARN");
    }
    return value.strip();
  }

  /**
   * The queue URL, checked.
   *
   * @throws CliException exit 2, with the URL to use when an ARN was given
   */
  static URI queueUrl(String value) {
    Matcher arn = QUEUE_ARN.matcher(value.strip());
    if (arn.matches()) {
      String domain = arn.group(1).equals("aws-cn") ? "amazonaws.com.cn" : "amazonaws.com";
      throw usage(
          "--queue "
              + value
              + ": a queue ARN; give its URL: https://sqs."
              + arn.group(2)
              + "."
              + domain
              + "/"
              + arn.group(3)
              + "/"
              + arn.group(4));
    }
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null
        || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
        || uri.getHost() == null
        || uri.getRawPath() == null
        || !QUEUE_PATH.matcher(uri.getRawPath()).matches()
        || uri.getRawQuery() != null) {
      throw usage(
          "--queue "
              + value
              + ": not a queue URL; expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (stack"
              + " outputs EventsDeadLetterQueueUrl, FailedInvocationsQueueUrl)");
    }
    return uri;
  }

  /** The region an AWS queue URL names, or null (a local endpoint's URL names none). */
  static String regionOf(URI queueUrl) {
    for (Pattern host : REGION_HOSTS) {
      Matcher m = host.matcher(queueUrl.getHost());
      if (m.matches()) {
        return m.group(1);
      }
    }
    return null;
  }

  private AwsConnection connection(URI queueUrl) {
    AwsOptions aws = new AwsOptions();
    aws.profile = profile;
    aws.region = region;
    if (region == null
        && isBlank(environment.get(AwsConnection.REGION_ENV))
        && isBlank(environment.get(AwsConnection.DEFAULT_REGION_ENV))) {
      aws.region = regionOf(queueUrl);
    }
    return aws.connection(environment);
  }

  /** The service's endpoint variable, else {@code AWS_ENDPOINT_URL}, as the SDK reads them. */
  private URI endpoint(String serviceVariable) {
    try {
      return AwsConnection.endpoint(environment, serviceVariable);
    } catch (IllegalStateException e) {
      throw usage(e.getMessage());
    }
  }

  private static String cell(String text) {
    if (text == null) {
      return null;
    }
    String line = text.replaceAll("\\s+", " ").replaceAll("[\\p{Cc}\\p{Cf}]", "?");
    return line.length() <= 400 ? line : line.substring(0, 400) + "…";
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private static CliException usage(String message) {
    return new CliException(ExitCode.USAGE, message);
  }
}
