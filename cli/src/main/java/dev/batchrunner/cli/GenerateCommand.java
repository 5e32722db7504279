package dev.batchrunner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code batch-runner generate}: files generated from the catalog; its one subcommand, {@code
 * direct-rules}, writes the {@code EcsDirect} intake mode's CloudFormation template.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    synopsisSubcommandLabel = "WHAT",
    header = "Generates files from the batch catalog (offline).",
    description = {
      "direct-rules: the EcsDirect intake mode's CloudFormation template, one EventBridge rule"
          + " with an ECS target per enabled batch type."
    },
    commandListHeading = "%nWhat:%n",
    footerHeading = "%nExample:%n",
    footer = {"  batch-runner generate direct-rules --output direct-rules.yaml"})
final class GenerateCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing WHAT (one of: direct-rules)");
  }
}
