package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code batch-runner generate direct-rules}: the {@code EcsDirect} intake mode's CloudFormation
 * template from the catalog ({@link DirectRules}), on stdout or into {@code --output}.
 */
@Command(
    name = "direct-rules",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    sortOptions = false,
    header =
        "Writes the EcsDirect intake mode's CloudFormation template: one EventBridge rule with an"
            + " ECS target per enabled batch type (offline).",
    description = {
      "Reads the catalog with the function's own loader and writes a template whose rules match"
          + " the monolith's \"Batch Requested\" events by batch type and by what else EventBridge"
          + " can check of the catalog (required parameters, enumerations such as csv|parquet),"
          + " and start the batch's task with the request in its container environment, for the"
          + " guard to check and claim. What EventBridge cannot check or do as the function does"
          + " is listed in the template's header comment.",
      "",
      "The catalog's $${NAME} placeholders become template parameters (CLUSTER_ARN is ClusterArn;"
          + " a list is passed comma-joined): this shell's variables are not read, so the output"
          + " depends on the catalog alone. template.yaml includes the file as a nested stack"
          + " when IntakeMode=EcsDirect; regenerate it after every catalog change."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  batch-runner generate direct-rules --catalog batches.json --output direct-rules.yaml",
      "  batch-runner generate direct-rules | cfn-lint -"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the template was written",
      "1:the catalog cannot be read, or --output cannot be written",
      "2:bad argument, an invalid catalog, or one the rules cannot carry (every problem is listed)"
    })
final class DirectRulesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CatalogOption catalog;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "write the template to FILE (default: stdout)")
  Path output;

  private final Map<String, String> environment;

  DirectRulesCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public Integer call() {
    CatalogCheck.Document document =
        CatalogCheck.document(catalog.environment(environment), catalog.catalog != null);
    if (document.bytes() == null) {
      throw new CliException(
          ExitCode.USAGE, CatalogLoader.CATALOG_ENV + "=" + document.source() + ": no such file");
    }
    DirectRules.Generated generated;
    try {
      generated = DirectRules.generate(document.source(), document.bytes());
    } catch (CatalogException e) {
      throw CatalogOption.invalid(e);
    } catch (DirectRules.Unsupported e) {
      throw new CliException(ExitCode.USAGE, e.getMessage(), e);
    }
    String template = generated.yaml();
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(template);
      out.flush();
      return ExitCode.OK;
    }
    try {
      Files.writeString(output, template, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE, "--output " + output + ": cannot be written: " + e, e);
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        spec.qualifiedName()
            + ": wrote "
            + output
            + " ("
            + generated.rules().size()
            + (generated.rules().size() == 1 ? " rule" : " rules")
            + " from "
            + document.source()
            + ")");
    return ExitCode.OK;
  }
}
