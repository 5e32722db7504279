package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code list}: the newest records, by batch type, status and age. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    description = {
      "Lists records newest first: age, batch type, status, attempt, exit code, trace id, task and"
          + " key. Each batch type is one Query on the table's byBatchType index (never a Scan);"
          + " without --batch, every batch type of the catalog."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  batch-runner list --status FAILED --since 24h",
      "  batch-runner list --batch daily-report --limit 5 --json"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:listed (also when none matched)", "1:AWS failure", "2:bad argument"})
final class ListCommand extends RecordsCommand implements Callable<Integer> {
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,6})([smhd])");

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin AwsOptions aws;
  @Mixin CatalogOption catalogOption;
  @Mixin Output output;

  @Option(names = "--batch", paramLabel = "TYPE", description = "only this batch type")
  String batch;

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      description =
          "only this status: IN_PROGRESS, DISPATCHED, RUNNING, SUCCEEDED or FAILED (any case)")
  String status;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "only records created within it: 90s, 30m, 24h, 7d, or ISO-8601 (PT2H)")
  String since;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "at most N records (1-1000; default ${DEFAULT-VALUE})")
  int limit;

  ListCommand(Map<String, String> environment, Clock clock) {
    super(environment, clock);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (limit < 1 || limit > 1000) {
      throw new CliException(ExitCode.USAGE, "--limit: " + limit + " is not between 1 and 1000");
    }
    RequestStatus wanted = status();
    Instant now = clock.instant();
    Instant from = since == null ? null : now.minus(duration());
    aws.check(environment);
    BatchCatalog catalog = catalogOption.load(aws.catalogEnvironment(environment));
    List<String> batchTypes =
        batch != null ? List.of(batch) : List.copyOf(new TreeSet<>(catalog.batchTypeIds()));
    List<IdempotencyRecord> records =
        withQueries(
            aws,
            queries -> {
              List<IdempotencyRecord> all = new ArrayList<>();
              for (String type : batchTypes) {
                all.addAll(queries.byBatchType(type, from, wanted, limit));
              }
              all.sort(
                  Comparator.comparing(IdempotencyRecord::createdAt)
                      .reversed()
                      .thenComparing(IdempotencyRecord::id));
              return all.size() > limit ? all.subList(0, limit) : all;
            });
    if (output.json) {
      List<Map<String, Object>> docs = new ArrayList<>();
      records.forEach(r -> docs.add(RecordView.json(r, catalog)));
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("records", docs);
      Output.printJson(out, json);
    } else if (records.isEmpty()) {
      out.println("(no records)");
    } else {
      List<List<String>> rows = new ArrayList<>();
      records.forEach(r -> rows.add(RecordView.row(r, now)));
      out.print(Output.table(RecordView.ROW_HEADER, rows));
    }
    return ExitCode.OK;
  }

  private RequestStatus status() {
    if (status == null) {
      return null;
    }
    try {
      return RequestStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          ExitCode.USAGE,
          "--status: '"
              + status
              + "' is none of IN_PROGRESS, DISPATCHED, RUNNING, SUCCEEDED, FAILED");
    }
  }

  private Duration duration() {
    Matcher m = SHORT_DURATION.matcher(since.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      Duration d = Duration.parse(since.trim().toUpperCase(Locale.ROOT));
      if (!d.isNegative()) {
        return d;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw new CliException(
        ExitCode.USAGE,
        "--since: '" + since + "' is not a duration such as 90s, 30m, 24h, 7d, PT2H");
  }
}
