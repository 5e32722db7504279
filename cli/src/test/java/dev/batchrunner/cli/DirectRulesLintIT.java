package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cfn-lint on the generated EcsDirect template: the committed {@code direct-rules.yaml} and one
 * generated from a catalog with every feature the shipped one leaves out (capacity providers, a
 * guard container, an ARN and a revision, a cluster name, placeholders inside text). Clean means
 * cfn-lint's exit status 0: no error, warning or informational finding.
 */
class DirectRulesLintIT {
  @TempDir Path dir;

  @BeforeEach
  void cfnLint() {
    RequiredTool.require(
        RequiredTool.onPath("cfn-lint"), "cfn-lint is not installed (pip install cfn-lint)");
  }

  @Test
  void committedDirectRules_isCfnLintClean() throws Exception {
    assertClean(Fixtures.projectRoot().resolve("direct-rules.yaml"));
  }

  @Test
  void aRichCatalogsRules_areCfnLintClean() throws Exception {
    Path catalog = dir.resolve("catalog.json");
    Files.writeString(catalog, DirectRulesTest.RICH_CATALOG, StandardCharsets.UTF_8);
    Path template = dir.resolve("direct-rules.yaml");
    CliRun run =
        CliRun.run(
            Map.of(),
            "generate",
            "direct-rules",
            "--catalog",
            catalog.toString(),
            "--output",
            template.toString());
    assertEquals(0, run.code(), run.err());

    assertClean(template);
  }

  private static void assertClean(Path template) throws IOException, InterruptedException {
    Process lint =
        new ProcessBuilder("cfn-lint", "--format", "parseable", template.toString())
            .redirectErrorStream(true)
            .start();
    String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!lint.waitFor(120, TimeUnit.SECONDS)) {
      lint.destroyForcibly();
      throw new AssertionError("cfn-lint did not finish in 120 s");
    }
    assertEquals(0, lint.exitValue(), "cfn-lint " + template + ":\n" + findings);
  }
}
