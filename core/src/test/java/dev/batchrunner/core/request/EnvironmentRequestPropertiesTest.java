package dev.batchrunner.core.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.catalog.TaskEnvironment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * For random catalogs and random valid requests: the environment a task gets on either path, read
 * back by {@link EnvironmentRequest}, resolves to the same key as the request itself. First the
 * function's path (TaskLaunchFactory's container override, with the explicit key the EcsDirect rule
 * adds), then what an EcsDirect rule writes (only the given parameters, a missing one empty or
 * absent).
 */
class EnvironmentRequestPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Supplier<String> NO_NEW_TRACE_ID =
      () -> {
        throw new AssertionError("every generated environment carries a trace id");
      };

  @Property(tries = 1000, shrinking = ShrinkingMode.BOUNDED)
  void lambdaPathEnvironment_readBack_hasTheSameKeyParametersAndLaunch(@ForAll("cases") Case c) {
    RequestResolver resolver = new RequestResolver(c.catalog());
    Resolution lambda = resolver.resolve(c.request());
    Assume.that(lambda instanceof Resolution.Valid); // over ECS's override limit: not a request
    Resolution.Valid sent = (Resolution.Valid) lambda;
    Map<String, String> env = new HashMap<>(sent.launch().container().environment());
    if (c.request().idempotencyKey() != null) {
      env.put(TaskEnvironment.REQUEST_KEY, c.request().idempotencyKey());
    }

    Resolution.Valid read =
        assertInstanceOf(
            Resolution.Valid.class, EnvironmentRequest.resolve(resolver, env, NO_NEW_TRACE_ID));

    assertEquals(sent.key(), read.key());
    assertEquals(sent.parameters(), read.parameters());
    assertEquals(sent.launch(), read.launch());
    Statistics.label("explicit key").collect(c.request().idempotencyKey() != null);
  }

  @Property(tries = 1000, shrinking = ShrinkingMode.BOUNDED)
  void ruleEnvironment_readBack_hasTheKeyOfTheRequestTheEventCarried(@ForAll("cases") Case c) {
    RequestResolver resolver = new RequestResolver(c.catalog());
    Resolution lambda = resolver.resolve(c.request());
    Assume.that(lambda instanceof Resolution.Valid);
    Resolution.Valid sent = (Resolution.Valid) lambda;

    Resolution.Valid read =
        assertInstanceOf(
            Resolution.Valid.class,
            EnvironmentRequest.resolve(resolver, c.ruleEnvironment(), NO_NEW_TRACE_ID));

    assertEquals(sent.key(), read.key());
    assertEquals(sent.parameters(), read.parameters());
    assertEquals(sent.launch().container(), read.launch().container());
  }

  // --- generators ----------------------------------------------------------------------------

  /**
   * A catalog of one batch type {@code b} and a valid request for it, with the environment an
   * EcsDirect rule writes for that request.
   */
  record Case(BatchCatalog catalog, BatchRequest request, Map<String, String> ruleEnvironment) {
    @Override
    public String toString() {
      return "Case[request=" + request + ", ruleEnvironment=" + ruleEnvironment + "]";
    }
  }

  private record Spec(String env, boolean required, String defaultValue) {}

  /** Per parameter: absent, given, or (optional ones) left empty by the rule. */
  private enum Given {
    ABSENT,
    VALUE,
    EMPTY
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<List<Spec>> specs =
        Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.of(true, false),
                // the catalog refuses a blank default and fills ${NAME} in it
                values().filter(v -> !v.isBlank() && !v.contains("${")))
            .as(
                (required, withDefault, value) ->
                    new Spec(null, required, withDefault ? value : null))
            .list()
            .ofMaxSize(5);
    Arbitrary<String> traceIdEnv = Arbitraries.of("TRACE_ID", "CORRELATION_ID", "X_TRACE");
    Arbitrary<String> traceId =
        Arbitraries.strings()
            .withChars("abcdefXYZ0123456789+-=._:/@")
            .ofMinLength(1)
            .ofMaxLength(128);
    Arbitrary<String> explicitKey =
        Arbitraries.strings()
            .withCharRange(' ', '~')
            .withChars("é日本")
            .ofMinLength(1)
            .ofMaxLength(RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH)
            .injectNull(0.6);
    return Combinators.combine(
            specs,
            traceIdEnv,
            traceId,
            explicitKey,
            values().list().ofSize(5),
            Arbitraries.of(Given.values()).list().ofSize(5),
            Arbitraries.of(true, false).list().ofSize(5))
        .as(EnvironmentRequestPropertiesTest::build);
  }

  /**
   * Parameter values: printable text (other scripts too), tabs, line breaks and shell quoting
   * characters; never empty. (A supplementary character would be drawn as two lone surrogates,
   * which the resolver rightly refuses.)
   */
  private static Arbitrary<String> values() {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .withChars("\t\n\r'\"$`\\{}äß€日本語")
        .ofMinLength(1)
        .ofMaxLength(40);
  }

  private static Case build(
      List<Spec> specs,
      String traceIdEnv,
      String traceId,
      String explicitKey,
      List<String> values,
      List<Given> given,
      List<Boolean> emptyNotAbsent) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("defaults")
        .put("cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/batch")
        .put("launchType", "FARGATE")
        .put("subnets", "subnet-1")
        .put("traceIdEnv", traceIdEnv);
    ObjectNode batch = root.putObject("batches").putObject("b");
    batch.put("taskDefinition", "b").put("containerName", "app");
    batch.putObject("environment").put("FIXED_SETTING", "on");
    ObjectNode parameters = batch.putObject("parameters");
    Map<String, String> request = new LinkedHashMap<>();
    Map<String, String> env = new HashMap<>();
    List<String> command = new ArrayList<>(List.of("run"));
    for (int i = 0; i < specs.size(); i++) {
      Spec spec = specs.get(i);
      String name = "p" + i;
      String envName = "PARAM_" + i;
      ObjectNode p = parameters.putObject(name).put("env", envName);
      boolean required = spec.required() && spec.defaultValue() == null;
      p.put("required", required);
      if (!required && spec.defaultValue() != null) {
        p.put("default", spec.defaultValue());
      }
      if (required || spec.defaultValue() != null) {
        command.add("{" + name + "}"); // the catalog allows only parameters never absent
      }
      Given what = required ? Given.VALUE : given.get(i);
      switch (what) {
        case VALUE -> {
          request.put(name, values.get(i));
          env.put(envName, values.get(i));
        }
        case EMPTY -> env.put(envName, "");
        case ABSENT -> {
          if (emptyNotAbsent.get(i)) {
            env.put(envName, ""); // EventBridge writes a missing event field as an empty string
          }
        }
      }
      Statistics.label("parameter").collect(what);
    }
    com.fasterxml.jackson.databind.node.ArrayNode argv = batch.putArray("command");
    command.forEach(argv::add);
    BatchCatalog catalog;
    try {
      catalog = CatalogLoader.parse("generated", JSON.writeValueAsBytes(root), Map.of());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    env.put(TaskEnvironment.BATCH_TYPE_ID, "b");
    env.put(traceIdEnv, traceId);
    env.put(TaskEnvironment.EVENT_ID, "event-1");
    env.put(TaskEnvironment.REQUEST_KEY, explicitKey == null ? "" : explicitKey);
    env.put("FIXED_SETTING", "on");
    return new Case(catalog, new BatchRequest("b", traceId, request, explicitKey, null), env);
  }
}
