package dev.batchrunner.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogLoaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A small valid catalog that each test breaks in one place. */
  private static final String BASE =
      """
      {
        "defaults": {
          "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/batch",
          "launchType": "FARGATE",
          "subnets": ["subnet-1"],
          "securityGroups": ["sg-1"],
          "assignPublicIp": "DISABLED",
          "idempotencyWindow": "PT24H",
          "traceIdEnv": "TRACE_ID"
        },
        "batches": {
          "b": {
            "taskDefinition": "td",
            "containerName": "app",
            "parameters": {
              "p": {"env": "P", "required": true, "pattern": "[a-z]+"},
              "q": {"env": "Q"}
            }
          }
        }
      }
      """;

  // --- a catalog file and its placeholders -----------------------------------------------------

  @Test
  void fromEnvironment_whenCatalogFileAndItsVariablesSet_loadsEveryBatch() {
    Map<String, String> env = new java.util.HashMap<>(Fixtures.CATALOG_ENV);
    env.put("BATCH_CATALOG", Fixtures.catalogFile().toString());
    BatchCatalog catalog = CatalogLoader.fromEnvironment(env);

    assertEquals(
        Set.of("daily-report", "invoice-export", "nightly-cleanup"), catalog.batchTypeIds());
    BatchDefinition daily = catalog.find("daily-report").orElseThrow();
    assertEquals("arn:aws:ecs:eu-west-1:123456789012:cluster/batch", daily.placement().cluster());
    assertEquals(
        List.of("subnet-0aaa1111", "subnet-0bbb2222"), daily.placement().network().subnets());
    assertEquals(List.of("sg-0ccc3333"), daily.placement().network().securityGroups());
    assertEquals(Map.of("OUTPUT_BUCKET", "acme-reports"), daily.container().environment());
    assertEquals("FARGATE", daily.placement().launchType());
    assertEquals(Duration.ofHours(24), daily.idempotencyWindow());
    assertEquals(
        Duration.ofDays(7), catalog.find("invoice-export").orElseThrow().idempotencyWindow());
    assertTrue(
        catalog.find("invoice-export").orElseThrow().parameters().get("accountNumber").sensitive());
    assertEquals(
        List.of("report", "--date", "{reportDate}", "--tenant", "{tenant}"),
        daily.container().command());
    assertEquals(Lifecycle.DEFAULT, daily.lifecycle());
    assertEquals(
        new Lifecycle(
            new RetryPolicy(
                3,
                List.of(
                    new ExitRule(RetryAction.RETRY, null, "SpotInterruption", null, null),
                    new ExitRule(RetryAction.RETRY, "137", null, null, null),
                    new ExitRule(RetryAction.EXIT, null, null, "*", null))),
            true),
        catalog.find("nightly-cleanup").orElseThrow().lifecycle());
  }

  @Test
  void fromEnvironment_whenCatalogVariablesMissing_failsNamingEachVariable() {
    Map<String, String> env = Map.of("BATCH_CATALOG", Fixtures.catalogFile().toString());
    CatalogException e =
        assertThrows(CatalogException.class, () -> CatalogLoader.fromEnvironment(env));

    for (String variable :
        List.of("CLUSTER_ARN", "SUBNET_IDS", "SECURITY_GROUP_IDS", "REPORT_BUCKET")) {
      assertTrue(
          e.problems().stream().anyMatch(p -> p.contains("environment variable " + variable)),
          variable + " not named in " + e.problems());
    }
  }

  @Test
  void fromEnvironment_whenBatchCatalogNamesAFile_readsThatFile(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("catalog.json");
    Files.writeString(file, BASE);

    BatchCatalog catalog = CatalogLoader.fromEnvironment(Map.of("BATCH_CATALOG", file.toString()));

    assertEquals(Set.of("b"), catalog.batchTypeIds());
  }

  @Test
  void fromEnvironment_whenBatchCatalogFileMissing_failsNamingIt(@TempDir Path dir) {
    String missing = dir.resolve("nope.json").toString();

    CatalogException e =
        assertThrows(
            CatalogException.class,
            () -> CatalogLoader.fromEnvironment(Map.of("BATCH_CATALOG", missing)));

    assertTrue(e.problems().get(0).contains(missing), e.problems().toString());
  }

  @Test
  void parse_whenBaseCatalogValid_mergesDefaults() {
    BatchDefinition b = load(base()).find("b").orElseThrow();

    assertEquals("td", b.taskDefinition());
    assertEquals("app", b.container().name());
    assertEquals("TRACE_ID", b.container().traceIdEnv());
    assertTrue(b.enabled());
    ParameterSpec p = b.parameters().get("p");
    assertTrue(p.required());
    assertEquals("P", p.env());
    assertFalse(b.parameters().get("q").required());
  }

  // --- unknown fields ------------------------------------------------------------------------

  @Test
  void parse_whenUnknownRootField_listsIt() {
    ObjectNode root = base();
    root.put("defualts", "typo");

    assertProblem(root, "defualts: unknown field");
  }

  @Test
  void parse_whenUnknownDefaultsField_listsItsPath() {
    ObjectNode root = base();
    defaults(root).put("taskRole", "x");

    assertProblem(root, "defaults.taskRole: unknown field");
  }

  @Test
  void parse_whenUnknownBatchField_listsItsPath() {
    ObjectNode root = base();
    batch(root).put("commnd", "x");

    assertProblem(root, "batches.b.commnd: unknown field");
  }

  @Test
  void parse_whenUnknownParameterField_listsItsPath() {
    ObjectNode root = base();
    param(root, "p").put("regex", "x");

    assertProblem(root, "batches.b.parameters.p.regex: unknown field");
  }

  // --- required fields -----------------------------------------------------------------------

  @Test
  void parse_whenTaskDefinitionMissing_listsIt() {
    ObjectNode root = base();
    batch(root).remove("taskDefinition");

    assertProblem(root, "batches.b.taskDefinition: required");
  }

  @Test
  void parse_whenContainerNameMissing_listsIt() {
    ObjectNode root = base();
    batch(root).remove("containerName");

    assertProblem(root, "batches.b.containerName: required");
  }

  @Test
  void parse_whenClusterMissingHereAndInDefaults_listsIt() {
    ObjectNode root = base();
    defaults(root).remove("cluster");

    assertProblem(root, "batches.b.cluster: required");
  }

  // --- values --------------------------------------------------------------------------------

  @Test
  void parse_whenPatternIsNotARegex_listsIt() {
    ObjectNode root = base();
    param(root, "p").put("pattern", "[a-z");

    assertProblem(root, "batches.b.parameters.p.pattern: not a valid regular expression");
  }

  @Test
  void parse_whenIdempotencyWindowNotIso8601_listsIt() {
    ObjectNode root = base();
    batch(root).put("idempotencyWindow", "24h");

    assertProblem(root, "batches.b.idempotencyWindow: '24h' is not an ISO-8601 duration");
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "-PT1H"})
  void parse_whenIdempotencyWindowNotPositive_listsIt(String window) {
    ObjectNode root = base();
    batch(root).put("idempotencyWindow", window);

    assertProblem(root, "batches.b.idempotencyWindow: must be positive");
  }

  @ParameterizedTest
  @MethodSource("reservedNames")
  void parse_whenParameterEnvReserved_listsIt(String name) {
    ObjectNode root = base();
    param(root, "q").put("env", name);

    assertProblem(root, "batches.b.parameters.q.env: " + name + " is reserved");
  }

  @ParameterizedTest
  @MethodSource("reservedNames")
  void parse_whenEnvironmentEntryReserved_listsIt(String name) {
    ObjectNode root = base();
    batch(root).putObject("environment").put(name, "v");

    assertProblem(root, "batches.b.environment." + name + ": " + name + " is reserved");
  }

  @ParameterizedTest
  @MethodSource("reservedNames")
  void parse_whenTraceIdEnvReserved_listsIt(String name) {
    ObjectNode root = base();
    defaults(root).put("traceIdEnv", name);

    assertProblem(root, "batches.b.traceIdEnv: " + name + " is reserved");
  }

  @Test
  void parse_whenReservedNameInDefaultsEnvironment_listsIt() {
    ObjectNode root = base();
    defaults(root).putObject("environment").put("LD_LIBRARY_PATH", "/tmp");

    assertProblem(root, "batches.b.environment.LD_LIBRARY_PATH: LD_LIBRARY_PATH is reserved");
  }

  // --- env collisions ------------------------------------------------------------------------

  @Test
  void parse_whenTwoParametersShareAnEnvName_listsTheCollision() {
    ObjectNode root = base();
    param(root, "q").put("env", "P");

    assertProblem(
        root, "batches.b.parameters.q.env: P is already set by batches.b.parameters.p.env");
  }

  @Test
  void parse_whenParameterEnvIsBatchTypeId_listsTheCollision() {
    ObjectNode root = base();
    param(root, "q").put("env", "BATCH_TYPE_ID");

    assertProblem(root, "batches.b.parameters.q.env: BATCH_TYPE_ID is already set by batch-runner");
  }

  @Test
  void parse_whenParameterEnvIsIdempotencyKey_listsTheCollision() {
    ObjectNode root = base();
    param(root, "q").put("env", "IDEMPOTENCY_KEY");

    assertProblem(
        root, "batches.b.parameters.q.env: IDEMPOTENCY_KEY is already set by batch-runner");
  }

  @Test
  void parse_whenParameterEnvIsTheTraceIdEnv_listsTheCollision() {
    ObjectNode root = base();
    param(root, "q").put("env", "TRACE_ID");

    assertProblem(
        root, "batches.b.parameters.q.env: TRACE_ID is already set by batches.b.traceIdEnv");
  }

  @Test
  void parse_whenEnvironmentEntryIsAParameterEnv_listsTheCollision() {
    ObjectNode root = base();
    batch(root).putObject("environment").put("Q", "fixed");

    assertProblem(root, "batches.b.parameters.q.env: Q is already set by batches.b.environment.Q");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"BATCH_RUNNER_EVENT_ID", "BATCH_RUNNER_REQUEST_KEY", "BATCH_RUNNER_TASK_ARN"})
  void parse_whenABatchUsesAnEcsDirectName_listsTheCollision(String name) {
    // The EcsDirect rule sets the first two, the guard reads the last: a catalog that used them
    // would let a parameter's value stand for the event id, the explicit key or the guard's task.
    ObjectNode asParameter = base();
    param(asParameter, "q").put("env", name);
    ObjectNode asEntry = base();
    batch(asEntry).putObject("environment").put(name, "x");
    ObjectNode asTraceIdEnv = base();
    defaults(asTraceIdEnv).put("traceIdEnv", name);

    assertProblem(
        asParameter, "batches.b.parameters.q.env: " + name + " is already set by batch-runner");
    assertProblem(
        asEntry, "batches.b.environment." + name + ": " + name + " is already set by batch-runner");
    assertProblem(
        asTraceIdEnv, "batches.b.traceIdEnv: " + name + " is already set by batch-runner");
  }

  @ParameterizedTest
  @ValueSource(strings = {"BATCH_TYPE_ID", "IDEMPOTENCY_KEY"})
  void parse_whenTraceIdEnvIsABuiltInName_listsTheCollision(String name) {
    // Otherwise TaskLaunchFactory silently overwrites the trace id with the built-in value.
    ObjectNode root = base();
    defaults(root).put("traceIdEnv", name);

    assertProblem(root, "batches.b.traceIdEnv: " + name + " is already set by batch-runner");
  }

  // --- placeholders --------------------------------------------------------------------------

  @Test
  void parse_whenPlaceholderVariableUnset_listsItsName() {
    ObjectNode root = base();
    defaults(root).put("cluster", "${MISSING_CLUSTER}");

    assertProblem(
        root, "defaults.cluster: ${MISSING_CLUSTER} has no environment variable MISSING_CLUSTER");
  }

  @Test
  void parse_whenPlaceholderVariableSet_substitutesIt() {
    ObjectNode root = base();
    defaults(root).put("cluster", "arn:aws:ecs:eu-west-1:1:cluster/${CLUSTER}");

    BatchDefinition b = load(root, Map.of("CLUSTER", "blue")).find("b").orElseThrow();

    assertEquals("arn:aws:ecs:eu-west-1:1:cluster/blue", b.placement().cluster());
  }

  @Test
  void parse_whenSubnetPlaceholdersAreCommaSeparated_becomeLists() {
    ObjectNode root = base();
    defaults(root).put("subnets", "${SUBNET_IDS}");
    defaults(root).put("securityGroups", "${SG_IDS}");

    BatchDefinition b =
        load(root, Map.of("SUBNET_IDS", " subnet-a, subnet-b,,subnet-c ", "SG_IDS", "sg-1,sg-2"))
            .find("b")
            .orElseThrow();

    assertEquals(List.of("subnet-a", "subnet-b", "subnet-c"), b.placement().network().subnets());
    assertEquals(List.of("sg-1", "sg-2"), b.placement().network().securityGroups());
  }

  // --- launch choice -------------------------------------------------------------------------

  @Test
  void parse_whenBatchHasLaunchTypeAndCapacityProviderStrategy_listsIt() {
    ObjectNode root = base();
    batch(root).put("launchType", "FARGATE");
    strategy(batch(root), "FARGATE_SPOT");

    assertProblem(root, "batches.b: give launchType or capacityProviderStrategy, not both");
  }

  @Test
  void parse_whenDefaultsHaveLaunchTypeAndCapacityProviderStrategy_listsIt() {
    ObjectNode root = base();
    strategy(defaults(root), "FARGATE_SPOT");

    assertProblem(root, "defaults: give launchType or capacityProviderStrategy, not both");
  }

  @Test
  void parse_whenFargateWithoutSubnets_listsIt() {
    ObjectNode root = base();
    defaults(root).remove(List.of("subnets", "securityGroups", "assignPublicIp"));

    assertProblem(root, "batches.b.subnets: FARGATE tasks need awsvpc subnets");
  }

  @Test
  void parse_whenBatchGivesCapacityProviderStrategy_replacesDefaultsLaunchType() {
    ObjectNode root = base();
    strategy(batch(root), "FARGATE_SPOT");

    BatchDefinition b = load(root).find("b").orElseThrow();

    assertNull(b.placement().launchType());
    assertEquals(
        List.of(new CapacityProviderItem("FARGATE_SPOT", 1, null)),
        b.placement().capacityProviderStrategy());
  }

  @Test
  void parse_whenBatchGivesLaunchType_replacesDefaultsCapacityProviderStrategy() {
    ObjectNode root = base();
    defaults(root).remove("launchType");
    strategy(defaults(root), "FARGATE_SPOT");
    batch(root).put("launchType", "EC2");

    BatchDefinition b = load(root).find("b").orElseThrow();

    assertEquals("EC2", b.placement().launchType());
    assertTrue(b.placement().capacityProviderStrategy().isEmpty());
  }

  @Test
  void parse_whenDefaultsAndBatchHaveEnvironment_mergesWithBatchWinning() {
    ObjectNode root = base();
    defaults(root).putObject("environment").put("A", "1").put("SHARED", "from-defaults");
    batch(root).putObject("environment").put("B", "2").put("SHARED", "from-batch");

    BatchDefinition b = load(root).find("b").orElseThrow();

    assertEquals(Map.of("A", "1", "B", "2", "SHARED", "from-batch"), b.container().environment());
  }

  // --- parameters and command ----------------------------------------------------------------

  @Test
  void parse_whenRequiredParameterHasDefault_listsIt() {
    ObjectNode root = base();
    param(root, "p").put("default", "abc");

    assertProblem(root, "batches.b.parameters.p: a required parameter cannot have a default");
  }

  @Test
  void parse_whenDefaultFailsItsOwnPattern_listsIt() {
    ObjectNode root = base();
    param(root, "q").put("pattern", "\\d+").put("default", "abc");

    assertProblem(root, "batches.b.parameters.q.default: does not match its pattern");
  }

  @Test
  void parse_whenCommandNamesUndeclaredParameter_listsIt() {
    ObjectNode root = base();
    batch(root).putArray("command").add("run").add("--x={nope}");

    assertProblem(root, "batches.b.command[1]: {nope} is not a declared parameter");
  }

  @Test
  void parse_whenCommandNamesOptionalParameterWithoutDefault_listsIt() {
    ObjectNode root = base();
    batch(root).putArray("command").add("{q}");

    assertProblem(root, "batches.b.command[0]: {q} may be absent");
  }

  @Test
  void parse_whenCommandNamesRequiredOrDefaultedParameters_loads() {
    ObjectNode root = base();
    param(root, "q").put("default", "d");
    batch(root).putArray("command").add("run").add("{p}").add("--q={q}");

    assertEquals(
        List.of("run", "{p}", "--q={q}"), load(root).find("b").orElseThrow().container().command());
  }

  @Test
  void parse_whenDisabled_loadsAsDisabled() {
    ObjectNode root = base();
    batch(root).put("enabled", false);

    assertFalse(load(root).find("b").orElseThrow().enabled());
  }

  // --- lifecycle: retry and rerunFailed ------------------------------------------------------

  @Test
  void parse_whenNoRetryOrRerunFailed_defaultsToOneAttemptAndReruns() {
    BatchDefinition b = load(base()).find("b").orElseThrow();

    assertEquals(Lifecycle.DEFAULT, b.lifecycle());
    assertEquals(1, b.lifecycle().retry().attempts());
    assertTrue(b.lifecycle().rerunFailed());
  }

  @Test
  void parse_whenRetryPolicyValid_loadsItsRulesInOrder() {
    ObjectNode root = base();
    ObjectNode retry = batch(root).putObject("retry").put("attempts", 3);
    rule(retry).put("action", "RETRY").put("onStopCode", "SpotInterruption");
    rule(retry).put("action", "retry").put("onStatusReason", "Host EC2*");
    rule(retry).put("action", "EXIT").put("onExitCode", "1*").put("onReason", "*");

    RetryPolicy policy = load(root).find("b").orElseThrow().lifecycle().retry();

    assertEquals(
        new RetryPolicy(
            3,
            List.of(
                new ExitRule(RetryAction.RETRY, null, "SpotInterruption", null, null),
                new ExitRule(RetryAction.RETRY, null, null, "Host EC2*", null),
                new ExitRule(RetryAction.EXIT, "1*", null, null, "*"))),
        policy);
  }

  @Test
  void parse_whenRetryAndRerunFailedOnlyInDefaults_applyToTheBatch() {
    ObjectNode root = base();
    defaults(root).put("rerunFailed", false);
    rule(defaults(root).putObject("retry").put("attempts", 2))
        .put("action", "EXIT")
        .put("onExitCode", "2");

    Lifecycle lifecycle = load(root).find("b").orElseThrow().lifecycle();

    assertEquals(
        new Lifecycle(
            new RetryPolicy(2, List.of(new ExitRule(RetryAction.EXIT, "2", null, null, null))),
            false),
        lifecycle);
  }

  @Test
  void parse_whenBatchHasItsOwnRetry_replacesTheDefaultsWhole() {
    // Like every field but environment: the batch's value replaces the defaults', rules are not
    // merged one by one, so a batch's whole policy is in one place.
    ObjectNode root = base();
    rule(defaults(root).putObject("retry").put("attempts", 5))
        .put("action", "EXIT")
        .put("onExitCode", "2");
    defaults(root).put("rerunFailed", false);
    batch(root).putObject("retry").put("attempts", 2);
    batch(root).put("rerunFailed", true);

    Lifecycle lifecycle = load(root).find("b").orElseThrow().lifecycle();

    assertEquals(new Lifecycle(new RetryPolicy(2, List.of()), true), lifecycle);
  }

  @Test
  void parse_whenBatchSetsRetryNull_dropsTheDefaultsPolicy() {
    ObjectNode root = base();
    defaults(root).putObject("retry").put("attempts", 5);
    batch(root).putNull("retry");

    assertEquals(RetryPolicy.NONE, load(root).find("b").orElseThrow().lifecycle().retry());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "11", "-1", "2.5", "\"3\"", "true", "3000000000"})
  void parse_whenRetryAttemptsNotFrom1To10_listsIt(String attempts) throws IOException {
    ObjectNode root = base();
    batch(root).putObject("retry").set("attempts", JSON.readTree(attempts));

    assertProblem(root, "batches.b.retry.attempts: must be a whole number from 1 to 10");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 10})
  void parse_whenRetryAttemptsAtTheLimits_loads(int attempts) {
    ObjectNode root = base();
    batch(root).putObject("retry").put("attempts", attempts);

    assertEquals(attempts, load(root).find("b").orElseThrow().lifecycle().retry().attempts());
  }

  @Test
  void parse_whenRetryInDefaultsInvalid_listsItUnderTheBatch() {
    ObjectNode root = base();
    defaults(root).putObject("retry").put("attempts", 0);

    assertProblem(root, "batches.b.retry.attempts: must be a whole number from 1 to 10");
  }

  @Test
  void parse_whenRetryNotAnObject_listsIt() {
    ObjectNode root = base();
    batch(root).put("retry", 3);

    assertProblem(root, "batches.b.retry: must be an object");
  }

  @Test
  void parse_whenUnknownRetryField_listsItsPath() {
    ObjectNode root = base();
    batch(root).putObject("retry").put("attempts", 2).put("maxAttempts", 3);

    assertProblem(root, "batches.b.retry.maxAttempts: unknown field");
  }

  @Test
  void parse_whenEvaluateOnExitWithoutAttempts_listsIt() {
    ObjectNode root = base();
    rule(batch(root).putObject("retry")).put("action", "RETRY").put("onExitCode", "1");

    assertProblem(root, "batches.b.retry.attempts: required with evaluateOnExit");
  }

  @Test
  void parse_whenEvaluateOnExitNotAnArray_listsIt() {
    ObjectNode root = base();
    batch(root).putObject("retry").put("attempts", 2).putObject("evaluateOnExit");

    assertProblem(root, "batches.b.retry.evaluateOnExit: must be an array of rules");
  }

  @Test
  void parse_whenMoreThanFiveRules_listsIt() {
    ObjectNode root = base();
    retryRules(root, 6);

    assertProblem(root, "batches.b.retry.evaluateOnExit: 6 rules, at most 5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"RESTART", "RETRY_ALL", "none"})
  void parse_whenActionUnknown_listsIt(String action) {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("action", action);

    assertProblem(
        root, "batches.b.retry.evaluateOnExit[0].action: '" + action + "' is not RETRY or EXIT");
  }

  @Test
  void parse_whenActionMissing_listsIt() {
    ObjectNode root = base();
    retryRules(root, 1).get(0).remove("action");

    assertProblem(root, "batches.b.retry.evaluateOnExit[0].action: required");
  }

  @Test
  void parse_whenRuleHasNoCondition_listsIt() {
    ObjectNode root = base();
    ObjectNode rule = retryRules(root, 2).get(1);
    rule.remove("onExitCode");
    rule.putNull("onReason");

    assertProblem(root, "batches.b.retry.evaluateOnExit[1]: give at least one of onExitCode");
  }

  @Test
  void parse_whenUnknownRuleField_listsItsPath() {
    ObjectNode root = base();
    retryRules(root, 2).get(1).put("onExitcode", "1");

    assertProblem(root, "batches.b.retry.evaluateOnExit[1].onExitcode: unknown field");
  }

  @Test
  void parse_whenRuleNotAnObject_listsIt() {
    ObjectNode root = base();
    batch(root).putObject("retry").put("attempts", 2).putArray("evaluateOnExit").add("RETRY");

    assertProblem(root, "batches.b.retry.evaluateOnExit[0]: must be an object");
  }

  @ParameterizedTest
  @ValueSource(strings = {"onExitCode", "onStopCode", "onStatusReason", "onReason"})
  void parse_whenGlobHasAStarBeforeItsEnd_listsIt(String field) {
    ObjectNode root = base();
    ObjectNode rule = retryRules(root, 2).get(1);
    rule.remove("onExitCode");
    String glob = field.equals("onExitCode") ? "1*7" : "Host*EC2";
    rule.put(field, glob);

    assertProblem(
        root,
        "batches.b.retry.evaluateOnExit[1]."
            + field
            + ": '"
            + glob
            + "' has a * before its end; only a trailing * is a wildcard");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1a", "-1", "1?", "13 7", "0x1", "1.0"})
  void parse_whenExitCodeGlobNotDigits_listsIt(String glob) {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("onExitCode", glob);

    assertProblem(
        root,
        "batches.b.retry.evaluateOnExit[0].onExitCode: '"
            + glob
            + "' may contain only digits, optionally ending in *");
  }

  @Test
  void parse_whenExitCodeGlobNotAString_listsIt() {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("onExitCode", 137);

    assertProblem(root, "batches.b.retry.evaluateOnExit[0].onExitCode: must be a non-empty string");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Task?failed", "[Hh]ost*", "Out of memory!", "a\nb", "x{1}"})
  void parse_whenReasonGlobHasOtherCharacters_listsIt(String glob) {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("onStatusReason", glob);

    assertProblem(
        root,
        "batches.b.retry.evaluateOnExit[0].onStatusReason: "
            + dev.batchrunner.core.text.SafeText.quote(glob)
            + " may contain only letters, digits");
  }

  @Test
  void parse_whenStopCodeGlobHasSpaces_listsIt() {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("onStopCode", "Spot Interruption");

    assertProblem(
        root, "batches.b.retry.evaluateOnExit[0].onStopCode: 'Spot Interruption' may contain only");
  }

  @ParameterizedTest
  @ValueSource(strings = {"onExitCode", "onStopCode", "onStatusReason", "onReason"})
  void parse_whenGlobLongerThan512_listsIt(String field) {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put(field, (field.equals("onExitCode") ? "1" : "a").repeat(513));

    assertProblem(
        root, "batches.b.retry.evaluateOnExit[0]." + field + ": 513 characters, at most 512");
  }

  @Test
  void parse_whenGlobOf512Characters_loads() {
    ObjectNode root = base();
    retryRules(root, 1).get(0).put("onReason", "a".repeat(511) + "*");

    ExitRule rule = load(root).find("b").orElseThrow().lifecycle().retry().evaluateOnExit().get(0);

    assertEquals(512, rule.onReason().length());
  }

  @Test
  void parse_whenGlobsLookLikeEcsStopReasons_loads() {
    ObjectNode root = base();
    ObjectNode rule = retryRules(root, 1).get(0);
    rule.put("onExitCode", "*");
    rule.put("onStopCode", "Spot*");
    rule.put("onStatusReason", "Host EC2 (instance i-0abc) terminated.");
    rule.put("onReason", "CannotPullContainerError: pull image manifest*");

    ExitRule loaded =
        load(root).find("b").orElseThrow().lifecycle().retry().evaluateOnExit().get(0);

    assertEquals(
        new ExitRule(
            RetryAction.RETRY,
            "*",
            "Spot*",
            "Host EC2 (instance i-0abc) terminated.",
            "CannotPullContainerError: pull image manifest*"),
        loaded);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"false\"", "0", "\"no\""})
  void parse_whenRerunFailedNotABoolean_listsIt(String value) throws IOException {
    ObjectNode root = base();
    batch(root).set("rerunFailed", JSON.readTree(value));

    assertProblem(root, "batches.b.rerunFailed: must be true or false");
  }

  @Test
  void parse_whenRerunFailedFalse_loadsIt() {
    ObjectNode root = base();
    batch(root).put("rerunFailed", false);

    assertFalse(load(root).find("b").orElseThrow().lifecycle().rerunFailed());
  }

  @Test
  void parse_whenSeveralRetryProblems_listsEachWithItsRulePath() {
    ObjectNode root = base();
    ObjectNode retry = batch(root).putObject("retry").put("attempts", 11);
    rule(retry).put("action", "RETRY").put("onExitCode", "137");
    rule(retry).put("action", "STOP").put("onExitCode", "x*");
    rule(retry).put("action", "EXIT");
    batch(root).put("rerunFailed", "yes");

    CatalogException e = assertThrows(CatalogException.class, () -> load(root));

    List<String> expected =
        List.of(
            "batches.b.retry.attempts: must be a whole number from 1 to 10",
            "batches.b.retry.evaluateOnExit[1].action: 'STOP' is not RETRY or EXIT",
            "batches.b.retry.evaluateOnExit[1].onExitCode: 'x*' may contain only digits",
            "batches.b.retry.evaluateOnExit[2]: give at least one of onExitCode",
            "batches.b.rerunFailed: must be true or false");
    for (String problem : expected) {
      assertTrue(
          e.problems().stream().anyMatch(p -> p.startsWith(problem)),
          problem + " not in " + e.problems());
    }
    assertEquals(expected.size(), e.problems().size(), e.problems().toString());
  }

  // --- guardContainer (the EcsDirect intake mode's guard sidecar) -----------------------------

  @Test
  void parse_whenNoGuardContainer_leavesItNull() {
    assertNull(load(base()).find("b").orElseThrow().container().guardContainer());
  }

  @Test
  void parse_whenGuardContainerInDefaults_givesItToEveryBatchThatKeepsIt() {
    ObjectNode root = base();
    defaults(root).put("guardContainer", "guard");
    ObjectNode own = root.with("batches").putObject("own");
    own.put("taskDefinition", "td2").put("containerName", "app").put("guardContainer", "gate");
    ObjectNode none = root.with("batches").putObject("none");
    none.put("taskDefinition", "td3").put("containerName", "app").putNull("guardContainer");

    BatchCatalog catalog = load(root);

    assertEquals("guard", catalog.find("b").orElseThrow().container().guardContainer());
    assertEquals("gate", catalog.find("own").orElseThrow().container().guardContainer());
    // null in a batch drops the defaults' value: that batch's guard wraps the app's entrypoint
    assertNull(catalog.find("none").orElseThrow().container().guardContainer());
  }

  @Test
  void parse_whenGuardContainerIsTheAppContainer_listsIt() {
    ObjectNode root = base();
    batch(root).put("guardContainer", "app");

    assertProblem(root, "batches.b.guardContainer: app is the containerName itself");
  }

  @ParameterizedTest
  @ValueSource(strings = {"guard sidecar", "guard/1", "gu\"ard"})
  void parse_whenGuardContainerIsNoContainerName_listsIt(String name) {
    ObjectNode root = base();
    batch(root).put("guardContainer", name);

    assertProblem(root, "batches.b.guardContainer: ");
  }

  @Test
  void parse_whenGuardContainerIsNotAString_listsIt() {
    ObjectNode root = base();
    defaults(root).put("guardContainer", 3);

    assertProblem(root, "batches.b.guardContainer: must be a non-empty string");
  }

  // --- JSON ----------------------------------------------------------------------------------

  @Test
  void parse_whenNotJson_listsOneProblem() {
    CatalogException e =
        assertThrows(
            CatalogException.class,
            () ->
                CatalogLoader.parse(
                    "test.json", "{\"batches\": {".getBytes(StandardCharsets.UTF_8), Map.of()));

    assertEquals(1, e.problems().size());
    assertTrue(e.problems().get(0).startsWith("not valid JSON"), e.problems().toString());
    assertTrue(e.getMessage().contains("test.json"), e.getMessage());
  }

  @Test
  void parse_whenDuplicateKeys_listsTheKey() {
    String json =
        BASE.replace(
            "\"taskDefinition\": \"td\",",
            "\"taskDefinition\": \"td\", \"taskDefinition\": \"other\",");

    CatalogException e =
        assertThrows(
            CatalogException.class,
            () ->
                CatalogLoader.parse("test.json", json.getBytes(StandardCharsets.UTF_8), Map.of()));

    assertEquals(1, e.problems().size());
    assertTrue(e.problems().get(0).contains("not valid JSON"), e.problems().toString());
    assertTrue(e.problems().get(0).contains("taskDefinition"), e.problems().toString());
  }

  @Test
  void parse_whenSeveralProblems_listsThemAllInOneException() {
    ObjectNode root = base();
    batch(root).put("commnd", "x");
    batch(root).remove("containerName");
    param(root, "p").put("pattern", "(");
    param(root, "q").put("env", "AWS_REGION");
    ObjectNode second = ((ObjectNode) root.get("batches")).putObject("c");
    second.put("containerName", "app").put("idempotencyWindow", "forever");

    CatalogException e = assertThrows(CatalogException.class, () -> load(root));

    List<String> expected =
        List.of(
            "batches.b.commnd: unknown field",
            "batches.b.containerName: required",
            "batches.b.parameters.p.pattern: not a valid regular expression",
            "batches.b.parameters.q.env: AWS_REGION is reserved",
            "batches.c.taskDefinition: required",
            "batches.c.idempotencyWindow: 'forever' is not an ISO-8601 duration");
    for (String problem : expected) {
      assertTrue(
          e.problems().stream().anyMatch(p -> p.startsWith(problem)),
          problem + " not in " + e.problems());
    }
    assertEquals(expected.size(), e.problems().size(), e.problems().toString());
    assertTrue(e.getMessage().contains("(6 problems)"), e.getMessage());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** CONTRACT.md's reserved names: AWS_*, ECS_*, LD_*, and five exact names. */
  static Stream<String> reservedNames() {
    return Stream.of(
        "AWS_X",
        "ECS_X",
        "LD_PRELOAD",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "PATH",
        "HOME");
  }

  private static ObjectNode base() {
    try {
      return (ObjectNode) JSON.readTree(BASE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode defaults(ObjectNode root) {
    return (ObjectNode) root.get("defaults");
  }

  private static ObjectNode batch(ObjectNode root) {
    return (ObjectNode) root.get("batches").get("b");
  }

  private static ObjectNode param(ObjectNode root, String name) {
    return (ObjectNode) batch(root).get("parameters").get(name);
  }

  private static ObjectNode rule(ObjectNode retry) {
    JsonNode rules = retry.get("evaluateOnExit");
    ArrayNode array = rules == null ? retry.putArray("evaluateOnExit") : (ArrayNode) rules;
    return array.addObject();
  }

  /** Gives batch b a valid policy of {@code count} RETRY rules on exit codes 1, 2, …. */
  private static List<ObjectNode> retryRules(ObjectNode root, int count) {
    ObjectNode retry = batch(root).putObject("retry").put("attempts", 3);
    List<ObjectNode> rules = new java.util.ArrayList<>();
    for (int i = 1; i <= count; i++) {
      rules.add(rule(retry).put("action", "RETRY").put("onExitCode", Integer.toString(i)));
    }
    return rules;
  }

  private static void strategy(ObjectNode node, String provider) {
    ArrayNode strategy = node.putArray("capacityProviderStrategy");
    strategy.addObject().put("capacityProvider", provider).put("weight", 1);
  }

  private static BatchCatalog load(ObjectNode root) {
    return load(root, Map.of());
  }

  private static BatchCatalog load(ObjectNode root, Map<String, String> env) {
    return CatalogLoader.parse(
        "test.json", root.toString().getBytes(StandardCharsets.UTF_8), new HashMap<>(env));
  }

  private static void assertProblem(ObjectNode root, String expectedStart) {
    CatalogException e = assertThrows(CatalogException.class, () -> load(root));
    assertTrue(
        e.problems().stream().anyMatch(p -> p.startsWith(expectedStart)),
        "expected a problem starting with <" + expectedStart + "> in " + e.problems());
    assertTrue(e.getMessage().contains(expectedStart), e.getMessage());
  }
}
