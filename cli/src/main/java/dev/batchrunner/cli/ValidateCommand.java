package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ExitRule;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.RetryPolicy;
import dev.batchrunner.core.text.SafeText;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code batch-runner validate}: the function's start-up validation of the catalog, offline. Valid:
 * one line per batch type. Invalid: every problem, exit 2, as the function's start would fail.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    sortOptions = false,
    header = "Validates the batch catalog as the function's start does (offline).",
    description = {
      "Loads the batch catalog with the function's own loader and fills its $${NAME} placeholders"
          + " from this shell's environment, as the function fills them from its own: a"
          + " placeholder with no variable is a problem, as it would fail the function's start."
          + " Give placeholder values with --env NAME=VALUE when this shell does not have them.",
      "",
      "Valid: prints each batch type (enabled or not, task definition, container, parameters,"
          + " retry policy) on one line. Invalid: lists every problem on stderr and exits 2."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  export CLUSTER_ARN=arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
      "  batch-runner validate --catalog batches.json --env SUBNET_IDS=subnet-0aaa1111 \\",
      "      --env SECURITY_GROUP_IDS=sg-0ccc3333 --env REPORT_BUCKET=acme-reports",
      "  batch-runner validate --json | jq -r '.problems[]?'"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the catalog is valid",
      "1:the catalog file exists but cannot be read",
      "2:bad argument, or the catalog is invalid (every problem is listed)"
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CatalogOption catalog;

  @Mixin CatalogCheck check;

  @Mixin Output output;

  private final Map<String, String> environment;

  ValidateCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CatalogCheck.Result result = check.run(catalog, environment);
    result.warnings().forEach(w -> err.println(spec.qualifiedName() + ": " + w));
    if (output.json) {
      Output.printJson(out, document(result));
      if (!result.valid()) {
        err.println(
            spec.qualifiedName()
                + ": invalid batch catalog "
                + result.source()
                + " ("
                + problems(result.problems().size())
                + ", listed in the JSON's \"problems\")"
                + result.hint(spec.qualifiedName()));
        return ExitCode.USAGE;
      }
      return ExitCode.OK;
    }
    if (!result.valid()) {
      throw result.failure(spec.qualifiedName());
    }
    out.print(text(result));
    out.flush();
    return ExitCode.OK;
  }

  /** The human summary: the catalog, its placeholders, and one row per batch type. */
  static String text(CatalogCheck.Result result) {
    BatchCatalog catalog = result.catalog();
    List<BatchDefinition> batches = batches(catalog);
    long disabled = batches.stream().filter(b -> !b.enabled()).count();
    StringBuilder text = new StringBuilder();
    text.append("catalog ")
        .append(result.source())
        .append(": valid, ")
        .append(batches.size())
        .append(batches.size() == 1 ? " batch type" : " batch types")
        .append(disabled == 0 ? "" : " (" + disabled + " disabled)")
        .append('\n');
    text.append("placeholders: ").append(placeholders(result.placeholders())).append("\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (BatchDefinition batch : batches) {
      rows.add(
          List.of(
              batch.id(),
              batch.enabled() ? "yes" : "no",
              batch.taskDefinition(),
              batch.container().name(),
              parameters(batch),
              retry(batch.lifecycle().retry())));
    }
    text.append(
        Output.table(
            List.of("BATCH TYPE", "ENABLED", "TASK DEFINITION", "CONTAINER", "PARAMETERS", "RETRY"),
            rows));
    return text.toString();
  }

  /** {@code --json}: {@code valid}, {@code source}, then {@code batchTypes} or {@code problems}. */
  static Map<String, Object> document(CatalogCheck.Result result) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("valid", result.valid());
    doc.put("source", result.source());
    if (result.valid()) {
      List<Object> types = new ArrayList<>();
      batches(result.catalog()).forEach(batch -> types.add(batchType(batch)));
      doc.put("batchTypes", types);
    } else {
      doc.put("problems", result.problems());
    }
    List<Object> placeholders = new ArrayList<>();
    for (CatalogCheck.Placeholder p : result.placeholders()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", p.name());
      entry.put("from", p.from().label());
      placeholders.add(entry);
    }
    doc.put("placeholders", placeholders);
    return doc;
  }

  private static Map<String, Object> batchType(BatchDefinition batch) {
    Map<String, Object> type = new LinkedHashMap<>();
    type.put("batchTypeId", batch.id());
    type.put("enabled", batch.enabled());
    type.put("taskDefinition", batch.taskDefinition());
    type.put("containerName", batch.container().name());
    type.put("cluster", batch.placement().cluster());
    type.put("launchType", batch.placement().launchType());
    type.put("idempotencyWindow", batch.idempotencyWindow().toString());
    List<Object> parameters = new ArrayList<>();
    for (ParameterSpec spec : batch.parameters().values()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", spec.name());
      p.put("env", spec.env());
      p.put("required", spec.required());
      p.put("default", defaultValue(spec));
      p.put("pattern", spec.pattern() == null ? null : spec.pattern().pattern());
      p.put("maxLength", spec.maxLength());
      p.put("sensitive", spec.sensitive());
      parameters.add(p);
    }
    type.put("parameters", parameters);
    RetryPolicy policy = batch.lifecycle().retry();
    Map<String, Object> retry = new LinkedHashMap<>();
    retry.put("attempts", policy.attempts());
    List<Object> rules = new ArrayList<>();
    for (ExitRule rule : policy.evaluateOnExit()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("action", rule.action().name());
      r.put("onExitCode", rule.onExitCode());
      r.put("onStopCode", rule.onStopCode());
      r.put("onStatusReason", rule.onStatusReason());
      r.put("onReason", rule.onReason());
      rules.add(r);
    }
    retry.put("evaluateOnExit", rules);
    type.put("retry", retry);
    type.put("rerunFailed", batch.lifecycle().rerunFailed());
    return type;
  }

  private static List<BatchDefinition> batches(BatchCatalog catalog) {
    List<BatchDefinition> batches = new ArrayList<>();
    for (String id : new TreeSet<>(catalog.batchTypeIds())) {
      catalog.find(id).ifPresent(batches::add);
    }
    return batches;
  }

  private static String placeholders(List<CatalogCheck.Placeholder> placeholders) {
    if (placeholders.isEmpty()) {
      return "none";
    }
    List<String> names = new ArrayList<>();
    for (CatalogCheck.Placeholder p : placeholders) {
      names.add(p.from() == CatalogCheck.From.OPTION ? p.name() + " (--env)" : p.name());
    }
    return String.join(", ", names);
  }

  /** {@code reportDate (required), tenant (default "all"), accountNumber (sensitive)}. */
  static String parameters(BatchDefinition batch) {
    if (batch.parameters().isEmpty()) {
      return "none";
    }
    List<String> items = new ArrayList<>();
    for (ParameterSpec spec : batch.parameters().values()) {
      List<String> notes = new ArrayList<>();
      if (spec.required()) {
        notes.add("required");
      }
      if (spec.defaultValue() != null) {
        notes.add("default \"" + defaultValue(spec) + "\"");
      }
      if (spec.sensitive()) {
        notes.add("sensitive");
      }
      items.add(spec.name() + (notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ")"));
    }
    return String.join(", ", items);
  }

  /**
   * {@code none (1 attempt)}, or the attempts and the rules in order, e.g. {@code 3 attempts: RETRY
   * stopCode=SpotInterruption, EXIT statusReason=*, else RETRY}.
   */
  static String retry(RetryPolicy policy) {
    if (policy.attempts() == 1) {
      return "none (1 attempt)";
    }
    List<String> rules = new ArrayList<>();
    for (ExitRule rule : policy.evaluateOnExit()) {
      List<String> conditions = new ArrayList<>();
      condition(conditions, "exitCode", rule.onExitCode());
      condition(conditions, "stopCode", rule.onStopCode());
      condition(conditions, "statusReason", rule.onStatusReason());
      condition(conditions, "reason", rule.onReason());
      rules.add(rule.action().name() + " " + String.join(" and ", conditions));
    }
    rules.add(rules.isEmpty() ? "RETRY every failure" : "else RETRY");
    return policy.attempts() + " attempts: " + String.join(", ", rules);
  }

  private static void condition(List<String> conditions, String name, String glob) {
    if (glob != null) {
      conditions.add(name + "=" + glob);
    }
  }

  /** A sensitive parameter's default is masked like its values. */
  private static String defaultValue(ParameterSpec spec) {
    if (spec.defaultValue() == null) {
      return null;
    }
    return spec.sensitive() ? SafeText.MASK : spec.defaultValue();
  }

  private static String problems(int n) {
    return n + (n == 1 ? " problem" : " problems");
  }
}
