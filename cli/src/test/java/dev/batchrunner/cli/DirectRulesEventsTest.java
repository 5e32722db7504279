package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.TaskEnvironment;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The issue's key test for the EcsDirect intake mode: every request of {@code events/} goes through
 * the generated rules (their event pattern and input transformer, on the testkit's EventBridge
 * evaluator) and through the function's own pipeline ({@link OfflineFunction}, the code {@code
 * explain} runs), and the container environment and command EcsDirect starts the task with must be
 * the function's, except for differences {@link EcsDirectDifference} lists (the list the generated
 * template's comment is written from). The environment must also carry enough for the guard: the
 * contract's reverse mapping of it resolves to the function's key and trace id.
 *
 * <p>Bare requests (a scheduled rule's Input, a direct invoke) reach EcsDirect only as the
 * monolith's PutEvents: they go in a "Batch Requested" envelope, the same one for both paths. SQS
 * bodies are taken out of their batch. Task state changes must match no rule; the Lambda
 * destination record in {@code events/dead-letters/} is no intake shape (replay turns it back into
 * its request) and is left out.
 *
 * <p>Runs twice: on a template generated from the tests' catalog, and on the committed {@code
 * direct-rules.yaml} with the shipped catalog it was generated from.
 */
class DirectRulesEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The envelope id a wrapped bare request gets (a UUID, as EventBridge gives). */
  private static final String WRAPPED_ID = "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

  /** A catalog and the template generated from it. */
  record Source(String name, BatchCatalog catalog, DirectRules.Generated generated, String yaml) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Source> sources() {
    byte[] tests = Fixtures.catalog();
    byte[] shipped =
        read(Fixtures.projectRoot().resolve("function/src/main/resources/batches.json"));
    DirectRules.Generated fromTests = DirectRules.generate("fixtures/catalog.json", tests);
    DirectRules.Generated fromShipped = DirectRules.generate("batches.json", shipped);
    return Stream.of(
        new Source("the tests' catalog", load(tests), fromTests, fromTests.yaml()),
        new Source(
            "the shipped catalog, committed direct-rules.yaml",
            load(shipped),
            fromShipped,
            new String(
                read(Fixtures.projectRoot().resolve("direct-rules.yaml")),
                StandardCharsets.UTF_8)));
  }

  // --- valid requests: the same environment, but for listed differences
  // ----------------------------

  @ParameterizedTest
  @MethodSource("sources")
  void everyValidRequest_startsItsTaskWithTheFunctionsEnvironment_butForListedDifferences(
      Source source) {
    DirectRulesStack stack = DirectRulesStack.of(source.yaml());
    Set<EcsDirectDifference> seen = EnumSet.noneOf(EcsDirectDifference.class);
    List<String> compared = new ArrayList<>();
    for (Sample sample : requestSamples()) {
      OfflineFunction.Item item =
          single(OfflineFunction.explain(source.catalog(), bytes(sample.event())));
      if (!(item instanceof OfflineFunction.Item.Request lambda)) {
        continue;
      }
      JsonNode event = sample.event();
      List<DirectRulesStack.Delivery> deliveries = stack.deliver(event);
      if (deliveries.isEmpty()) {
        // The function takes field names in any case; EventBridge matches exact names only.
        assertTrue(
            hasInexactFieldName(event.get("detail")),
            sample + ": valid for the function, matched by no rule, and not for a listed reason");
        seen.add(EcsDirectDifference.FIELD_NAME_CASE);
        event = exactFieldNames(event);
        deliveries = stack.deliver(event);
      }
      assertEquals(1, deliveries.size(), sample + ": rules matched: " + deliveries);
      compare(source, sample, lambda.resolution(), event, deliveries.get(0), seen);
      compared.add(sample.name());
    }
    System.out.println(
        "EcsDirect vs the function on "
            + source
            + ": "
            + compared.size()
            + " valid requests ("
            + String.join(", ", compared)
            + "), differences seen: "
            + seen);
    assertTrue(compared.size() >= 6, "too few valid samples compared: " + compared);
    // The samples exercise these; a change that stops them appearing must change this test.
    assertTrue(
        seen.containsAll(
            EnumSet.of(
                EcsDirectDifference.NO_IDEMPOTENCY_KEY,
                EcsDirectDifference.GUARD_ENVIRONMENT,
                EcsDirectDifference.TRACE_ID_DEFAULT,
                EcsDirectDifference.DEFAULTS,
                EcsDirectDifference.COMMAND_DEFAULT,
                EcsDirectDifference.TASK_TAGS,
                EcsDirectDifference.FIELD_NAME_CASE)),
        seen.toString());
  }

  private static void compare(
      Source source,
      Sample sample,
      Resolution.Valid lambda,
      JsonNode event,
      DirectRulesStack.Delivery delivery,
      Set<EcsDirectDifference> seen) {
    BatchDefinition batch = lambda.batch();
    DirectRules.RuleSummary summary = summary(source, batch.id());
    assertEquals(summary.logicalId(), delivery.rule().logicalId(), sample + ": the wrong rule");
    TaskLaunch launch = lambda.launch();
    BatchRequest request = lambda.request();

    JsonNode app = delivery.container(batch.container().name());
    assertNotNull(app, sample + ": no override for " + batch.container().name());
    Map<String, String> direct = DirectRulesStack.Delivery.environment(app);
    Map<String, String> function = launch.container().environment();

    Set<String> names = new TreeSet<>(function.keySet());
    names.addAll(direct.keySet());
    for (String name : names) {
      String f = function.get(name);
      String d = direct.get(name);
      if (f != null && f.equals(d)) {
        continue;
      }
      EcsDirectDifference why = explain(name, f, d, batch, request, event);
      if (why == null) {
        fail(
            sample
                + " ("
                + source
                + "): "
                + name
                + " is "
                + quoted(d)
                + " in EcsDirect, "
                + quoted(f)
                + " from the function, and no listed difference says why");
      }
      if (why == EcsDirectDifference.DEFAULTS) {
        assertGap(summary, why, parameterOf(batch, name).name() + " (");
      }
      seen.add(why);
    }

    List<String> functionCommand = launch.container().command();
    List<String> directCommand = DirectRulesStack.Delivery.command(app);
    if (functionCommand == null) {
      assertEquals(null, directCommand, sample + ": a command the catalog does not give");
    } else {
      assertNotNull(directCommand, sample + ": the catalog's command is missing");
      assertEquals(
          functionCommand.size(), directCommand.size(), sample + ": command " + directCommand);
      // What EventBridge can fill: the given parameters, "" for an absent one.
      Map<String, String> given = new HashMap<>();
      batch
          .parameters()
          .keySet()
          .forEach(p -> given.put(p, request.parameters().getOrDefault(p, "")));
      List<String> expected = TaskLaunchFactory.command(batch.container().command(), given);
      for (int i = 0; i < functionCommand.size(); i++) {
        if (functionCommand.get(i).equals(directCommand.get(i))) {
          continue;
        }
        assertEquals(expected.get(i), directCommand.get(i), sample + ": command[" + i + "]");
        assertGap(summary, EcsDirectDifference.COMMAND_DEFAULT, "in command[" + i + "]");
        seen.add(EcsDirectDifference.COMMAND_DEFAULT);
      }
    }

    if (batch.container().guardContainer() != null) {
      JsonNode guard = delivery.container(batch.container().guardContainer());
      assertNotNull(guard, sample + ": no override for the guard container");
      assertEquals(direct, DirectRulesStack.Delivery.environment(guard), sample + ": guard's env");
      assertEquals(null, DirectRulesStack.Delivery.command(guard));
    }
    assertEquals(
        batch.container().guardContainer() == null ? 1 : 2,
        delivery.overrides().get("containerOverrides").size());

    // The target: the function's placement and task definition, the batch-type tag only.
    Map<String, Object> ecs = delivery.rule().ecsParameters();
    assertEquals(launch.placement().cluster(), delivery.rule().target().get("Arn"));
    assertEquals(
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/" + launch.taskDefinition(),
        ecs.get("TaskDefinitionArn"));
    assertEquals(launch.placement().launchType(), ecs.get("LaunchType"));
    @SuppressWarnings("unchecked")
    Map<String, Object> vpc =
        (Map<String, Object>)
            ((Map<String, Object>) ecs.get("NetworkConfiguration")).get("AwsVpcConfiguration");
    assertEquals(launch.placement().network().subnets(), vpc.get("Subnets"));
    assertEquals(launch.placement().network().securityGroups(), vpc.get("SecurityGroups"));
    assertEquals(launch.placement().network().assignPublicIp(), vpc.get("AssignPublicIp"));
    Map<String, Object> tag = new LinkedHashMap<>();
    tag.put("Key", TaskLaunchFactory.TAG_BATCH_TYPE);
    tag.put("Value", launch.tags().get(TaskLaunchFactory.TAG_BATCH_TYPE));
    assertEquals(List.of(tag), ecs.get("TagList"));
    assertEquals(
        Set.of(TaskLaunchFactory.TAG_BATCH_TYPE, TaskLaunchFactory.TAG_TRACE_ID),
        launch.tags().keySet());
    seen.add(EcsDirectDifference.TASK_TAGS);

    // The guard's view: the contract's reverse mapping of the environment is the function's key.
    Resolution guard = new RequestResolver(source.catalog()).resolve(reverse(batch, direct));
    Resolution.Valid valid = assertInstanceOf(Resolution.Valid.class, guard, sample + ": " + guard);
    assertEquals(lambda.key().id(), valid.key().id(), sample + ": the guard's key");
    assertEquals(request.traceId(), valid.request().traceId(), sample + ": the guard's trace id");
    assertEquals(lambda.parameters(), valid.parameters(), sample + ": the guard's parameters");
  }

  /** The listed difference that explains one variable's value, or null. */
  private static EcsDirectDifference explain(
      String name,
      String function,
      String direct,
      BatchDefinition batch,
      BatchRequest request,
      JsonNode event) {
    if (name.equals(TaskEnvironment.IDEMPOTENCY_KEY) && direct == null) {
      return EcsDirectDifference.NO_IDEMPOTENCY_KEY;
    }
    if (function == null && name.equals(DirectRules.ENV_EVENT_ID)) {
      return event.get("id").asText().equals(direct) ? EcsDirectDifference.GUARD_ENVIRONMENT : null;
    }
    if (function == null && name.equals(DirectRules.ENV_REQUEST_KEY)) {
      String key = request.idempotencyKey() == null ? "" : request.idempotencyKey();
      return key.equals(direct) ? EcsDirectDifference.GUARD_ENVIRONMENT : null;
    }
    if (name.equals(batch.container().traceIdEnv())
        && "".equals(direct)
        && !event.get("detail").has("traceId")
        && event.get("id").asText().equals(function)) {
      return EcsDirectDifference.TRACE_ID_DEFAULT;
    }
    ParameterSpec spec = parameterOf(batch, name);
    if (spec != null
        && "".equals(direct)
        && !request.parameters().containsKey(spec.name())
        && (function == null || function.equals(spec.defaultValue()))) {
      return EcsDirectDifference.DEFAULTS;
    }
    return null;
  }

  // --- invalid requests: refused by the pattern, or left to the guard
  // ---------------------------------

  @ParameterizedTest
  @MethodSource("sources")
  void everyInvalidRequest_matchesNoRule_orTheGuardRefusesIt_orItIsAListedGap(Source source) {
    DirectRulesStack stack = DirectRulesStack.of(source.yaml());
    BatchCatalog catalog = source.catalog();
    List<String> refused = new ArrayList<>();
    List<String> guardRefuses = new ArrayList<>();
    List<String> runs = new ArrayList<>();
    for (Sample sample : requestSamples()) {
      OfflineFunction.Item item = single(OfflineFunction.explain(catalog, bytes(sample.event())));
      if (!(item instanceof OfflineFunction.Item.Rejected rejected)) {
        continue;
      }
      List<DirectRulesStack.Delivery> deliveries = stack.deliver(sample.event());
      if (deliveries.isEmpty()) {
        refused.add(sample.name());
        continue;
      }
      assertEquals(1, deliveries.size(), sample.toString());
      DirectRulesStack.Delivery delivery = deliveries.get(0);
      DirectRules.RuleSummary rule = ruleOf(source, delivery);
      BatchDefinition batch = catalog.find(rule.batch().id()).orElseThrow();
      Map<String, String> env =
          DirectRulesStack.Delivery.environment(delivery.container(batch.container().name()));
      Resolution guard = new RequestResolver(catalog).resolve(reverse(batch, env));
      if (guard instanceof Resolution.Invalid invalid) {
        // What the pattern could not check, the guard refuses, naming the same field.
        String field = invalid.rejection().field();
        assertEquals(rejected.rejection().field(), field, sample.toString());
        String parameter = field.substring(field.indexOf('.') + 1);
        assertTrue(
            rule.gaps().stream()
                .anyMatch(
                    g ->
                        g.difference().kind() == EcsDirectDifference.Kind.NOT_CHECKED
                            && g.subject().startsWith(parameter + ": ")),
            sample
                + ": the guard refuses "
                + field
                + ", which "
                + rule.logicalId()
                + " does not list as unchecked: "
                + rule.gaps());
        guardRefuses.add(sample.name() + " (" + field + ")");
      } else {
        // Only a parameter the catalog does not declare gets through: dropped, it never reaches
        // the guard, and the request runs without it.
        JsonNode given = sample.event().get("detail").get("parameters");
        List<String> undeclared = new ArrayList<>();
        given
            .fieldNames()
            .forEachRemaining(
                n -> {
                  if (!batch.parameters().containsKey(n)) {
                    undeclared.add(n);
                  }
                });
        assertFalse(undeclared.isEmpty(), sample + ": runs in EcsDirect for no listed reason");
        assertTrue(
            rejected.rejection().reason().startsWith("not declared"),
            rejected.rejection().toString());
        undeclared.forEach(
            n -> assertFalse(env.containsValue(given.get(n).asText()), n + " reached the task"));
        runs.add(sample.name() + " (without " + String.join(", ", undeclared) + ")");
      }
    }
    System.out.println(
        "EcsDirect on the function's refusals ("
            + source
            + "): refused by the pattern: "
            + refused
            + "; matched, refused by the guard ["
            + EcsDirectDifference.PATTERN.label()
            + "]: "
            + guardRefuses
            + "; matched and run ["
            + EcsDirectDifference.UNDECLARED_PARAMETER.label()
            + "]: "
            + runs);
    assertTrue(refused.size() >= 4, "refused by the pattern: " + refused);
    assertFalse(
        guardRefuses.isEmpty(), "no sample left to the guard: the test covers less than it says");
  }

  @ParameterizedTest
  @MethodSource("sources")
  void taskStateChanges_matchNoRule(Source source) throws IOException {
    DirectRulesStack stack = DirectRulesStack.of(source.yaml());
    List<Path> files;
    try (Stream<Path> listing = Files.list(Fixtures.events().resolve("task-state-change"))) {
      files = listing.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty());
    for (Path file : files) {
      assertEquals(List.of(), stack.deliver(JSON.readTree(file.toFile())), file.toString());
    }
  }

  @Test
  void aValueThatWouldRewriteTheOverrides_matchesNoRule() throws IOException {
    DirectRulesStack stack = DirectRulesStack.of(sources().findFirst().orElseThrow().yaml());
    String injection = "acme\"}, {\"name\": \"LD_PRELOAD\", \"value\": \"/tmp/evil.so";
    for (String value : List.of(injection, "acme\\", "")) {
      ObjectNode event = envelope(JSON.createObjectNode().put("batchTypeId", "daily-report"));
      ((ObjectNode) event.get("detail"))
          .putObject("parameters")
          .put("reportDate", "2026-11-22")
          .put("tenant", value);
      assertEquals(List.of(), stack.deliver(event), "tenant " + quoted(value));
      ((ObjectNode) event.get("detail").get("parameters")).put("tenant", "acme");
      ((ObjectNode) event.get("detail")).put("traceId", value);
      assertEquals(List.of(), stack.deliver(event), "traceId " + quoted(value));
    }
  }

  // --- the samples
  // -------------------------------------------------------------------------------------

  /** One request as an EventBridge envelope, and where it came from. */
  record Sample(String name, JsonNode event) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Every request in {@code events/}: envelopes, bare requests wrapped, SQS bodies unwrapped. */
  static List<Sample> requestSamples() {
    List<Sample> samples = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(Fixtures.events())) {
      files = walk.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path file : files) {
      String name = Fixtures.events().relativize(file).toString();
      if (name.startsWith("task-state-change") || name.startsWith("dead-letters")) {
        continue;
      }
      JsonNode root = tree(read(file));
      if (root.has("Records")) {
        for (JsonNode record : root.get("Records")) {
          samples.add(
              new Sample(
                  name + "#" + record.get("messageId").asText(),
                  asEnvelope(tree(record.get("body").asText().getBytes(StandardCharsets.UTF_8)))));
        }
      } else {
        samples.add(new Sample(name, asEnvelope(root)));
      }
    }
    return samples;
  }

  private static JsonNode asEnvelope(JsonNode root) {
    if (root.has("detail-type") && !root.has("id")) {
      // A FIFO intake queue's body: template.yaml's transformer dropped the event's id and time.
      // The rules would see the event itself, as EventBridge delivered it.
      return envelope(root.get("detail"));
    }
    return root.has("detail-type") ? root : envelope(root);
  }

  /** The monolith's PutEvents of {@code request}, as EventBridge delivers it. */
  private static ObjectNode envelope(JsonNode request) {
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("version", "0");
    envelope.put("id", WRAPPED_ID);
    envelope.put("detail-type", DirectRules.DETAIL_TYPE);
    envelope.put("source", "legacy.monolith");
    envelope.put("account", "111122223333");
    envelope.put("time", "2026-11-23T02:00:00Z");
    envelope.put("region", "eu-west-1");
    envelope.putArray("resources");
    envelope.set("detail", request.deepCopy());
    return envelope;
  }

  private static boolean hasInexactFieldName(JsonNode detail) {
    Set<String> exact = Set.of("batchTypeId", "traceId", "parameters", "idempotencyKey");
    for (Iterator<String> it = detail.fieldNames(); it.hasNext(); ) {
      if (!exact.contains(it.next())) {
        return true;
      }
    }
    return false;
  }

  /** The envelope with its request's field names spelled as EcsDirect needs them. */
  private static JsonNode exactFieldNames(JsonNode event) {
    ObjectNode copy = event.deepCopy();
    ObjectNode detail = JSON.createObjectNode();
    event
        .get("detail")
        .fields()
        .forEachRemaining(
            f -> {
              String name = f.getKey();
              for (String exact :
                  List.of("batchTypeId", "traceId", "parameters", "idempotencyKey")) {
                if (exact.equalsIgnoreCase(name)) {
                  name = exact;
                }
              }
              detail.set(name, f.getValue());
            });
    copy.set("detail", detail);
    return copy;
  }

  // --- the guard's reverse mapping (ecsdirect contract)
  // ------------------------------------------------

  /**
   * The request the guard reads from a task's environment, per the shared contract: parameters from
   * their env names ("" or absent: not given), the trace id from traceIdEnv else
   * BATCH_RUNNER_EVENT_ID, the explicit key from BATCH_RUNNER_REQUEST_KEY.
   */
  static BatchRequest reverse(BatchDefinition batch, Map<String, String> env) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (ParameterSpec spec : batch.parameters().values()) {
      String value = env.get(spec.env());
      if (value != null && !value.isEmpty()) {
        parameters.put(spec.name(), value);
      }
    }
    String trace = env.getOrDefault(batch.container().traceIdEnv(), "");
    String key = env.getOrDefault(DirectRules.ENV_REQUEST_KEY, "");
    return new BatchRequest(
        env.get(TaskEnvironment.BATCH_TYPE_ID),
        trace.isEmpty() ? env.get(DirectRules.ENV_EVENT_ID) : trace,
        parameters,
        key.isEmpty() ? null : key,
        env.get(DirectRules.ENV_EVENT_ID));
  }

  // --- helpers
  // -------------------------------------------------------------------------------------

  private static DirectRules.RuleSummary ruleOf(Source source, DirectRulesStack.Delivery delivery) {
    return source.generated().rules().stream()
        .filter(r -> r.logicalId().equals(delivery.rule().logicalId()))
        .findFirst()
        .orElseThrow();
  }

  private static DirectRules.RuleSummary summary(Source source, String batchTypeId) {
    return source.generated().rules().stream()
        .filter(r -> r.batch().id().equals(batchTypeId))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no rule for " + batchTypeId));
  }

  private static void assertGap(
      DirectRules.RuleSummary rule, EcsDirectDifference difference, String subject) {
    assertTrue(
        rule.gaps().stream()
            .anyMatch(g -> g.difference() == difference && g.subject().contains(subject)),
        rule.logicalId()
            + " does not list ["
            + difference.label()
            + "] "
            + subject
            + ": "
            + rule.gaps());
  }

  private static ParameterSpec parameterOf(BatchDefinition batch, String env) {
    return batch.parameters().values().stream()
        .filter(p -> p.env().equals(env))
        .findFirst()
        .orElse(null);
  }

  private static OfflineFunction.Item single(OfflineFunction.Explained explained) {
    assertEquals(1, explained.items().size(), explained.items().toString());
    return explained.items().get(0);
  }

  private static BatchCatalog load(byte[] catalog) {
    return CatalogLoader.parse("catalog", catalog, new HashMap<>(Fixtures.CATALOG_ENV));
  }

  private static byte[] bytes(JsonNode event) {
    return event.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode tree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quoted(String value) {
    return value == null ? "unset" : "\"" + value + "\"";
  }
}
