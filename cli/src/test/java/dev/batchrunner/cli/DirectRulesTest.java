package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code generate direct-rules}: the committed template is the shipped catalog's, the nested stack
 * interface is the shared contract's, each catalog feature lands in the rule, and what cannot be
 * carried is refused with its reason (exit 2).
 */
class DirectRulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = Fixtures.projectRoot();
  private static final Path SHIPPED = ROOT.resolve("function/src/main/resources/batches.json");

  /** A catalog with what the shipped one does not use. */
  static final String RICH_CATALOG =
      """
      {
        "defaults": {
          "cluster": "batch",
          "subnets": "${SUBNET_IDS}",
          "securityGroups": ["sg-0ccc3333"],
          "assignPublicIp": "DISABLED",
          "guardContainer": "guard"
        },
        "batches": {
          "export.v2": {
            "taskDefinition": "batch-export:7",
            "containerName": "app",
            "capacityProviderStrategy": [
              {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 1},
              {"capacityProvider": "FARGATE", "weight": 1}
            ],
            "platformVersion": "1.4.0",
            "parameters": {
              "level": {"env": "LEVEL", "default": "2", "pattern": "1|2|3"},
              "mode": {"env": "MODE", "required": true, "pattern": "(?:fast|thorough)", "maxLength": 4},
              "note": {"env": "NOTE", "maxLength": 20}
            },
            "environment": {"BUCKET": "s3://${REPORT_BUCKET}/exports", "LITERAL": "a \\"quoted\\" $ value"},
            "command": ["export", "--level={level}", "--mode", "{mode}"]
          },
          "legacy": {
            "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/legacy:3",
            "containerName": "main",
            "launchType": "EC2",
            "subnets": null,
            "securityGroups": null,
            "assignPublicIp": null,
            "guardContainer": null
          },
          "off": {"taskDefinition": "off", "containerName": "app", "enabled": false}
        }
      }
      """;

  @TempDir Path dir;

  // --- the committed file
  // ----------------------------------------------------------------------------

  @Test
  void committedDirectRules_isWhatTheShippedCatalogGenerates() throws IOException {
    String expected = DirectRules.generate("batches.json", Files.readAllBytes(SHIPPED)).yaml();
    Path committed = ROOT.resolve("direct-rules.yaml");
    String actual = Files.isRegularFile(committed) ? Files.readString(committed) : "(missing)";

    assertEquals(
        expected,
        actual,
        "direct-rules.yaml is stale: the shipped catalog (or the generator) changed. Regenerate it"
            + " with: "
            + DirectRules.REGENERATE);
  }

  @Test
  void committedDirectRules_hasTheNestedStackInterfaceAndOneRulePerEnabledBatchType()
      throws IOException {
    byte[] shipped = Files.readAllBytes(SHIPPED);
    BatchCatalog catalog =
        CatalogLoader.parse("batches.json", shipped, new HashMap<>(Fixtures.CATALOG_ENV));
    DirectRulesStack stack =
        DirectRulesStack.of(Files.readString(ROOT.resolve("direct-rules.yaml")));

    List<String> parameters =
        new ArrayList<>(
            List.of("EventBusName", "MonolithSource", "EventsRoleArn", "DeadLetterQueueArn"));
    // the contract's examples: CLUSTER_ARN -> ClusterArn, SUBNET_IDS -> SubnetIds, ...
    for (String placeholder : CatalogCheck.placeholderNames(shipped)) {
      parameters.add(DirectRules.parameterName(placeholder));
    }
    Map<String, Object> declared = map(stack.template().get("Parameters"));
    assertEquals(parameters, new ArrayList<>(declared.keySet()));
    declared.values().forEach(p -> assertEquals("String", map(p).get("Type"), p.toString()));
    assertEquals(
        List.of("ClusterArn", "ReportBucket", "SecurityGroupIds", "SubnetIds"),
        parameters.subList(4, parameters.size()));

    List<String> enabled =
        catalog.batchTypeIds().stream()
            .filter(id -> catalog.find(id).orElseThrow().enabled())
            .sorted()
            .toList();
    List<String> ruled = new ArrayList<>();
    List<Object> arns = new ArrayList<>();
    for (DirectRulesStack.Rule rule : stack.rules()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> detail =
          (Map<String, Object>) map(rule.properties().get("EventPattern")).get("detail");
      ruled.add((String) ((List<?>) detail.get("batchTypeId")).get(0));
      arns.add(Map.of("Fn::GetAtt", List.of(rule.logicalId(), "Arn")));
    }
    assertEquals(enabled, ruled);
    assertEquals(
        Map.of("Fn::Join", List.of(",", arns)),
        map(map(map(stack.template().get("Outputs")).get("RuleArns"))).get("Value"));
  }

  // --- each catalog feature
  // ------------------------------------------------------------------------

  @Test
  void generate_carriesEveryPlacementAndContainerFeatureIntoTheRule() throws IOException {
    CliRun run =
        CliRun.run(
            Map.of(), "generate", "direct-rules", "--catalog", write(RICH_CATALOG).toString());
    assertEquals(0, run.code(), run.err());
    DirectRulesStack stack = DirectRulesStack.of(run.out());

    assertEquals(
        List.of("ExportV2Rule", "LegacyRule"),
        stack.rules().stream().map(DirectRulesStack.Rule::logicalId).toList());
    Map<String, Object> export = stack.rules().get(0).ecsParameters();
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/batch-export:7",
        export.get("TaskDefinitionArn"));
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
        stack.rules().get(0).target().get("Arn"));
    assertNull(export.get("LaunchType"));
    assertEquals(
        List.of(
            Map.of("CapacityProvider", "FARGATE_SPOT", "Weight", 3, "Base", 1),
            Map.of("CapacityProvider", "FARGATE", "Weight", 1)),
        export.get("CapacityProviderStrategy"));
    assertEquals("1.4.0", export.get("PlatformVersion"));
    assertEquals(
        Map.of(
            "AwsVpcConfiguration",
            Map.of(
                "Subnets", List.of("subnet-0aaa1111", "subnet-0bbb2222"),
                "SecurityGroups", List.of("sg-0ccc3333"),
                "AssignPublicIp", "DISABLED")),
        export.get("NetworkConfiguration"));
    assertEquals("TASK_DEFINITION", export.get("PropagateTags"));
    assertEquals(true, export.get("EnableECSManagedTags"));
    assertEquals(1, export.get("TaskCount"));
    Map<String, Object> target = stack.rules().get(0).target();
    assertEquals(DirectRulesStack.PARAMETERS.get("EventsRoleArn"), target.get("RoleArn"));
    assertEquals(
        Map.of("Arn", DirectRulesStack.PARAMETERS.get("DeadLetterQueueArn")),
        target.get("DeadLetterConfig"));
    assertEquals(
        Map.of("MaximumRetryAttempts", 8, "MaximumEventAgeInSeconds", 86400),
        target.get("RetryPolicy"));

    Map<String, Object> legacy = stack.rules().get(1).ecsParameters();
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/legacy:3",
        legacy.get("TaskDefinitionArn"));
    assertEquals("EC2", legacy.get("LaunchType"));
    assertNull(legacy.get("NetworkConfiguration"));
    assertNull(legacy.get("CapacityProviderStrategy"));
  }

  @Test
  void generate_givesTheGuardContainerTheSameEnvironment_andFillsTheCommand() throws IOException {
    CliRun run =
        CliRun.run(
            Map.of(), "generate", "direct-rules", "--catalog", write(RICH_CATALOG).toString());
    DirectRulesStack stack = DirectRulesStack.of(run.out());

    JsonNode event =
        envelope(
            "{\"batchTypeId\": \"export.v2\", \"traceId\": \"t-1\", \"parameters\": {\"mode\": \"fast\", \"level\": 3}}");
    List<DirectRulesStack.Delivery> deliveries = stack.deliver(event);
    assertEquals(1, deliveries.size());
    JsonNode app = deliveries.get(0).container("app");
    Map<String, String> env = DirectRulesStack.Delivery.environment(app);
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("TRACE_ID", "t-1");
    expected.put("BATCH_TYPE_ID", "export.v2");
    expected.put("BATCH_RUNNER_EVENT_ID", event.get("id").asText());
    expected.put("BATCH_RUNNER_REQUEST_KEY", "");
    expected.put("BUCKET", "s3://acme-reports/exports");
    expected.put("LITERAL", "a \"quoted\" $ value");
    expected.put("LEVEL", "3");
    expected.put("MODE", "fast");
    expected.put("NOTE", "");
    assertEquals(expected, env);
    assertEquals(
        List.of("export", "--level=3", "--mode", "fast"), DirectRulesStack.Delivery.command(app));
    JsonNode guard = deliveries.get(0).container("guard");
    assertNotNull(guard, deliveries.get(0).overrides().toString());
    assertEquals(expected, DirectRulesStack.Delivery.environment(guard));
    assertNull(DirectRulesStack.Delivery.command(guard));

    // legacy's own "guardContainer": null: its guard wraps the app's entrypoint, one override
    JsonNode legacy = stack.deliver(envelope("{\"batchTypeId\": \"legacy\"}")).get(0).overrides();
    assertEquals(1, legacy.get("containerOverrides").size());
  }

  @Test
  void generate_encodesAPlainAlternationAsAnEnumeration_withinItsMaxLength() throws IOException {
    CliRun run =
        CliRun.run(
            Map.of(), "generate", "direct-rules", "--catalog", write(RICH_CATALOG).toString());
    DirectRulesStack stack = DirectRulesStack.of(run.out());
    @SuppressWarnings("unchecked")
    Map<String, Object> parameters =
        (Map<String, Object>)
            ((Map<String, Object>)
                    map(stack.rules().get(0).properties().get("EventPattern")).get("detail"))
                .get("parameters");

    // required, "thorough" over maxLength 4: only "fast"
    assertEquals(List.of("fast"), parameters.get("mode"));
    // optional: absent or null (the default applies), the literals, and the numbers the function
    // would read as them
    assertEquals(
        Arrays.asList(Map.of("exists", false), null, "1", "2", "3", 1, 2, 3),
        parameters.get("level"));

    for (String parameters1 :
        List.of(
            "{\"mode\": \"thorough\"}",
            "{\"mode\": \"slow\"}",
            "{\"mode\": \"fast\", \"level\": \"4\"}",
            "{\"level\": \"1\"}")) {
      assertEquals(
          List.of(),
          stack.deliver(
              envelope("{\"batchTypeId\": \"export.v2\", \"parameters\": " + parameters1 + "}")),
          parameters1);
    }
    for (String parameters1 :
        List.of(
            "{\"mode\": \"fast\"}",
            "{\"mode\": \"fast\", \"level\": null}",
            "{\"mode\": \"fast\", \"level\": \"2\"}",
            "{\"mode\": \"fast\", \"level\": 2}")) {
      assertEquals(
          1,
          stack
              .deliver(
                  envelope("{\"batchTypeId\": \"export.v2\", \"parameters\": " + parameters1 + "}"))
              .size(),
          parameters1);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "csv|parquet; ; csv,parquet",
        "(csv|parquet); ; csv,parquet",
        "(?:a|b-c); ; a,b-c",
        "a\\.b|c; ; a.b,c",
        "csv|parquet; 3; csv",
        "a|; ; a",
        "a\"b|c; ; c",
        "\\d{4}; ; -",
        "[a-z]+; ; -",
        "(?i)csv; ; -",
        "a|(b); ; -",
        "a.b; ; -",
        "a|b*; ; -"
      })
  void literals_ofAPlainAlternationOnly(String regex, Integer maxLength, String expected) {
    ParameterSpec spec =
        new ParameterSpec("p", "P", false, null, Pattern.compile(regex), maxLength, false);
    Optional<List<String>> literals = DirectRules.literals(spec);
    if (expected.equals("-")) {
      assertTrue(literals.isEmpty(), regex + " gave " + literals);
    } else {
      assertEquals(List.of(expected.split(",")), literals.orElseThrow(), regex);
    }
  }

  @Test
  void generate_dependsOnTheCatalogAlone_notOnThisShellsVariables() {
    CliRun bare = CliRun.run(Map.of(), "generate", "direct-rules", "--catalog", SHIPPED.toString());
    CliRun withEnv =
        CliRun.run(
            CliRun.catalogEnv(), "generate", "direct-rules", "--catalog", SHIPPED.toString());
    CliRun again =
        CliRun.run(Map.of(), "generate", "direct-rules", "--catalog", SHIPPED.toString());

    assertEquals(0, bare.code(), bare.err());
    assertEquals(bare.out(), withEnv.out());
    assertEquals(bare.out(), again.out());
    assertFalse(
        bare.out().contains("acme-reports"), "a placeholder's value leaked into the template");
    assertEquals("", bare.err());
  }

  @Test
  void generate_withOutput_writesTheFileAndSaysSoOnStderr() throws IOException {
    Path output = dir.resolve("direct-rules.yaml");
    CliRun run =
        CliRun.run(
            Map.of(),
            "generate",
            "direct-rules",
            "--catalog",
            SHIPPED.toString(),
            "--output",
            output.toString());

    assertEquals(0, run.code(), run.err());
    assertEquals("", run.out());
    assertEquals(
        DirectRules.generate("x", Files.readAllBytes(SHIPPED)).yaml(), Files.readString(output));
    assertTrue(run.err().contains("wrote " + output + " (3 rules from "), run.err());
  }

  // --- refusals
  // ---------------------------------------------------------------------------------------

  @Test
  void generate_whenTheCatalogIsInvalid_listsEveryProblemWithItsPlaceholdersAndExits2()
      throws IOException {
    String catalog =
        RICH_CATALOG.replace(
            "\"assignPublicIp\": \"DISABLED\"", "\"assignPublicIp\": \"${PUBLIC_IP}\"");
    CliRun run =
        CliRun.run(Map.of(), "generate", "direct-rules", "--catalog", write(catalog).toString());

    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertTrue(run.err().contains("invalid batch catalog"), run.err());
    assertTrue(run.err().contains("assignPublicIp: must be ENABLED or DISABLED"), run.err());
    assertFalse(run.err().contains("\uE000"), "the placeholder's stand-in leaked: " + run.err());
  }

  @Test
  void generate_whenAConstantHasAnAngleBracket_refusesItNamingTheField() throws IOException {
    String catalog = RICH_CATALOG.replace("\"a \\\"quoted\\\" $ value\"", "\"<not a variable>\"");
    CliRun run =
        CliRun.run(Map.of(), "generate", "direct-rules", "--catalog", write(catalog).toString());

    assertEquals(2, run.code(), run.err());
    assertTrue(run.err().contains("batches.export.v2.environment.LITERAL: "), run.err());
    assertTrue(run.err().contains("has < or >"), run.err());
  }

  @Test
  void generate_whenNoBatchTypeIsEnabled_refusesIt() throws IOException {
    String catalog =
        "{\"defaults\": {\"cluster\": \"c\"}, \"batches\": {\"a\": {\"taskDefinition\": \"a\", \"containerName\": \"app\", \"enabled\": false}}}";
    CliRun run =
        CliRun.run(Map.of(), "generate", "direct-rules", "--catalog", write(catalog).toString());

    assertEquals(2, run.code(), run.err());
    assertTrue(run.err().contains("no enabled batch type"), run.err());
  }

  @Test
  void generate_badArguments() {
    CliRun missing =
        CliRun.run(
            Map.of(), "generate", "direct-rules", "--catalog", dir.resolve("nope.json").toString());
    CliRun unwritable =
        CliRun.run(
            Map.of(),
            "generate",
            "direct-rules",
            "--catalog",
            SHIPPED.toString(),
            "--output",
            dir.resolve("no/such/dir.yaml").toString());
    CliRun noWhat = CliRun.run(Map.of(), "generate");
    CliRun unsetFile =
        CliRun.run(
            Map.of(CatalogLoader.CATALOG_ENV, dir.resolve("gone.json").toString()),
            "generate",
            "direct-rules");

    assertEquals(2, missing.code());
    assertTrue(
        missing.err().contains("--catalog " + dir.resolve("nope.json") + ": no such file"),
        missing.err());
    assertEquals(1, unwritable.code());
    assertTrue(
        unwritable
            .err()
            .contains("--output " + dir.resolve("no/such/dir.yaml") + ": cannot be written"),
        unwritable.err());
    assertEquals(2, noWhat.code());
    assertTrue(noWhat.err().contains("missing WHAT (one of: direct-rules)"), noWhat.err());
    assertEquals(2, unsetFile.code());
    assertTrue(
        unsetFile.err().contains("BATCH_CATALOG=" + dir.resolve("gone.json") + ": no such file"),
        unsetFile.err());
  }

  @Test
  void help_hasAnExampleAndTheTopLevelListsGenerate() {
    CliRun help = CliRun.run(Map.of(), "generate", "direct-rules", "--help");
    CliRun top = CliRun.run(Map.of(), "--help");

    assertEquals(0, help.code());
    assertTrue(help.out().contains("Usage: batch-runner generate direct-rules"), help.out());
    assertTrue(help.out().contains("--output=FILE"), help.out());
    assertTrue(help.out().contains("Example:"), help.out());
    assertTrue(top.out().contains("  generate "), top.out());
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  private Path write(String catalog) throws IOException {
    Path file = dir.resolve("catalog-" + System.nanoTime() + ".json");
    Files.writeString(file, catalog, StandardCharsets.UTF_8);
    return file;
  }

  private static JsonNode envelope(String request) {
    try {
      return JSON.readTree(
          "{\"version\": \"0\", \"id\": \"5d2c1b0a-9f8e-4d7c-b6a5-948372615f0e\", \"detail-type\": \"Batch Requested\","
              + " \"source\": \"legacy.monolith\", \"account\": \"111122223333\", \"time\": \"2026-11-23T02:00:00Z\","
              + " \"region\": \"eu-west-1\", \"resources\": [], \"detail\": "
              + request
              + "}");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
