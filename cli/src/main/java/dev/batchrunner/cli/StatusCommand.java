package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code status}: one request's record with its attempts. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    description = {
      "Shows a request's record: status, attempts (task, exit code, stop code, reason, why each"
          + " started), trace id, parameters (sensitive ones masked), created and expiry times.",
      "Find it by its key, by the trace id of the request that created it, or by batch type and"
          + " parameters (the key is then computed exactly as the function computes it)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  batch-runner status --batch daily-report --param reportDate=2026-11-22 --param tenant=acme",
      "  batch-runner status --trace-id 8f0c1c6e-0d5b-4bd6-9a43-2b2f8a1d4c11 --json",
      "  batch-runner status --key 'daily-report#838f1a12…'"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:found",
      "1:AWS failure",
      "2:bad argument (e.g. a --param the batch does not declare)",
      "3:no such record"
    })
final class StatusCommand extends RecordsCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin AwsOptions aws;
  @Mixin CatalogOption catalogOption;
  @Mixin Output output;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Selector selector;

  static final class Selector {
    @Option(names = "--key", paramLabel = "ID", description = "the record id, BATCH_TYPE#SHA256")
    String key;

    @Option(
        names = "--trace-id",
        paramLabel = "ID",
        description = "the trace id of the request that created the record")
    String traceId;

    @Option(
        names = "--batch",
        paramLabel = "TYPE",
        description = "the batch type; with --param, the request's parameters")
    String batch;
  }

  @Option(
      names = "--param",
      paramLabel = "NAME=VALUE",
      description = "a parameter of the request (with --batch; repeat for each)")
  Map<String, String> parameters = new LinkedHashMap<>();

  @Option(
      names = "--idempotency-key",
      paramLabel = "KEY",
      description = "the request's explicit idempotencyKey, if it gave one (with --batch)")
  String explicitKey;

  StatusCommand(Map<String, String> environment, Clock clock) {
    super(environment, clock);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    aws.check(environment);
    BatchCatalog catalog = catalogOption.load(aws.catalogEnvironment(environment));
    if (selector.batch == null && (!parameters.isEmpty() || explicitKey != null)) {
      throw new CliException(ExitCode.USAGE, "--param and --idempotency-key go with --batch");
    }
    String key = selector.key;
    if (selector.batch != null) {
      key = keyOf(catalog);
    }
    String lookedFor = key;
    IdempotencyRecord record =
        withQueries(
            aws,
            queries -> {
              if (lookedFor != null) {
                return queries.find(lookedFor).orElse(null);
              }
              List<IdempotencyRecord> found = queries.byTraceId(selector.traceId, 20);
              if (found.size() > 1) {
                err.println(
                    "batch-runner status: "
                        + found.size()
                        + " records have trace id "
                        + selector.traceId
                        + "; showing the newest. The others: "
                        + found.stream().map(IdempotencyRecord::id).toList());
              }
              return found.stream()
                  .max(Comparator.comparing(IdempotencyRecord::createdAt))
                  .orElse(null);
            });
    if (record == null) {
      throw new CliException(
          ExitCode.NOT_FOUND,
          "no record "
              + (lookedFor != null ? lookedFor : "with trace id " + selector.traceId)
              + " in table "
              + (aws.local ? LocalCommand.TABLE + " (--local)" : aws.table(environment))
              + " (never dispatched, or past its window and deleted)");
    }
    if (output.json) {
      Output.printJson(out, RecordView.json(record, catalog));
    } else {
      out.print(RecordView.text(record, catalog, clock.instant()));
    }
    return ExitCode.OK;
  }

  /** The record id of --batch and --param, resolved exactly as the function resolves a request. */
  private String keyOf(BatchCatalog catalog) {
    Resolution resolution =
        new RequestResolver(catalog)
            .resolve(new BatchRequest(selector.batch, "status", parameters, explicitKey, null));
    if (resolution instanceof Resolution.Invalid invalid) {
      String field = invalid.rejection().field();
      String option =
          field.startsWith("parameters")
              ? "--param"
              : field.equals("batchTypeId") ? "--batch" : "--" + field;
      throw new CliException(
          ExitCode.USAGE, option + ": " + field + ": " + invalid.rejection().reason());
    }
    return ((Resolution.Valid) resolution).key().id();
  }
}
