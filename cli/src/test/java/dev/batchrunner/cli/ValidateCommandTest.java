package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code batch-runner validate}: the function's start-up validation of the catalog, offline. */
class ValidateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every kind of problem at once: the loader must list them all, and so must validate. */
  private static final String BROKEN_CATALOG =
      """
      {
        "defaults": {"cluster": "${CLUSTER_ARN}", "launchType": "FARGATE", "colour": "blue"},
        "batches": {
          "report": {
            "containerName": "app",
            "parameters": {"p": {"env": "LD_PRELOAD"}},
            "retry": {"attempts": 11}
          },
          "export": {"taskDefinition": "export", "containerName": "app", "launchType": "LAMBDA"}
        }
      }
      """;

  @TempDir Path dir;

  @Test
  void validate_whenFixturesCatalogWithItsEnvironment_printsTheGoldenSummaryAndExits0() {
    CliRun run = validate(CliRun.catalogEnv(), "--catalog", Fixtures.catalogFile().toString());

    assertEquals(0, run.code(), run.err());
    assertEquals("", run.err());
    Golden.assertMatches("validate-fixtures.txt", CliRun.portable(run.out()));
  }

  @Test
  void validate_whenJson_printsOneDocumentOfTheContractsShape() throws Exception {
    CliRun run =
        validate(CliRun.catalogEnv(), "--catalog", Fixtures.catalogFile().toString(), "--json");

    assertEquals(0, run.code(), run.err());
    JsonNode doc = JSON.readTree(run.out());
    OfflineShapes.VALID_CATALOG.check(doc);
    assertTrue(doc.get("valid").asBoolean());
    assertEquals(Fixtures.catalogFile().toString(), doc.get("source").asText());
    List<String> ids = new ArrayList<>();
    doc.get("batchTypes").forEach(t -> ids.add(t.get("batchTypeId").asText()));
    assertEquals(List.of("daily-report", "invoice-export", "nightly-cleanup"), ids);
    JsonNode cleanup = doc.get("batchTypes").get(2);
    assertEquals(3, cleanup.get("retry").get("attempts").asInt());
    assertEquals("SpotInterruption", cleanup.at("/retry/evaluateOnExit/0/onStopCode").asText());
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:cluster/batch", cleanup.get("cluster").asText());
    JsonNode account = doc.at("/batchTypes/1/parameters/0");
    assertEquals("accountNumber", account.get("name").asText());
    assertTrue(account.get("sensitive").asBoolean());
    assertEquals(4, doc.get("placeholders").size());
    doc.get("placeholders").forEach(p -> assertEquals("environment", p.get("from").asText()));
  }

  @Test
  void validate_whenPlaceholdersUnset_listsEachAsAProblemWithAHintAndExits2() {
    CliRun run = validate(Map.of(), "--catalog", Fixtures.catalogFile().toString());

    assertEquals(2, run.code());
    assertEquals("", run.out());
    Golden.assertMatches("validate-unset-placeholders.txt", CliRun.portable(run.err()));
    for (String name : Fixtures.CATALOG_ENV.keySet()) {
      assertTrue(
          run.err().contains("${" + name + "} has no environment variable " + name + " set"),
          run.err());
    }
    assertTrue(run.err().contains("the deployed function fails its start the same way"), run.err());
  }

  @Test
  void validate_whenSomePlaceholdersUnsetAndJson_namesThemUnsetInTheDocument() throws Exception {
    Map<String, String> env = CliRun.catalogEnv();
    env.remove("REPORT_BUCKET");

    CliRun run = validate(env, "--catalog", Fixtures.catalogFile().toString(), "--json");

    assertEquals(2, run.code());
    JsonNode doc = JSON.readTree(run.out());
    OfflineShapes.INVALID_CATALOG.check(doc);
    assertFalse(doc.get("valid").asBoolean());
    assertEquals(
        List.of(
            "batches.daily-report.environment.OUTPUT_BUCKET: ${REPORT_BUCKET} has no environment"
                + " variable REPORT_BUCKET set"),
        texts(doc.get("problems")));
    assertEquals("unset", doc.at("/placeholders/1/from").asText(), doc.toString());
    assertEquals("REPORT_BUCKET", doc.at("/placeholders/1/name").asText());
    assertTrue(run.err().contains("1 problem, listed in the JSON's \"problems\""), run.err());
    assertTrue(run.err().contains("placeholder REPORT_BUCKET has no value here"), run.err());
  }

  @Test
  void validate_whenEnvOptionsGiveThePlaceholders_isValidAndSaysWhereTheyCameFrom() {
    List<String> args = new ArrayList<>(List.of("--catalog", Fixtures.catalogFile().toString()));
    Fixtures.CATALOG_ENV.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));

    CliRun run = validate(Map.of(), args.toArray(String[]::new));

    assertEquals(0, run.code(), run.err());
    assertTrue(
        run.out()
            .contains(
                "placeholders: CLUSTER_ARN (--env), REPORT_BUCKET (--env),"
                    + " SECURITY_GROUP_IDS (--env), SUBNET_IDS (--env)"),
        run.out());
  }

  @Test
  void validate_whenEnvOptionAndShellBothSetOne_theOptionWins() throws Exception {
    Map<String, String> env = CliRun.catalogEnv();
    env.put("CLUSTER_ARN", "arn:aws:ecs:eu-west-1:123456789012:cluster/from-shell");

    CliRun run =
        validate(
            env,
            "--catalog",
            Fixtures.catalogFile().toString(),
            "--env",
            "CLUSTER_ARN=arn:aws:ecs:eu-west-1:123456789012:cluster/from-option",
            "--json");

    assertEquals(0, run.code(), run.err());
    JsonNode doc = JSON.readTree(run.out());
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:cluster/from-option",
        doc.at("/batchTypes/0/cluster").asText());
    assertEquals("--env", doc.at("/placeholders/0/from").asText());
  }

  @Test
  void validate_whenEnvOptionNamesNoPlaceholder_warnsOnStderrAndStillValidates() {
    CliRun run =
        validate(
            CliRun.catalogEnv(),
            "--catalog",
            Fixtures.catalogFile().toString(),
            "--env",
            "CLUSTER=typo");

    assertEquals(0, run.code(), run.err());
    assertEquals(
        "batch-runner validate: --env CLUSTER: the catalog has no ${CLUSTER} placeholder"
            + " (unused)\n",
        run.err());
  }

  @Test
  void validate_whenEnvOptionIsBatchCatalog_isAUsageError() {
    CliRun run = validate(CliRun.catalogEnv(), "--env", "BATCH_CATALOG=/tmp/x.json");

    assertEquals(2, run.code());
    assertTrue(run.err().startsWith("batch-runner validate: --env BATCH_CATALOG:"), run.err());
    assertTrue(run.err().contains("--catalog FILE"), run.err());
  }

  @Test
  void validate_whenEnvOptionHasNoValue_isAUsageErrorNamingTheOption() {
    CliRun run = validate(CliRun.catalogEnv(), "--env", "CLUSTER_ARN");

    assertEquals(2, run.code());
    assertTrue(run.err().contains("'--env'"), run.err());
    assertTrue(run.err().contains("Try 'batch-runner validate --help'"), run.err());
  }

  @Test
  void validate_whenCatalogHasManyProblems_listsEveryOneTheLoaderFindsAndExits2() throws Exception {
    Path catalog = Files.writeString(dir.resolve("broken.json"), BROKEN_CATALOG);
    List<String> expected = loaderProblems(catalog, CliRun.catalogEnv());
    assertTrue(expected.size() >= 5, expected.toString());

    CliRun text = validate(CliRun.catalogEnv(), "--catalog", catalog.toString());
    CliRun json = validate(CliRun.catalogEnv(), "--catalog", catalog.toString(), "--json");

    assertEquals(2, text.code());
    assertEquals("", text.out());
    assertTrue(
        text.err()
            .startsWith(
                "batch-runner validate: invalid batch catalog "
                    + catalog
                    + " ("
                    + expected.size()
                    + " problems):\n"),
        text.err());
    for (String problem : expected) {
      assertTrue(text.err().contains("\n  - " + problem + "\n"), problem + " in\n" + text.err());
    }
    assertEquals(2, json.code());
    JsonNode doc = JSON.readTree(json.out());
    OfflineShapes.INVALID_CATALOG.check(doc);
    assertEquals(expected, texts(doc.get("problems")));
    assertEquals(catalog.toString(), doc.get("source").asText());
  }

  @Test
  void validate_whenCatalogIsNoJson_exits2SayingSo() throws Exception {
    Path catalog = Files.writeString(dir.resolve("catalog.json"), "{\"batches\": ");

    CliRun run = validate(CliRun.catalogEnv(), "--catalog", catalog.toString());

    assertEquals(2, run.code());
    assertTrue(run.err().contains("(1 problem):\n  - not valid JSON"), run.err());
  }

  @Test
  void validate_whenBatchTypeDisabled_showsItAsNotEnabled() throws Exception {
    String json =
        new String(Fixtures.catalog(), StandardCharsets.UTF_8)
            .replace(
                "\"taskDefinition\": \"invoice-export\",",
                "\"taskDefinition\": \"invoice-export\", \"enabled\": false,");
    Path catalog = Files.writeString(dir.resolve("catalog.json"), json);

    CliRun run = validate(CliRun.catalogEnv(), "--catalog", catalog.toString());

    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains(": valid, 3 batch types (1 disabled)\n"), run.out());
    assertTrue(run.out().contains("\ninvoice-export   no       invoice-export"), run.out());
  }

  @Test
  void validate_whenNoCatalogOption_readsBatchCatalogFromTheEnvironmentAsTheFunctionDoes() {
    Map<String, String> env = CliRun.catalogEnv();
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());

    CliRun run = validate(env);

    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("catalog " + Fixtures.catalogFile() + ": valid"), run.out());
  }

  @Test
  void validate_whenBatchCatalogNamesNoFile_isTheFunctionsStartFailureExit2() {
    Map<String, String> env = CliRun.catalogEnv();
    env.put("BATCH_CATALOG", dir.resolve("missing.json").toString());

    CliRun run = validate(env);

    assertEquals(2, run.code());
    assertTrue(run.err().contains("BATCH_CATALOG=" + dir.resolve("missing.json")), run.err());
    assertTrue(run.err().contains("cannot be read"), run.err());
  }

  @Test
  void validate_whenCatalogOptionNamesNoFile_exits2NamingTheOption() {
    CliRun run = validate(CliRun.catalogEnv(), "--catalog", "nope.json");

    assertEquals(2, run.code());
    assertEquals("batch-runner validate: --catalog nope.json: no such file\n", run.err());
  }

  @Test
  void validate_whenCatalogOptionIsAFolder_exits2NamingTheOption() {
    CliRun run = validate(CliRun.catalogEnv(), "--catalog", dir.toString());

    assertEquals(2, run.code());
    assertEquals("batch-runner validate: --catalog " + dir + ": not a file\n", run.err());
  }

  @Test
  void validate_whenCatalogExistsButCannotBeRead_exits1() {
    // Linux's /proc/self/mem is a regular file whose read at offset 0 fails with EIO.
    Path unreadable = Path.of("/proc/self/mem");
    assumeTrue(Files.isRegularFile(unreadable), "needs Linux's /proc");

    CliRun run = validate(CliRun.catalogEnv(), "--catalog", unreadable.toString());

    assertEquals(1, run.code(), run.err());
    assertTrue(
        run.err().startsWith("batch-runner validate: --catalog /proc/self/mem: cannot be read:"),
        run.err());
  }

  @Test
  void validate_whenHelp_showsUsageExampleAndExitStatus() {
    CliRun run = validate(Map.of(), "--help");

    assertEquals(0, run.code());
    assertTrue(run.out().startsWith("Validates the batch catalog"), run.out());
    assertTrue(run.out().contains("Usage: batch-runner validate"), run.out());
    assertTrue(run.out().contains("--env=NAME=VALUE"), run.out());
    assertTrue(run.out().contains("${NAME} placeholder"), run.out());
    assertTrue(run.out().contains("Example:\n  export CLUSTER_ARN="), run.out());
    assertTrue(run.out().contains("Exit status:\n  0   the catalog is valid"), run.out());
    assertTrue(run.out().lines().allMatch(l -> l.length() <= 80), run.out());
  }

  private static CliRun validate(Map<String, String> env, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "validate";
    System.arraycopy(args, 0, all, 1, args.length);
    return CliRun.run(env, all);
  }

  /** What the function's own loader says of the file: the list validate must print in full. */
  private static List<String> loaderProblems(Path catalog, Map<String, String> env) {
    Map<String, String> withFile = new HashMap<>(env);
    withFile.put(CatalogLoader.CATALOG_ENV, catalog.toString());
    try {
      CatalogLoader.fromEnvironment(withFile);
      throw new AssertionError("the broken catalog loaded");
    } catch (CatalogException e) {
      return e.problems();
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }
}
