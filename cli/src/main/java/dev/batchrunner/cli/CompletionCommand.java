package dev.batchrunner.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code batch-runner completion [bash|zsh]}: picocli's completion script for the whole command
 * tree, generated from the commands as registered, so it knows every command and option there is.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    header = "Prints the shell completion script for batch-runner (bash or zsh).",
    description = {
      "Prints a completion script for the batch-runner command: its commands, options and"
          + " option values (picocli's generated script; one script serves bash and zsh, where it"
          + " loads zsh's bashcompinit itself). It completes the command name batch-runner (put"
          + " the ./batch-runner wrapper on your PATH, or alias batch-runner to it)."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  source <(batch-runner completion)     # in this bash or zsh session",
      "  echo 'source <(batch-runner completion)' >> ~/.bashrc",
      "  echo 'source <(batch-runner completion zsh)' >> ~/.zshrc"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:the script was printed", "2:bad argument (a shell other than bash or zsh)"})
final class CompletionCommand implements Callable<Integer> {
  /** The shells the script serves. */
  enum Shell {
    bash,
    zsh
  }

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SHELL",
      defaultValue = "bash",
      description = "bash or zsh (the same script; default: ${DEFAULT-VALUE})")
  Shell shell;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
    out.flush();
    return ExitCode.OK;
  }
}
