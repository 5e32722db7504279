package dev.batchrunner.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.testing.Fixtures;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.regions.Region;

/** Every variable of the Environment table, its default, and the start-up error it can cause. */
class FunctionConfigTest {
  /** The least the function starts with: the table, the region, the catalog's placeholders. */
  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>(Fixtures.CATALOG_ENV);
    env.put("IDEMPOTENCY_TABLE", "records");
    env.put("AWS_REGION", "eu-west-1");
    return env;
  }

  @Test
  void fromEnvironment_whenOnlyRequiredSet_usesEveryDefault() {
    FunctionConfig config = FunctionConfig.fromEnvironment(minimal());

    assertEquals("records", config.table());
    assertEquals(
        Set.of("daily-report", "invoice-export", "nightly-cleanup"),
        config.catalog().batchTypeIds(),
        "the classpath's batches.json");
    assertFalse(config.dryRun());
    assertEquals("BatchRunner", config.metricsNamespace());
    assertTrue(config.primeOnInit());
    assertEquals(Region.EU_WEST_1, config.aws().region());
    assertEquals(AwsConnection.Endpoints.AWS, config.aws().endpoints());
  }

  @Test
  void fromEnvironment_whenTableHasSpaces_trimsIt() {
    Map<String, String> env = minimal();
    env.put("IDEMPOTENCY_TABLE", "  records \n");

    assertEquals("records", FunctionConfig.fromEnvironment(env).table());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   "})
  void fromEnvironment_whenTableMissingOrBlank_failsNamingTheVariable(String value) {
    Map<String, String> env = minimal();
    env.put("IDEMPOTENCY_TABLE", value);
    Map<String, String> unset = minimal();
    unset.remove("IDEMPOTENCY_TABLE");

    for (Map<String, String> broken : java.util.List.of(env, unset)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> FunctionConfig.fromEnvironment(broken));
      assertEquals("IDEMPOTENCY_TABLE is not set: it names the idempotency table", e.getMessage());
    }
  }

  @Test
  void fromEnvironment_whenCatalogFileSet_loadsItWithPlaceholdersFromTheSameEnvironment(
      @TempDir Path dir) throws Exception {
    Path catalog = dir.resolve("catalog.json");
    Files.writeString(
        catalog,
        """
        {"defaults": {"cluster": "${MY_CLUSTER}", "subnets": "subnet-1"},
         "batches": {"only-here": {"taskDefinition": "t", "containerName": "app"}}}
        """);
    Map<String, String> env = minimal();
    env.put("BATCH_CATALOG", catalog.toString());
    env.put("MY_CLUSTER", "arn:aws:ecs:eu-west-1:123456789012:cluster/mine");

    assertEquals(Set.of("only-here"), FunctionConfig.fromEnvironment(env).catalog().batchTypeIds());

    env.remove("MY_CLUSTER");
    CatalogException e =
        assertThrows(CatalogException.class, () -> FunctionConfig.fromEnvironment(env));
    assertTrue(e.getMessage().contains("MY_CLUSTER"), e.getMessage());
  }

  @Test
  void fromEnvironment_whenCatalogFileUnreadable_failsNamingTheVariable(@TempDir Path dir) {
    Map<String, String> env = minimal();
    env.put("BATCH_CATALOG", dir.resolve("missing.json").toString());

    CatalogException e =
        assertThrows(CatalogException.class, () -> FunctionConfig.fromEnvironment(env));

    assertTrue(e.getMessage().contains("BATCH_CATALOG="), e.getMessage());
  }

  @Test
  void fromEnvironment_whenShippedCatalogLacksAPlaceholder_failsNamingIt() {
    Map<String, String> env = minimal();
    env.remove("CLUSTER_ARN");

    CatalogException e =
        assertThrows(CatalogException.class, () -> FunctionConfig.fromEnvironment(env));

    assertTrue(e.getMessage().contains("CLUSTER_ARN"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "TRUE", " True "})
  void fromEnvironment_whenDryRunTrue_isDryRun(String value) {
    Map<String, String> env = minimal();
    env.put("DRY_RUN", value);

    assertTrue(FunctionConfig.fromEnvironment(env).dryRun());
  }

  @ParameterizedTest
  @ValueSource(strings = {"false", "False", ""})
  void fromEnvironment_whenDryRunFalseOrBlank_sendsRunTask(String value) {
    Map<String, String> env = minimal();
    env.put("DRY_RUN", value);

    assertFalse(FunctionConfig.fromEnvironment(env).dryRun());
  }

  @ParameterizedTest
  @ValueSource(strings = {"DRY_RUN", "PRIME_ON_INIT"})
  void fromEnvironment_whenFlagNeitherTrueNorFalse_failsNamingTheVariable(String name) {
    Map<String, String> env = minimal();
    env.put(name, "yes");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> FunctionConfig.fromEnvironment(env));

    assertTrue(e.getMessage().startsWith(name + "=yes is neither true nor false"), e.getMessage());
  }

  @Test
  void fromEnvironment_whenPrimeOnInitFalse_doesNotPrime() {
    Map<String, String> env = minimal();
    env.put("PRIME_ON_INIT", "FALSE");

    assertFalse(FunctionConfig.fromEnvironment(env).primeOnInit());
  }

  @Test
  void fromEnvironment_whenMetricsNamespaceSet_usesIt() {
    Map<String, String> env = minimal();
    env.put("METRICS_NAMESPACE", " Team/Batch ");

    assertEquals("Team/Batch", FunctionConfig.fromEnvironment(env).metricsNamespace());
  }

  @Test
  void fromEnvironment_whenNoRegion_failsNamingAwsRegion() {
    Map<String, String> env = minimal();
    env.remove("AWS_REGION");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> FunctionConfig.fromEnvironment(env));

    assertEquals(
        "AWS_REGION is not set (Lambda sets it; set it when running elsewhere)", e.getMessage());
  }

  @Test
  void fromEnvironment_whenOnlyDefaultRegion_usesIt() {
    Map<String, String> env = minimal();
    env.remove("AWS_REGION");
    env.put("AWS_DEFAULT_REGION", "us-east-2");

    assertEquals(Region.US_EAST_2, FunctionConfig.fromEnvironment(env).aws().region());
  }

  @Test
  void fromEnvironment_whenServiceEndpointsSet_overridesEachService() {
    Map<String, String> env = minimal();
    env.put("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000");
    env.put("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:5000");

    AwsConnection.Endpoints endpoints = FunctionConfig.fromEnvironment(env).aws().endpoints();

    assertEquals(URI.create("http://127.0.0.1:8000"), endpoints.dynamoDb());
    assertEquals(URI.create("http://127.0.0.1:5000"), endpoints.ecs());
  }

  @Test
  void fromEnvironment_whenOnlyGeneralEndpointSet_usesItForBothServices() {
    Map<String, String> env = minimal();
    env.put("AWS_ENDPOINT_URL", "http://localhost:4566");
    env.put("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:5000");

    AwsConnection.Endpoints endpoints = FunctionConfig.fromEnvironment(env).aws().endpoints();

    assertEquals(URI.create("http://localhost:4566"), endpoints.dynamoDb());
    assertEquals(URI.create("http://127.0.0.1:5000"), endpoints.ecs(), "the service's own wins");
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost:8000", "not a url", "/relative"})
  void fromEnvironment_whenEndpointNotAUrl_failsNamingTheVariable(String value) {
    Map<String, String> env = minimal();
    env.put("AWS_ENDPOINT_URL_DYNAMODB", value);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> FunctionConfig.fromEnvironment(env));

    assertTrue(
        e.getMessage().startsWith("AWS_ENDPOINT_URL_DYNAMODB=" + value + " is not an endpoint"),
        e.getMessage());
  }

  @Test
  void fromEnvironment_whenKeysInTheEnvironment_credentialsComeFromThem() {
    Map<String, String> env = minimal();
    env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    env.put("AWS_SECRET_ACCESS_KEY", "secret");
    env.put("AWS_SESSION_TOKEN", "token");

    AwsCredentials credentials =
        FunctionConfig.fromEnvironment(env).aws().credentials().resolveCredentials();

    AwsSessionCredentials session = assertInstanceOf(AwsSessionCredentials.class, credentials);
    assertEquals("AKIDEXAMPLE", session.accessKeyId());
    assertEquals("secret", session.secretAccessKey());
    assertEquals("token", session.sessionToken());
  }

  @Test
  void fromEnvironment_whenKeysWithoutSessionToken_credentialsAreBasicOnes() {
    Map<String, String> env = minimal();
    env.put("AWS_ACCESS_KEY_ID", "from-the-map");
    env.put("AWS_SECRET_ACCESS_KEY", "secret");

    AwsCredentials credentials =
        FunctionConfig.fromEnvironment(env).aws().credentials().resolveCredentials();

    // Read from the given map, not the process's environment.
    assertEquals("from-the-map", credentials.accessKeyId());
    assertFalse(credentials instanceof AwsSessionCredentials);
  }

  @Test
  void environmentVariables_listEveryVariableReadAndTheRequiredOnes() {
    for (String name :
        java.util.List.of(
            "IDEMPOTENCY_TABLE",
            "BATCH_CATALOG",
            "DRY_RUN",
            "METRICS_NAMESPACE",
            "PRIME_ON_INIT",
            "LOG_LEVEL",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_ECS")) {
      assertTrue(FunctionConfig.ENVIRONMENT_VARIABLES.contains(name), name);
    }
    assertEquals(
        java.util.List.of("IDEMPOTENCY_TABLE"), FunctionConfig.REQUIRED_ENVIRONMENT_VARIABLES);
  }
}
