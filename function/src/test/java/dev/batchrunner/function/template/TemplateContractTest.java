package dev.batchrunner.function.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.dynamodb.DynamoDbRecordQueries;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.aws.events.EventBridgeCompletionPublisher;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.core.testing.InMemoryIdempotencyStore;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.Invocation;
import dev.batchrunner.function.event.ParsedRequest;
import dev.batchrunner.function.testing.Processors;
import dev.batchrunner.testkit.CloudFormationYaml;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * template.yaml against the code it deploys: the handler exists, the environment is complete, the
 * policy allows exactly what the adapters call, the table is the store's, the rule matches the
 * sample envelopes, the task state change rule matches batch-runner's own RUNNING/STOPPED tasks
 * only, the completion bus is the one the function may put on, the alarms watch the function's
 * metrics, the schedule sends valid requests, the timeouts fit, nothing is "*". And each IntakeMode
 * as CloudFormation deploys it ({@link #evaluate}): its resources, rule targets and queues, the
 * FIFO queue's deduplication and the body its rule sends, the EcsDirect role, nested stack (against
 * direct-rules.yaml's own Parameters) and task state change pattern.
 */
class TemplateContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Object> TEMPLATE =
      CloudFormationYaml.load(Fixtures.projectRoot().resolve("template.yaml"));
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

  private static final List<String> COMPLETION_IAM_ACTIONS =
      EventBridgeCompletionPublisher.IAM_ACTIONS;

  /** Another account's bus, as the monolith's would be given. */
  private static final String MONOLITH_BUS_ARN =
      "arn:aws:events:eu-west-1:111122223333:event-bus/monolith";

  /** The IntakeMode values, each covered below. */
  private static final List<String> MODES = List.of("Direct", "Queue", "FifoQueue", "EcsDirect");

  /** Stands for what an {@code AWS::NoValue} removes. */
  private static final Object NO_VALUE = new Object();

  /** The pseudo parameters of {@link #evaluate}: the fixtures' account and region. */
  private static final Map<String, Object> PSEUDO_PARAMETERS =
      Map.of(
          "AWS::Partition", "aws",
          "AWS::Region", "eu-west-1",
          "AWS::AccountId", "123456789012",
          "AWS::StackName", "batch");

  @Test
  void handler_namesAPublicRequestStreamHandlerMethod() throws Exception {
    String handler = (String) function().get("Handler");
    String[] parts = handler.split("::");

    Class<?> type = Class.forName(parts[0]);
    assertTrue(RequestStreamHandler.class.isAssignableFrom(type), handler);
    Method method = type.getMethod(parts[1], InputStream.class, OutputStream.class, Context.class);
    assertTrue(Modifier.isPublic(method.getModifiers()));
    assertTrue(
        Modifier.isPublic(type.getConstructor().getModifiers()),
        "Lambda needs a public no-arg constructor");
    assertEquals("java21", map(section("Globals").get("Function")).get("Runtime"));
  }

  @Test
  void environment_setsEveryVariableTheCodeNeedsAndNoUnknownOne() {
    Set<String> set = map(map(function().get("Environment")).get("Variables")).keySet();
    Set<String> placeholders = catalogPlaceholders();

    for (String required : FunctionConfig.REQUIRED_ENVIRONMENT_VARIABLES) {
      assertTrue(set.contains(required), required + " missing from " + set);
    }
    // The shipped batches.json is the user's: these messages say what to change in the template
    // when its placeholders change.
    for (String placeholder : placeholders) {
      assertTrue(
          set.contains(placeholder),
          "batches.json uses ${"
              + placeholder
              + "}, but template.yaml does not set "
              + placeholder
              + " (the function would fail its start): add it to BatchRunnerFunction's"
              + " Environment.Variables in template.yaml, e.g. from a new parameter. Set there: "
              + set);
    }
    for (String name : set) {
      assertTrue(
          FunctionConfig.ENVIRONMENT_VARIABLES.contains(name) || placeholders.contains(name),
          "template.yaml sets "
              + name
              + " but neither the function nor batches.json reads it: if your catalog no longer"
              + " uses ${"
              + name
              + "}, remove it (and its parameter) from template.yaml");
    }
  }

  @Test
  void policy_allowsExactlyTheActionsTheAdaptersCall() {
    List<Object> policies = list(function().get("Policies"));
    List<Map<String, Object>> always = statements(map(policies.get(0)));
    Set<String> allowed = actions(always);

    Set<String> needed = new TreeSet<>(EcsTaskLauncher.IAM_ACTIONS);
    needed.addAll(DynamoDbIdempotencyStore.IAM_ACTIONS);
    assertEquals(needed, allowed);

    Map<String, Object> dynamo = statementWith(always, "dynamodb:PutItem");
    assertEquals(Map.of("Fn::GetAtt", List.of("IdempotencyTable", "Arn")), dynamo.get("Resource"));
    Map<String, Object> runTask = statementWith(always, "ecs:RunTask");
    assertEquals(
        Map.of("ecs:cluster", Map.of("Ref", "ClusterArn")),
        map(map(runTask.get("Condition")).get("ArnEquals")));
    Map<String, Object> tag = statementWith(always, "ecs:TagResource");
    assertEquals(
        Map.of("ecs:CreateAction", "RunTask"), map(map(tag.get("Condition")).get("StringEquals")));
    Map<String, Object> passRole = statementWith(always, "iam:PassRole");
    assertEquals(Map.of("Ref", "TaskRoleArns"), passRole.get("Resource"));
    assertEquals(
        Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"),
        map(map(passRole.get("Condition")).get("StringEquals")));

    // Queue intakes add what Lambda's event source mapping needs, on that mode's queue only.
    Map<String, String> consumed =
        Map.of("Queue", "{GetAtt IntakeQueue.Arn}", "FifoQueue", "{GetAtt FifoIntakeQueue.Arn}");
    for (String mode : MODES) {
      List<Map<String, Object>> queue = new ArrayList<>();
      for (Object policy : list(evaluate(function().get("Policies"), mode(mode)))) {
        for (Map<String, Object> statement : statements(map(policy))) {
          if (actions(List.of(statement)).stream().anyMatch(a -> a.startsWith("sqs:"))) {
            queue.add(statement);
          }
        }
      }
      if (!consumed.containsKey(mode)) {
        assertEquals(List.of(), queue, mode + " consumes no queue");
        continue;
      }
      assertEquals(1, queue.size(), mode + ": " + queue);
      assertEquals(
          Set.of(
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:GetQueueAttributes",
              "sqs:ChangeMessageVisibility"),
          actions(queue),
          mode);
      assertEquals(consumed.get(mode), queue.get(0).get("Resource"), mode);
    }
  }

  @Test
  void template_hasNoWildcardActionOrResource() {
    List<String> problems = new ArrayList<>();
    walk(TEMPLATE, "", problems);

    assertEquals(List.of(), problems);
  }

  @Test
  void table_keyAndTtlAreTheStoresOwn() {
    Map<String, Object> table = properties("IdempotencyTable");
    Map<String, Object> key = map(list(table.get("KeySchema")).get(0));

    assertEquals(DynamoDbIdempotencyStore.KEY, key.get("AttributeName"));
    assertEquals("HASH", key.get("KeyType"));
    assertEquals(
        Map.of("AttributeName", DynamoDbIdempotencyStore.KEY, "AttributeType", "S"),
        list(table.get("AttributeDefinitions")).get(0));
    assertEquals(
        Map.of("AttributeName", DynamoDbIdempotencyStore.TTL_ATTRIBUTE, "Enabled", true),
        table.get("TimeToLiveSpecification"));
    assertEquals("PAY_PER_REQUEST", table.get("BillingMode"));
    assertEquals(
        Map.of("PointInTimeRecoveryEnabled", true), table.get("PointInTimeRecoverySpecification"));
    assertEquals(Map.of("SSEEnabled", true), table.get("SSESpecification"));
  }

  @Test
  void rule_matchesEveryEnvelopeSampleAndNotAPlainScheduledEvent() throws Exception {
    Map<String, Object> pattern = map(properties("BatchRequestedRule").get("EventPattern"));
    List<JsonNode> envelopes = new ArrayList<>();
    envelopes.add(JSON.readTree(Fixtures.event("monolith-put-events.json")));
    for (JsonNode record : JSON.readTree(Fixtures.event("sqs-batch.json")).get("Records")) {
      JsonNode body = JSON.readTree(record.get("body").asText());
      if (body.has("detail-type")) {
        envelopes.add(body);
      }
    }

    assertEquals(2, envelopes.size());
    for (JsonNode envelope : envelopes) {
      assertTrue(matches(pattern, envelope), "the rule does not match " + envelope);
    }
    assertFalse(
        matches(
            pattern, JSON.readTree(Fixtures.event("invalid/scheduled-event-empty-detail.json"))));
  }

  @Test
  void schedule_sendsAValidRequestThatIsNewEachNight() {
    Map<String, Object> schedule =
        map(map(map(function().get("Events")).get("NightlyCleanup")).get("Properties"));
    String input = (String) schedule.get("Input");

    String first =
        dispatch(input.replace("<aws.scheduler.scheduled-time>", "2026-11-24T02:00:00Z"));
    String again =
        dispatch(input.replace("<aws.scheduler.scheduled-time>", "2026-11-24T02:00:00Z"));
    String next = dispatch(input.replace("<aws.scheduler.scheduled-time>", "2026-11-25T02:00:00Z"));

    assertEquals(first, again, "a re-delivered tick is the same request");
    assertNotEquals(first, next, "the next night is a new request");
  }

  @Test
  void timeouts_awsCallsFinishBeforeTheFunctionTimeout() {
    int functionSeconds = ((Number) function().get("Timeout")).intValue();
    // What the SDK clients get, not only the record's value.
    Duration ecs = ClientSettings.ECS.overrideConfiguration().apiCallTimeout().orElseThrow();
    Duration dynamo =
        ClientSettings.DYNAMODB.overrideConfiguration().apiCallTimeout().orElseThrow();
    assertEquals(ClientSettings.ECS.callTimeout(), ecs);
    assertEquals(ClientSettings.DYNAMODB.callTimeout(), dynamo);

    // claim + RunTask + (update or release): the failure must be reported before Lambda's kill.
    Duration worst = ecs.plus(dynamo.multipliedBy(2));
    assertTrue(
        worst.compareTo(Duration.ofSeconds(functionSeconds)) < 0,
        worst + " vs " + functionSeconds + " s");
  }

  @Test
  void function_hasTheProductionSettings() {
    Map<String, Object> function = function();

    assertEquals("live", function.get("AutoPublishAlias"));
    assertEquals(Map.of("ApplyOn", "PublishedVersions"), function.get("SnapStart"));
    assertEquals("Active", function.get("Tracing"));
    assertEquals("JSON", map(function.get("LoggingConfig")).get("LogFormat"));
    assertEquals(
        Map.of("Ref", "ReservedConcurrency"), function.get("ReservedConcurrentExecutions"));
    Map<String, Object> invoke = map(function.get("EventInvokeConfig"));
    assertEquals(2, invoke.get("MaximumRetryAttempts"));
    assertEquals("SQS", map(map(invoke.get("DestinationConfig")).get("OnFailure")).get("Type"));
  }

  @Test
  void queueIntake_reportsItemFailuresAndRedrivesToADeadLetterQueue() {
    Map<String, Object> source = properties("IntakeEventSource");
    Map<String, Object> queue = properties("IntakeQueue");
    int functionSeconds = ((Number) function().get("Timeout")).intValue();

    assertEquals(List.of("ReportBatchItemFailures"), source.get("FunctionResponseTypes"));
    assertEquals(Map.of("Fn::GetAtt", List.of("IntakeQueue", "Arn")), source.get("EventSourceArn"));
    assertTrue(((Number) queue.get("VisibilityTimeout")).intValue() >= 6 * functionSeconds);
    assertEquals(
        Map.of("Fn::GetAtt", List.of("IntakeDeadLetterQueue", "Arn")),
        map(queue.get("RedrivePolicy")).get("deadLetterTargetArn"));
  }

  @Test
  void bus_acceptsPutEventsFromTheMonolithAccountOnly() {
    Map<String, Object> statement = map(properties("MonolithPutEventsPolicy").get("Statement"));

    assertEquals("events:PutEvents", statement.get("Action"));
    assertEquals(
        Map.of("Fn::Sub", "arn:${AWS::Partition}:iam::${MonolithAccountId}:root"),
        map(statement.get("Principal")).get("AWS"));
  }

  @Test
  void matches_handlesNestedFieldsListsRefsAndArrays() throws Exception {
    Map<String, Object> pattern =
        Map.of(
            "source",
            List.of("aws.ecs"),
            "detail",
            Map.of(
                "clusterArn", List.of(Map.of("Ref", "ClusterArn")),
                "lastStatus", List.of("RUNNING", "STOPPED")));
    Map<String, String> parameters = Map.of("ClusterArn", "c1");

    assertTrue(
        matches(
            pattern,
            JSON.readTree(
                "{\"source\":\"aws.ecs\",\"detail\":{\"clusterArn\":\"c1\",\"lastStatus\":\"STOPPED\",\"x\":1}}"),
            parameters));
    assertTrue(
        matches(
            pattern,
            JSON.readTree(
                "{\"source\":[\"other\",\"aws.ecs\"],\"detail\":{\"clusterArn\":\"c1\",\"lastStatus\":\"RUNNING\"}}"),
            parameters),
        "an array matches when one element does");
    assertFalse(
        matches(
            pattern,
            JSON.readTree(
                "{\"source\":\"aws.ecs\",\"detail\":{\"clusterArn\":\"c2\",\"lastStatus\":\"STOPPED\"}}"),
            parameters),
        "the Ref resolves to the given value");
    assertFalse(
        matches(
            pattern,
            JSON.readTree(
                "{\"source\":\"aws.ecs\",\"detail\":{\"clusterArn\":\"c1\",\"lastStatus\":\"PENDING\"}}"),
            parameters));
    assertFalse(
        matches(
            pattern,
            JSON.readTree("{\"source\":\"aws.ecs\",\"detail\":{\"clusterArn\":\"c1\"}}"),
            parameters),
        "a missing nested field");
    assertFalse(
        matches(pattern, JSON.readTree("{\"source\":\"aws.ecs\",\"detail\":\"c1\"}"), parameters),
        "a nested pattern needs an object");
    assertFalse(
        matches(
            pattern,
            JSON.readTree(
                "{\"source\":\"aws.ecs\",\"detail\":{\"clusterArn\":{\"a\":\"c1\"},\"lastStatus\":\"STOPPED\"}}"),
            parameters),
        "a list of values needs a value");
    Map<String, Object> prefixed =
        Map.of(
            "detail",
            Map.of("startedBy", List.of("batch-runner", Map.of("prefix", "events-rule/"))));
    for (String startedBy : List.of("batch-runner", "events-rule/x", "events-rule/")) {
      assertTrue(
          matches(prefixed, JSON.readTree("{\"detail\":{\"startedBy\":\"" + startedBy + "\"}}")),
          startedBy);
    }
    for (String startedBy :
        List.of("batch-runner-2", "events-rules/x", "x/events-rule/", "EVENTS-RULE/x")) {
      assertFalse(
          matches(prefixed, JSON.readTree("{\"detail\":{\"startedBy\":\"" + startedBy + "\"}}")),
          startedBy);
    }
    assertFalse(
        matches(prefixed, JSON.readTree("{\"detail\":{\"startedBy\":7}}")),
        "a prefix matches strings only");
  }

  @Test
  void taskStateChangeRule_isEnabledOnTheDefaultBus() {
    Map<String, Object> rule = properties("TaskStateChangeRule");
    Object bus = rule.get("EventBusName");

    assertTrue(bus == null || "default".equals(bus), "ECS sends to the default bus, not " + bus);
    assertEquals("ENABLED", rule.get("State"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Direct", "Queue", "FifoQueue", "EcsDirect"})
  void taskStateChangeRule_matchesOurRunningAndStoppedTasksOnly(String mode) throws Exception {
    // The pattern as that mode deploys it: ClusterArn bound to the tests' cluster, which is the
    // cluster every fixture carries.
    Map<String, Object> pattern = taskStateChangePattern(mode);
    String cluster = Fixtures.CATALOG_ENV.get("CLUSTER_ARN");
    Map<String, String> parameters = Map.of();

    List<String> matched = new ArrayList<>();
    List<Path> fixtures;
    try (Stream<Path> files = Files.list(Fixtures.events().resolve("task-state-change"))) {
      fixtures = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    for (Path fixture : fixtures) {
      JsonNode event = JSON.readTree(Files.readAllBytes(fixture));
      JsonNode detail = event.get("detail");
      assertEquals(cluster, detail.get("clusterArn").asText(), fixture.toString());
      String startedBy = detail.path("startedBy").asText();
      // EcsDirect also follows the tasks its rules start: EventBridge's startedBy events-rule/…
      boolean ours =
          (TaskLaunchFactory.STARTED_BY.equals(startedBy)
                  || (mode.equals("EcsDirect") && startedBy.startsWith("events-rule/")))
              && Set.of("RUNNING", "STOPPED").contains(detail.path("lastStatus").asText());
      assertEquals(ours, matches(pattern, event, parameters), fixture.toString());
      if (ours) {
        matched.add(fixture.getFileName().toString());
      }
    }
    long ecsDirectSamples = matched.stream().filter(f -> f.startsWith("ecs-direct-")).count();
    assertEquals(mode.equals("EcsDirect") ? 3 : 0, ecsDirectSamples, matched.toString());
    assertEquals(6 + ecsDirectSamples, matched.size(), matched.toString());
    assertFalse(matched.contains("not-ours.json"));

    JsonNode running = JSON.readTree(Fixtures.event("task-state-change/running.json"));
    for (String status : List.of("PROVISIONING", "PENDING", "ACTIVATING", "DEPROVISIONING")) {
      ObjectNode copy = running.deepCopy();
      ((ObjectNode) copy.get("detail")).put("lastStatus", status);
      assertFalse(matches(pattern, copy, parameters), status);
    }
    ObjectNode otherCluster = running.deepCopy();
    ((ObjectNode) otherCluster.get("detail"))
        .put("clusterArn", "arn:aws:ecs:eu-west-1:123456789012:cluster/other");
    assertFalse(matches(pattern, otherCluster, parameters), "another cluster's task");
    ObjectNode noStartedBy = running.deepCopy();
    ((ObjectNode) noStartedBy.get("detail")).remove("startedBy");
    assertFalse(matches(pattern, noStartedBy, parameters), "a task without startedBy");
    ObjectNode otherSource = running.deepCopy();
    otherSource.put("source", "legacy.monolith");
    assertFalse(matches(pattern, otherSource, parameters), "another source");
    ObjectNode otherType = running.deepCopy();
    otherType.put("detail-type", "ECS Container Instance State Change");
    assertFalse(matches(pattern, otherType, parameters), "another detail-type");
    ObjectNode request = (ObjectNode) JSON.readTree(Fixtures.event("monolith-put-events.json"));
    assertFalse(matches(pattern, request, parameters), "a batch request");
  }

  @Test
  void taskStateChangeRule_targetsTheFunctionOrTheQueueWithRetriesAndADeadLetterQueue() {
    List<Object> targets = list(properties("TaskStateChangeRule").get("Targets"));
    assertEquals(1, targets.size());
    List<Object> branch = list(map(targets.get(0)).get("Fn::If"));
    assertEquals("IsQueue", branch.get(0));
    Map<String, Object> queue = map(branch.get(1));
    Map<String, Object> direct = map(branch.get(2));

    assertEquals(Map.of("Fn::GetAtt", List.of("IntakeQueue", "Arn")), queue.get("Arn"));
    assertEquals(Map.of("Ref", "BatchRunnerFunction.Alias"), direct.get("Arn"));
    for (Map<String, Object> target : List.of(queue, direct)) {
      Map<String, Object> retry = map(target.get("RetryPolicy"));
      assertTrue(((Number) retry.get("MaximumRetryAttempts")).intValue() > 0, target.toString());
      assertTrue(
          ((Number) retry.get("MaximumEventAgeInSeconds")).intValue() >= 3600, target.toString());
      assertEquals(
          Map.of("Fn::GetAtt", List.of("EventsDeadLetterQueue", "Arn")),
          map(target.get("DeadLetterConfig")).get("Arn"));
    }

    // What each target needs to accept the rule's deliveries.
    Map<String, Object> ruleArn = Map.of("Fn::GetAtt", List.of("TaskStateChangeRule", "Arn"));
    Map<String, Object> permission = resource("TaskStateChangeRuleInvokesFunction");
    assertEquals("AWS::Lambda::Permission", permission.get("Type"));
    for (String mode : MODES) {
      Object target =
          map(list(evaluate(targets("TaskStateChangeRule"), mode(mode))).get(0)).get("Arn");
      assertEquals(
          mode.equals("Queue") ? "{GetAtt IntakeQueue.Arn}" : "{Ref BatchRunnerFunction.Alias}",
          target,
          mode);
      // The function's permission exists exactly where the rule invokes it.
      assertEquals(
          target.equals("{Ref BatchRunnerFunction.Alias}"),
          deploys("TaskStateChangeRuleInvokesFunction", mode(mode)),
          mode);
    }
    Map<String, Object> invoke = map(permission.get("Properties"));
    assertEquals("lambda:InvokeFunction", invoke.get("Action"));
    assertEquals("events.amazonaws.com", invoke.get("Principal"));
    assertEquals(Map.of("Ref", "BatchRunnerFunction.Alias"), invoke.get("FunctionName"));
    assertEquals(ruleArn, invoke.get("SourceArn"));
    assertSendMessageFrom(
        "IntakeQueuePolicy", Map.of("Fn::GetAtt", List.of("IntakeQueue", "Arn")), ruleArn);
    assertSendMessageFrom(
        "EventsDeadLetterQueuePolicy",
        Map.of("Fn::GetAtt", List.of("EventsDeadLetterQueue", "Arn")),
        ruleArn);
  }

  @Test
  void completionBus_isTheStacksOwnWhenNoneIsGiven() {
    Map<String, Object> parameter = map(section("Parameters").get("CompletionEventBus"));
    Map<String, Object> bus = resource("CompletionBus");
    Map<String, Object> own = stack("");

    assertEquals("", parameter.get("Default"));
    assertEquals("AWS::Events::EventBus", bus.get("Type"));
    assertEquals("CreatesCompletionBus", bus.get("Condition"));
    assertTrue(deploys("CompletionBus", own));
    assertEquals("batch-completions", evaluate(map(bus.get("Properties")).get("Name"), own));
    assertEquals("{Ref CompletionBus}", environment(own).get("COMPLETION_EVENT_BUS"));
    for (String given : List.of(MONOLITH_BUS_ARN, "none")) {
      assertFalse(deploys("CompletionBus", stack(given)), given + " creates no bus");
    }
  }

  @Test
  void completionEventBus_isTheGivenBusAsGivenAndUnsetWhenOff() {
    assertEquals(
        MONOLITH_BUS_ARN, environment(stack(MONOLITH_BUS_ARN)).get("COMPLETION_EVENT_BUS"));
    assertFalse(
        environment(stack("none")).containsKey("COMPLETION_EVENT_BUS"),
        "none: the variable unset, no events");
  }

  @Test
  void completionEventBus_acceptsEmptyNoneOrABusArnOnly() {
    Pattern allowed =
        Pattern.compile(
            (String) map(section("Parameters").get("CompletionEventBus")).get("AllowedPattern"));

    for (String value :
        List.of(
            "",
            "none",
            MONOLITH_BUS_ARN,
            "arn:aws:events:eu-west-1:123456789012:event-bus/team/monolith.events_1",
            "arn:aws-cn:events:cn-north-1:123456789012:event-bus/monolith")) {
      assertTrue(allowed.matcher(value).matches(), value);
    }
    // A name is refused: the IAM resource is the value itself, so it must be the bus's ARN.
    for (String value :
        List.of(
            "monolith",
            "default",
            "arn:aws:sqs:eu-west-1:123456789012:monolith",
            "arn:aws:events:eu-west-1:123456789012:rule/monolith",
            "arn:aws:events:eu-west-1:123456789012:event-bus/",
            "monolith:bus",
            "two words")) {
      assertFalse(allowed.matcher(value).matches(), value);
    }
  }

  @Test
  void policy_putsCompletionEventsOnThatBusOnly() {
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("", "{GetAtt CompletionBus.Arn}");
    expected.put(MONOLITH_BUS_ARN, MONOLITH_BUS_ARN);

    for (Map.Entry<String, Object> bus : expected.entrySet()) {
      List<Map<String, Object>> put = eventsStatements(stack(bus.getKey()));
      assertEquals(1, put.size(), bus.getKey() + ": " + put);
      assertEquals(Set.copyOf(COMPLETION_IAM_ACTIONS), actions(put));
      assertEquals("Allow", put.get(0).get("Effect"));
      assertEquals(bus.getValue(), put.get(0).get("Resource"), bus.getKey());
    }
    assertEquals(List.of(), eventsStatements(stack("none")), "none: no events, no permission");
  }

  @Test
  void outputs_giveSubscribersTheCompletionBus() {
    Map<String, Object> name = output("CompletionEventBusName");
    Map<String, Object> arn = output("CompletionEventBusArn");
    Map<String, List<String>> expected = new LinkedHashMap<>();
    expected.put("", List.of("{Ref CompletionBus}", "{GetAtt CompletionBus.Arn}"));
    expected.put(MONOLITH_BUS_ARN, List.of("monolith", MONOLITH_BUS_ARN));

    for (Map.Entry<String, List<String>> bus : expected.entrySet()) {
      Map<String, Object> stack = stack(bus.getKey());
      assertTrue(condition((String) arn.get("Condition"), stack), bus.getKey());
      assertEquals(bus.getValue().get(0), evaluate(name.get("Value"), stack), bus.getKey());
      assertEquals(bus.getValue().get(1), evaluate(arn.get("Value"), stack), bus.getKey());
      // The bus subscribers are told of is the one the function may put on.
      assertEquals(
          eventsStatements(stack).get(0).get("Resource"), evaluate(arn.get("Value"), stack));
    }
    assertTrue(arn.containsKey("Export"), "the ARN is exported");
    assertEquals(
        "batch-CompletionEventBusArn", evaluate(map(arn.get("Export")).get("Name"), stack("")));
    for (Map<String, Object> output : List.of(name, arn)) {
      assertEquals("HasCompletionEvents", output.get("Condition"));
      assertFalse(condition((String) output.get("Condition"), stack("none")), "none: no bus");
      String description = (String) output.get("Description");
      for (String pattern : List.of(Completion.SOURCE, Completion.SUCCEEDED, Completion.FAILED)) {
        assertTrue(description.contains(pattern), pattern + " missing from " + description);
      }
    }
  }

  @Test
  void idempotencyTable_hasTheIndexesTheCliQueries_andLeavesTheTraceIndexOutForAnUpgrade() {
    Map<String, Object> table = properties("IdempotencyTable");
    for (String traceIndex : List.of("true", "false")) {
      Map<String, Object> stack = new HashMap<>(stack(""));
      stack.put("TraceIdIndex", traceIndex);
      Map<String, List<String>> indexes = new TreeMap<>();
      Set<String> keyAttributes = new TreeSet<>(Set.of(DynamoDbIdempotencyStore.KEY));
      for (Object index : list(evaluate(table.get("GlobalSecondaryIndexes"), stack))) {
        List<String> keys = new ArrayList<>();
        for (Object key : list(map(index).get("KeySchema"))) {
          keys.add((String) map(key).get("AttributeName"));
        }
        keyAttributes.addAll(keys);
        indexes.put((String) map(index).get("IndexName"), keys);
        assertEquals("ALL", map(map(index).get("Projection")).get("ProjectionType"));
      }
      Map<String, List<String>> expected = new TreeMap<>();
      expected.put(
          DynamoDbRecordQueries.BATCH_INDEX,
          List.of("batchTypeId", DynamoDbRecordQueries.CREATED_AT_MS));
      if (traceIndex.equals("true")) {
        expected.put(DynamoDbRecordQueries.TRACE_INDEX, List.of("traceId"));
      }
      assertEquals(expected, indexes, "TraceIdIndex=" + traceIndex);
      // CloudFormation refuses an attribute definition no key uses: exactly the keys' attributes.
      Set<String> defined = new TreeSet<>();
      for (Object attribute : list(evaluate(table.get("AttributeDefinitions"), stack))) {
        defined.add((String) map(attribute).get("AttributeName"));
      }
      assertEquals(keyAttributes, defined, "TraceIdIndex=" + traceIndex);
    }
  }

  @Test
  void taskFailedAlarm_firesOnAnyBatchThatFailedWithNoRetryLeft() {
    Map<String, Object> alarm = properties("TaskFailedAlarm");

    assertEquals(environment(stack("")).get("METRICS_NAMESPACE"), alarm.get("Namespace"));
    assertEquals("TaskFailed", alarm.get("MetricName"));
    assertFalse(
        alarm.containsKey("Dimensions"),
        "the totals (the [] dimension set), so that every batch type alarms");
    assertEquals("Sum", alarm.get("Statistic"));
    assertEquals(300, alarm.get("Period"));
    assertEquals(1, alarm.get("EvaluationPeriods"));
    assertEquals(0, alarm.get("Threshold"));
    assertEquals("GreaterThanThreshold", alarm.get("ComparisonOperator"));
    assertEquals("notBreaching", alarm.get("TreatMissingData"));
    assertEquals(properties("DispatchFailedAlarm").get("AlarmActions"), alarm.get("AlarmActions"));
    String description = (String) alarm.get("AlarmDescription");
    for (String hint :
        List.of("batch-runner.task", "exitCode", "stopCode", "stoppedReason", "re-send", "rerun")) {
      assertTrue(description.contains(hint), hint + " missing from " + description);
    }
  }

  @Test
  void alarms_onTheFunctionsMetricsUseItsNamespaceAndAllNotifyTheAlarmTopic() {
    Object namespace = environment(stack("")).get("METRICS_NAMESPACE");
    Object actions = properties("DispatchFailedAlarm").get("AlarmActions");
    Set<String> ours = new TreeSet<>();

    for (Map.Entry<String, Object> resource : section("Resources").entrySet()) {
      if (!"AWS::CloudWatch::Alarm".equals(map(resource.getValue()).get("Type"))) {
        continue;
      }
      Map<String, Object> alarm = properties(resource.getKey());
      assertEquals(actions, alarm.get("AlarmActions"), resource.getKey());
      if (!((String) alarm.get("Namespace")).startsWith("AWS/")) {
        assertEquals(namespace, alarm.get("Namespace"), resource.getKey());
        ours.add(resource.getKey());
      }
    }
    assertTrue(
        ours.containsAll(Set.of("DispatchFailedAlarm", "RequestRejectedAlarm", "TaskFailedAlarm")),
        ours.toString());
  }

  // ---------------------------------------------------------------- intake modes

  @Test
  void intakeMode_hasExactlyTheModesTheseTestsCover_withDirectTheDefault() {
    Map<String, Object> parameter = map(section("Parameters").get("IntakeMode"));

    assertEquals(MODES, parameter.get("AllowedValues"));
    assertEquals("Direct", parameter.get("Default"));
  }

  @Test
  void intakeModes_eachDeploysExactlyItsResourcesAndOutputs() {
    // Every resource and output not named here is in every mode.
    Map<String, Set<String>> only = new TreeMap<>();
    for (String name :
        List.of(
            "IntakeQueue",
            "IntakeDeadLetterQueue",
            "IntakeQueuePolicy",
            "IntakeEventSource",
            "IntakeDeadLetterAlarm",
            "IntakeQueueUrl",
            "IntakeDeadLetterQueueUrl")) {
      only.put(name, Set.of("Queue"));
    }
    for (String name :
        List.of(
            "FifoIntakeQueue",
            "FifoIntakeDeadLetterQueue",
            "FifoIntakeQueuePolicy",
            "FifoIntakeEventSource",
            "FifoIntakeDeadLetterAlarm",
            "FifoIntakeQueueUrl",
            "FifoIntakeDeadLetterQueueUrl")) {
      only.put(name, Set.of("FifoQueue"));
    }
    for (String name :
        List.of(
            "DirectRulesEventsRole",
            "DirectRules",
            "GuardPolicy",
            "GuardPolicyArn",
            "DirectRuleArns")) {
      only.put(name, Set.of("EcsDirect"));
    }
    only.put("BatchRequestedRule", Set.of("Direct", "Queue", "FifoQueue"));
    only.put("RuleInvokesFunction", Set.of("Direct"));
    only.put("TaskStateChangeRuleInvokesFunction", Set.of("Direct", "FifoQueue", "EcsDirect"));
    // Not mode-bound, but conditional on other parameters: bound here to the stack's defaults.
    Set<String> elsewhere = Set.of("AlarmTopic");

    Map<String, Set<String>> actual = new TreeMap<>();
    Map<String, Set<String>> expected = new TreeMap<>();
    for (String section : List.of("Resources", "Outputs")) {
      for (Map.Entry<String, Object> entry : section(section).entrySet()) {
        if (elsewhere.contains(entry.getKey())) {
          continue;
        }
        Set<String> modes = new TreeSet<>();
        for (String mode : MODES) {
          Object name = map(entry.getValue()).get("Condition");
          if (name == null || condition((String) name, mode(mode))) {
            modes.add(mode);
          }
        }
        actual.put(entry.getKey(), modes);
        expected.put(
            entry.getKey(), new TreeSet<>(only.getOrDefault(entry.getKey(), Set.copyOf(MODES))));
      }
    }
    assertEquals(expected, actual);
    assertTrue(
        actual.keySet().containsAll(only.keySet()),
        "named but not in the template: " + only.keySet());
  }

  @Test
  void requestRule_targetsTheFunctionTheQueueOrTheFifoQueue_andNothingInEcsDirect() {
    Map<String, String> expected =
        Map.of(
            "Direct", "{Ref BatchRunnerFunction.Alias}",
            "Queue", "{GetAtt IntakeQueue.Arn}",
            "FifoQueue", "{GetAtt FifoIntakeQueue.Arn}");

    for (String mode : MODES) {
      if (!expected.containsKey(mode)) {
        assertFalse(
            deploys("BatchRequestedRule", mode(mode)), mode + ": the nested rules replace it");
        continue;
      }
      List<Object> targets = list(evaluate(targets("BatchRequestedRule"), mode(mode)));
      assertEquals(1, targets.size(), mode);
      Map<String, Object> target = map(targets.get(0));
      assertEquals(expected.get(mode), target.get("Arn"), mode);
      assertEquals(mode.equals("FifoQueue"), target.containsKey("SqsParameters"), mode);
      assertEquals(mode.equals("FifoQueue"), target.containsKey("InputTransformer"), mode);
    }
  }

  @Test
  void everyRuleTarget_inEveryMode_retriesAndDeadLettersToAStandardQueue() {
    // EventBridge refuses a FIFO queue as a rule's dead-letter queue.
    assertFalse(properties("EventsDeadLetterQueue").containsKey("FifoQueue"));
    for (String mode : MODES) {
      for (String rule : List.of("BatchRequestedRule", "TaskStateChangeRule")) {
        if (!deploys(rule, mode(mode))) {
          continue;
        }
        for (Object each : list(evaluate(targets(rule), mode(mode)))) {
          Map<String, Object> target = map(each);
          Map<String, Object> retry = map(target.get("RetryPolicy"));
          assertTrue(((Number) retry.get("MaximumRetryAttempts")).intValue() > 0, mode + rule);
          assertTrue(
              ((Number) retry.get("MaximumEventAgeInSeconds")).intValue() >= 3600, mode + rule);
          assertEquals(
              "{GetAtt EventsDeadLetterQueue.Arn}",
              map(target.get("DeadLetterConfig")).get("Arn"),
              mode + " " + rule);
        }
      }
    }
  }

  @Test
  void fifoQueue_deduplicatesOnItsBody_redrivesToAFifoQueue_andFeedsTheFunctionWithoutAWindow() {
    Map<String, Object> stack = mode("FifoQueue");
    Map<String, Object> queue = map(evaluate(properties("FifoIntakeQueue"), stack));
    Map<String, Object> deadLetters = map(evaluate(properties("FifoIntakeDeadLetterQueue"), stack));
    Map<String, Object> source = map(evaluate(properties("FifoIntakeEventSource"), stack));
    int functionSeconds = ((Number) function().get("Timeout")).intValue();

    assertEquals(true, queue.get("FifoQueue"));
    assertEquals(true, queue.get("ContentBasedDeduplication"));
    assertEquals("queue", queue.get("DeduplicationScope"));
    assertEquals("batch-requests.fifo", queue.get("QueueName"));
    assertTrue(((Number) queue.get("VisibilityTimeout")).intValue() >= 6 * functionSeconds);
    Map<String, Object> redrive = map(queue.get("RedrivePolicy"));
    assertEquals("{GetAtt FifoIntakeDeadLetterQueue.Arn}", redrive.get("deadLetterTargetArn"));
    assertTrue(((Number) redrive.get("maxReceiveCount")).intValue() > 1);
    // The dead-letter queue of a FIFO queue must be a FIFO queue.
    assertEquals(true, deadLetters.get("FifoQueue"));
    assertEquals("batch-requests-dlq.fifo", deadLetters.get("QueueName"));
    // The longest stack name the function's name allows (64 characters) still fits SQS's 80.
    int longestStackName = 64 - "-batch-runner".length();
    assertTrue(longestStackName + "-requests-dlq.fifo".length() <= 80);

    assertEquals("{GetAtt FifoIntakeQueue.Arn}", source.get("EventSourceArn"));
    assertEquals("{Ref BatchRunnerFunction.Alias}", source.get("FunctionName"));
    assertEquals(List.of("ReportBatchItemFailures"), source.get("FunctionResponseTypes"));
    assertFalse(
        source.containsKey("MaximumBatchingWindowInSeconds"),
        "Lambda refuses a batching window for a FIFO queue");
    assertTrue(((Number) source.get("BatchSize")).intValue() <= 10, "FIFO's maximum is 10");
  }

  @Test
  void fifoIntake_putsEveryRequestInOneConstantGroup_theSamplesGroup_andNoTaskEvent()
      throws Exception {
    Map<String, Object> stack = mode("FifoQueue");
    List<Map<String, Object>> grouped = new ArrayList<>();
    for (String rule : List.of("BatchRequestedRule", "TaskStateChangeRule")) {
      for (Object target : list(evaluate(targets(rule), stack))) {
        if (map(target).containsKey("SqsParameters")) {
          grouped.add(map(target));
        }
      }
    }

    assertEquals(1, grouped.size(), "task state changes go straight to the function: " + grouped);
    Object group = map(grouped.get(0).get("SqsParameters")).get("MessageGroupId");
    assertInstanceOf(String.class, group, "EventBridge takes only a constant group id");
    assertTrue(((String) group).matches("[A-Za-z0-9!-/:-@\\[-`{-~]{1,128}"), (String) group);
    for (JsonNode record : JSON.readTree(Fixtures.event("sqs-fifo-batch.json")).get("Records")) {
      assertEquals(group, record.at("/attributes/MessageGroupId").asText());
      assertTrue(record.get("eventSourceARN").asText().endsWith("-requests.fifo"));
    }
    assertSendMessageFrom(
        "FifoIntakeQueuePolicy",
        Map.of("Fn::GetAtt", List.of("FifoIntakeQueue", "Arn")),
        Map.of("Fn::GetAtt", List.of("BatchRequestedRule", "Arn")));
    assertEquals(
        1,
        statements(map(properties("FifoIntakeQueuePolicy").get("PolicyDocument"))).size(),
        "only the request rule sends to the FIFO queue");
  }

  @Test
  void fifoTarget_bodyParsesAsTheSameRequestAsTheEnvelopeForEveryRequestSample() throws Exception {
    Map<String, Object> transformer = fifoTransformer();
    EventParser parser = new EventParser(() -> "generated");
    Map<String, Object> rule = map(properties("BatchRequestedRule").get("EventPattern"));
    List<String> checked = new ArrayList<>();

    for (Map.Entry<String, JsonNode> sample : requestSamples().entrySet()) {
      JsonNode envelope = sample.getValue();
      assertTrue(matches(rule, envelope), sample.getKey());
      ParsedRequest direct =
          ((Invocation.Direct) parser.parse(JSON.writeValueAsBytes(envelope))).request();
      Invocation.SqsBatch batch =
          assertInstanceOf(
              Invocation.SqsBatch.class,
              parser.parse(fifoRecord("m-1", transform(transformer, envelope))));
      assertTrue(batch.fifo());
      ParsedRequest queued = batch.messages().get(0).request();

      assertEquals(direct.getClass(), queued.getClass(), sample.getKey() + ": " + queued);
      if (direct instanceof ParsedRequest.Valid valid) {
        BatchRequest expected = valid.request();
        BatchRequest actual = ((ParsedRequest.Valid) queued).request();
        assertEquals(expected.batchTypeId(), actual.batchTypeId(), sample.getKey());
        assertEquals(expected.parameters(), actual.parameters(), sample.getKey());
        assertEquals(expected.idempotencyKey(), actual.idempotencyKey(), sample.getKey());
        // Kept: a trace id the request gives. Lost: the envelope id as the default trace id; the
        // SQS message id stands in for it.
        boolean given = !expected.traceId().equals(envelope.get("id").asText());
        assertEquals(given ? expected.traceId() : "m-1", actual.traceId(), sample.getKey());
        assertEquals("m-1", actual.eventId());
      } else {
        assertEquals(
            ((ParsedRequest.Invalid) direct).outcome().rejection(),
            ((ParsedRequest.Invalid) queued).outcome().rejection(),
            sample.getKey());
      }
      checked.add(sample.getKey());
    }
    assertTrue(
        checked.containsAll(
            List.of(
                "monolith-put-events.json", "sqs-batch.json#0", "invalid/pattern-mismatch.json")),
        checked.toString());
  }

  @Test
  void fifoTarget_body_isTheSameForARedeliveryAndAResend_butNotForANewTraceOrAnotherRequest()
      throws Exception {
    Map<String, Object> transformer = fifoTransformer();
    ObjectNode first = (ObjectNode) JSON.readTree(Fixtures.event("monolith-put-events.json"));
    // EventBridge's own redelivery: the same event.
    ObjectNode redelivery = first.deepCopy();
    // The monolith's re-send: a new PutEvents, so a new event id and time, the same detail.
    ObjectNode resend = first.deepCopy().put("id", "0f1e2d3c-4b5a-4968-8776-655443322110");
    resend.put("time", "2026-11-23T02:01:30Z");
    ObjectNode newTrace = resend.deepCopy();
    ((ObjectNode) newTrace.get("detail")).put("TraceId", "3b1f0d2e-8c4a-4e6b-9f7d-1a2b3c4d5e6f");
    ObjectNode other = resend.deepCopy();
    ((ObjectNode) other.at("/detail/Parameters")).put("tenant", "globex");

    // SQS's content-based deduplication id: the SHA-256 of the body.
    String id = sha256(transform(transformer, first));
    assertEquals(id, sha256(transform(transformer, redelivery)));
    assertEquals(id, sha256(transform(transformer, resend)), "a re-send is removed by the queue");
    assertNotEquals(id, sha256(transform(transformer, newTrace)), "left to the DynamoDB key");
    assertNotEquals(id, sha256(transform(transformer, other)), "another request");
    // Without the transformer the body is the envelope: only the redelivery collapses.
    String envelope = sha256(JSON.writeValueAsString(first));
    assertEquals(envelope, sha256(JSON.writeValueAsString(redelivery)));
    assertNotEquals(envelope, sha256(JSON.writeValueAsString(resend)));
    // And the batch-runner key, above the queue, takes all three re-sends for the first request.
    String key = dispatchKey(transform(transformer, first));
    for (ObjectNode again : List.of(redelivery, resend, newTrace)) {
      assertEquals(key, dispatchKey(transform(transformer, again)));
    }
    assertNotEquals(key, dispatchKey(transform(transformer, other)));
  }

  @Test
  void fifoTarget_aDetailShapedLikeAnEcsTaskEventStaysARequest() throws Exception {
    // The monolith controls the detail: one that holds a whole "ECS Task State Change" event must
    // not reach the function as one (it could move a record or start a retry).
    ObjectNode forged = (ObjectNode) JSON.readTree(Fixtures.event("monolith-put-events.json"));
    forged.set("detail", JSON.readTree(Fixtures.event("task-state-change/stopped-exit-1.json")));

    ParsedRequest parsed =
        ((Invocation.SqsBatch)
                new EventParser(() -> "t")
                    .parse(fifoRecord("m-1", transform(fifoTransformer(), forged))))
            .messages()
            .get(0)
            .request();

    ParsedRequest.Invalid invalid = assertInstanceOf(ParsedRequest.Invalid.class, parsed);
    assertTrue(
        invalid.outcome().rejection().reason().startsWith("unknown field"), invalid.toString());
  }

  @Test
  void ecsDirect_eventBridgesRoleRunsOnlyTheBatchTasksInTheCluster() {
    Map<String, Object> stack = mode("EcsDirect");
    Map<String, Object> role = map(evaluate(properties("DirectRulesEventsRole"), stack));

    Map<String, Object> trust =
        map(list(map(role.get("AssumeRolePolicyDocument")).get("Statement")).get(0));
    assertEquals(Map.of("Service", "events.amazonaws.com"), trust.get("Principal"));
    assertEquals("sts:AssumeRole", trust.get("Action"));
    assertEquals(
        Map.of("aws:SourceAccount", "123456789012"),
        map(map(trust.get("Condition")).get("StringEquals")));
    List<Map<String, Object>> statements = new ArrayList<>();
    for (Object policy : list(role.get("Policies"))) {
      statements.addAll(statements(map(map(policy).get("PolicyDocument"))));
    }
    assertEquals(Set.copyOf(EcsTaskLauncher.IAM_ACTIONS), actions(statements));
    for (Map<String, Object> statement : statements) {
      assertEquals("Allow", statement.get("Effect"));
      assertTrue(statement.get("Condition") != null, "every grant is conditioned: " + statement);
    }
    Map<String, Object> runTask = statementWith(statements, "ecs:RunTask");
    assertEquals(stack.get("TaskDefinitionArnPattern"), runTask.get("Resource"));
    assertEquals(
        Map.of("ecs:cluster", stack.get("ClusterArn")),
        map(map(runTask.get("Condition")).get("ArnEquals")));
    Map<String, Object> tag = statementWith(statements, "ecs:TagResource");
    assertEquals("arn:aws:ecs:eu-west-1:123456789012:task/batch/*", tag.get("Resource"));
    assertEquals(
        Map.of("ecs:CreateAction", "RunTask"), map(map(tag.get("Condition")).get("StringEquals")));
    Map<String, Object> passRole = statementWith(statements, "iam:PassRole");
    assertEquals(stack.get("TaskRoleArns"), passRole.get("Resource"));
    assertEquals(
        Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"),
        map(map(passRole.get("Condition")).get("StringEquals")));
  }

  @Test
  void ecsDirect_nestedStackGetsExactlyTheParametersDirectRulesDeclares() {
    Map<String, Object> stack = mode("EcsDirect");
    Map<String, Object> nested = properties("DirectRules");
    String url = (String) nested.get("TemplateURL");
    Path file = Fixtures.projectRoot().resolve(url);
    assertTrue(
        Files.isRegularFile(file), "TemplateURL is a local path sam build packages: " + file);
    Map<String, Object> declared = map(CloudFormationYaml.load(file).get("Parameters"));
    Map<String, Object> passed = map(evaluate(nested.get("Parameters"), stack));

    assertEquals(
        new TreeSet<>(declared.keySet()),
        new TreeSet<>(passed.keySet()),
        url + " and template.yaml drifted");
    for (Map.Entry<String, Object> parameter : declared.entrySet()) {
      assertEquals("String", map(parameter.getValue()).get("Type"), parameter.getKey());
      assertInstanceOf(String.class, passed.get(parameter.getKey()), parameter.getKey());
    }
    assertEquals("{Ref BatchRequestsBus}", passed.get("EventBusName"));
    assertEquals("legacy.monolith", passed.get("MonolithSource"));
    assertEquals("{GetAtt DirectRulesEventsRole.Arn}", passed.get("EventsRoleArn"));
    assertEquals("{GetAtt EventsDeadLetterQueue.Arn}", passed.get("DeadLetterQueueArn"));
    // One parameter per catalog placeholder, CamelCase of its name, with the very value the
    // function's environment gives that placeholder.
    Map<String, Object> environment = environment(stack);
    Set<String> fromCatalog = new TreeSet<>();
    for (String placeholder : catalogPlaceholders()) {
      String name = camelCase(placeholder);
      fromCatalog.add(name);
      assertEquals(environment.get(placeholder), passed.get(name), placeholder);
    }
    Set<String> expected = new TreeSet<>(fromCatalog);
    expected.addAll(
        Set.of("EventBusName", "MonolithSource", "EventsRoleArn", "DeadLetterQueueArn"));
    assertEquals(expected, passed.keySet());
    assertEquals(
        "subnet-0aaa1111,subnet-0bbb2222", passed.get("SubnetIds"), "a list, comma-joined");
  }

  @Test
  void ecsDirect_theNestedRulesMayDeadLetter_andNoStatementNamesTheAbsentRequestRule() {
    for (String mode : MODES) {
      List<Map<String, Object>> statements =
          statements(
              map(
                  evaluate(
                      properties("EventsDeadLetterQueuePolicy").get("PolicyDocument"),
                      mode(mode))));
      boolean nested =
          statements.stream()
              .anyMatch(
                  s ->
                      s.get("Condition") != null
                          && map(s.get("Condition")).containsKey("ArnLike")
                          && ("arn:aws:events:eu-west-1:123456789012:rule/{Ref BatchRequestsBus}/*")
                              .equals(
                                  map(map(s.get("Condition")).get("ArnLike")).get("aws:SourceArn"))
                          && "sqs:SendMessage".equals(s.get("Action"))
                          && Map.of("Service", "events.amazonaws.com").equals(s.get("Principal")));
      assertEquals(mode.equals("EcsDirect"), nested, mode + ": " + statements);
      assertEquals(
          !mode.equals("EcsDirect"),
          statements.toString().contains("BatchRequestedRule"),
          mode + ": " + statements);
    }
  }

  @Test
  void ecsDirect_taskStateChangeRuleAlsoTakesTasksEventBridgeStarted_andStillRejectsOthers()
      throws Exception {
    JsonNode running = JSON.readTree(Fixtures.event("task-state-change/running.json"));
    Map<String, Boolean> starters = new LinkedHashMap<>();
    starters.put("batch-runner", true);
    // EventBridge's RunTask: events-rule/<rule name>, cut to ECS's 36 characters.
    starters.put("events-rule/batch-DirectRules-1Q2W3E", true);
    starters.put("events-rule/", true);
    starters.put("ecs-svc/4718293065172839405", false);
    starters.put("events-rules/daily", false);
    starters.put("my-events-rule/daily", false);
    starters.put("EVENTS-RULE/daily", false);

    for (String mode : MODES) {
      Map<String, Object> pattern = taskStateChangePattern(mode);
      for (Map.Entry<String, Boolean> starter : starters.entrySet()) {
        ObjectNode event = running.deepCopy();
        ((ObjectNode) event.get("detail")).put("startedBy", starter.getKey());
        boolean expected =
            starter.getValue()
                && (mode.equals("EcsDirect") || starter.getKey().equals("batch-runner"));
        assertEquals(expected, matches(pattern, event), mode + " " + starter.getKey());
      }
      ObjectNode otherCluster = running.deepCopy();
      ((ObjectNode) otherCluster.get("detail"))
          .put("startedBy", "events-rule/batch-DirectRules-1Q2W3E")
          .put("clusterArn", "arn:aws:ecs:eu-west-1:123456789012:cluster/other");
      assertFalse(matches(pattern, otherCluster), mode + ": another cluster's task");
    }
  }

  @Test
  void ecsDirect_guardPolicyAllowsExactlyTheStoresRecordCallsOnTheTable() {
    Map<String, Object> policy = map(evaluate(properties("GuardPolicy"), mode("EcsDirect")));
    List<Map<String, Object>> statements = statements(map(policy.get("PolicyDocument")));

    assertEquals(Set.copyOf(DynamoDbIdempotencyStore.IAM_ACTIONS), actions(statements));
    for (Map<String, Object> statement : statements) {
      assertEquals("Allow", statement.get("Effect"));
      assertEquals("{GetAtt IdempotencyTable.Arn}", statement.get("Resource"));
    }
    assertEquals("AWS::IAM::ManagedPolicy", resource("GuardPolicy").get("Type"));
    assertEquals(Map.of("Ref", "GuardPolicy"), output("GuardPolicyArn").get("Value"));
  }

  @Test
  void deadLetterQueues_inEveryMode_eachIsWatchedByAnAlarmAndDrainableByTheOperators() {
    for (String mode : MODES) {
      Map<String, Object> stack = mode(mode);
      Set<String> queues = new TreeSet<>();
      Set<String> consumed = new TreeSet<>();
      Set<String> watched = new TreeSet<>();
      for (Map.Entry<String, Object> entry : section("Resources").entrySet()) {
        if (!deploys(entry.getKey(), stack)) {
          continue;
        }
        Object type = map(entry.getValue()).get("Type");
        Map<String, Object> props = map(evaluate(map(entry.getValue()).get("Properties"), stack));
        if ("AWS::SQS::Queue".equals(type)) {
          queues.add(entry.getKey());
        } else if ("AWS::Lambda::EventSourceMapping".equals(type)) {
          consumed.add(getAttResource(props.get("EventSourceArn"), "Arn"));
        } else if ("AWS::CloudWatch::Alarm".equals(type)
            && "AWS/SQS".equals(props.get("Namespace"))) {
          watched.add(
              getAttResource(map(list(props.get("Dimensions")).get(0)).get("Value"), "QueueName"));
        }
      }
      Set<String> deadLetters = new TreeSet<>(queues);
      deadLetters.removeAll(consumed);

      assertEquals(deadLetters, watched, mode);
      Set<String> drained = new TreeSet<>();
      for (Map<String, Object> statement :
          statements(map(evaluate(properties("OperatorPolicy").get("PolicyDocument"), stack)))) {
        if ("DrainDeadLetterQueues".equals(statement.get("Sid"))) {
          list(statement.get("Resource")).forEach(r -> drained.add(getAttResource(r, "Arn")));
        }
      }
      assertEquals(deadLetters, drained, mode);
    }
  }

  private static void assertSendMessageFrom(
      String policy, Map<String, Object> queueArn, Map<String, Object> ruleArn) {
    List<Map<String, Object>> statements =
        statements(map(properties(policy).get("PolicyDocument")));
    assertTrue(
        statements.stream()
            .anyMatch(
                s ->
                    "sqs:SendMessage".equals(s.get("Action"))
                        && queueArn.equals(s.get("Resource"))
                        && Map.of("Service", "events.amazonaws.com").equals(s.get("Principal"))
                        && s.get("Condition") != null
                        && ruleArn.equals(
                            map(map(s.get("Condition")).get("ArnEquals")).get("aws:SourceArn"))),
        policy + " does not let " + ruleArn + " send to " + queueArn + ": " + statements);
  }

  private static String dispatch(String input) {
    Invocation invocation =
        new EventParser(() -> "trace").parse(input.getBytes(StandardCharsets.UTF_8));
    ParsedRequest.Valid valid =
        assertInstanceOf(ParsedRequest.Valid.class, ((Invocation.Direct) invocation).request());
    IdempotencyStore alwaysNew =
        new IdempotencyStore() {
          @Override
          public Claim claim(IdempotencyRecord record, Instant now) {
            return new Claim.Acquired();
          }

          @Override
          public java.util.Optional<IdempotencyRecord> find(String id) {
            return java.util.Optional.empty();
          }

          @Override
          public boolean replace(IdempotencyRecord next, String expectedRevision) {
            return true;
          }

          @Override
          public void release(String id, String claimId) {}
        };
    BatchDispatcher dispatcher =
        new BatchDispatcher(
            Processors.catalog(),
            alwaysNew,
            launch ->
                new LaunchResult(List.of("arn:aws:ecs:eu-west-1:123456789012:task/x/y"), false),
            Clock.fixed(Instant.parse("2026-11-24T02:00:01Z"), ZoneOffset.UTC),
            () -> "claim");
    DispatchOutcome outcome = dispatcher.dispatch(valid.request(), Duration.ofSeconds(30));
    return assertInstanceOf(DispatchOutcome.Dispatched.class, outcome, outcome.toString())
        .idempotencyKey();
  }

  /** The stack in this IntakeMode, over two subnets, the rest as {@link #stack} binds it. */
  private static Map<String, Object> mode(String intakeMode) {
    Map<String, Object> stack = new HashMap<>(stack(""));
    stack.put("IntakeMode", intakeMode);
    stack.put("SubnetIds", List.of("subnet-0aaa1111", "subnet-0bbb2222"));
    return stack;
  }

  private static Object targets(String rule) {
    return properties(rule).get("Targets");
  }

  private static Map<String, Object> taskStateChangePattern(String mode) {
    return map(evaluate(properties("TaskStateChangeRule").get("EventPattern"), mode(mode)));
  }

  /** X of a "{GetAtt X.attribute}" that {@link #evaluate} leaves. */
  private static String getAttResource(Object value, String attribute) {
    String text = String.valueOf(value);
    assertTrue(
        text.startsWith("{GetAtt ") && text.endsWith("." + attribute + "}"),
        "not a GetAtt: " + text);
    return text.substring("{GetAtt ".length(), text.length() - attribute.length() - 2);
  }

  /** The FifoQueue branch of the request rule's target: its InputTransformer. */
  private static Map<String, Object> fifoTransformer() {
    return map(
        map(list(evaluate(targets("BatchRequestedRule"), mode("FifoQueue"))).get(0))
            .get("InputTransformer"));
  }

  /**
   * What an EventBridge InputTransformer sends for this event, for the template's kinds of
   * placeholder: {@code "<name>"} in quotes takes a string value as text, {@code <name>} outside
   * quotes takes the value as JSON; each path is a {@code $.field.field} dot path.
   */
  private static String transform(Map<String, Object> transformer, JsonNode event)
      throws Exception {
    String output = (String) transformer.get("InputTemplate");
    for (Map.Entry<String, Object> path : map(transformer.get("InputPathsMap")).entrySet()) {
      String jsonPath = (String) path.getValue();
      assertTrue(jsonPath.matches("\\$(\\.[A-Za-z0-9_-]+)+"), jsonPath);
      JsonNode value = event;
      for (String field : jsonPath.substring(2).split("\\.")) {
        value = value.path(field);
      }
      assertFalse(value.isMissingNode(), jsonPath + " is not in " + event);
      String quoted = "\"<" + path.getKey() + ">\"";
      if (output.contains(quoted)) {
        assertTrue(value.isTextual(), path.getKey() + " in quotes needs a string");
        output = output.replace(quoted, JSON.writeValueAsString(value.asText()));
      }
      output = output.replace("<" + path.getKey() + ">", JSON.writeValueAsString(value));
    }
    assertFalse(output.matches("(?s).*<[A-Za-z0-9_.-]+>.*"), "a placeholder left: " + output);
    JSON.readTree(output); // what EventBridge sends must be JSON
    return output;
  }

  /** A one-record SQS event of a FIFO queue with this body. */
  private static byte[] fifoRecord(String messageId, String body) throws Exception {
    ObjectNode event = JSON.createObjectNode();
    ObjectNode record = event.putArray("Records").addObject();
    record.put("messageId", messageId);
    record.put("body", body);
    record
        .putObject("attributes")
        .put("MessageGroupId", "batch-requests")
        .put("SequenceNumber", "18890436781234567000");
    record.put("eventSource", "aws:sqs");
    record.put("eventSourceARN", "arn:aws:sqs:eu-west-1:123456789012:batch-requests.fifo");
    return JSON.writeValueAsBytes(event);
  }

  /**
   * Every request in {@code events/}, as the monolith puts it on the bus: the envelopes as they are
   * (the monolith's, the SQS sample's), each bare request (valid or invalid) as the detail of an
   * envelope like the monolith's.
   */
  private static Map<String, JsonNode> requestSamples() throws Exception {
    JsonNode monolith = JSON.readTree(Fixtures.event("monolith-put-events.json"));
    Map<String, JsonNode> samples = new TreeMap<>();
    samples.put("monolith-put-events.json", monolith);
    JsonNode records = JSON.readTree(Fixtures.event("sqs-batch.json")).get("Records");
    for (int i = 0; i < records.size(); i++) {
      JsonNode body = JSON.readTree(records.get(i).get("body").asText());
      if (body.has("detail-type")) {
        samples.put("sqs-batch.json#" + i, body);
      }
    }
    for (String folder : List.of("", "invalid/")) {
      try (Stream<Path> files =
          Files.list(Fixtures.events().resolve(folder.isEmpty() ? "." : folder))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
          JsonNode node = JSON.readTree(Files.readAllBytes(file));
          if (node.has("Records")
              || node.has("detail-type")
              || node.has("requestPayload")
              || !node.has("batchTypeId")) {
            continue;
          }
          ObjectNode envelope = monolith.deepCopy();
          envelope.put(
              "id",
              UUID.nameUUIDFromBytes(file.toString().getBytes(StandardCharsets.UTF_8)).toString());
          envelope.set("detail", node);
          samples.put(folder + file.getFileName(), envelope);
        }
      }
    }
    return samples;
  }

  /** The idempotency key the dispatcher gives the one request in this FIFO body. */
  private static String dispatchKey(String body) throws Exception {
    Invocation.SqsBatch batch =
        (Invocation.SqsBatch) new EventParser(() -> "trace").parse(fifoRecord("m-1", body));
    ParsedRequest.Valid valid =
        assertInstanceOf(ParsedRequest.Valid.class, batch.messages().get(0).request());
    Resolution resolution =
        new BatchDispatcher(
                Processors.catalog(),
                new InMemoryIdempotencyStore(),
                launch ->
                    new LaunchResult(List.of("arn:aws:ecs:eu-west-1:123456789012:task/x/y"), false),
                Clock.fixed(Instant.parse("2026-11-23T02:00:00Z"), ZoneOffset.UTC),
                () -> "claim")
            .resolve(valid.request());
    return assertInstanceOf(Resolution.Valid.class, resolution, resolution.toString()).key().id();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** A placeholder's parameter name in direct-rules.yaml: CLUSTER_ARN is ClusterArn. */
  private static String camelCase(String placeholder) {
    StringBuilder name = new StringBuilder();
    for (String part : placeholder.split("_")) {
      name.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return name.toString();
  }

  /** EventBridge matching against the stack's parameters' defaults. */
  private boolean matches(Map<String, Object> pattern, JsonNode event) {
    return matches(pattern, event, Map.of());
  }

  /**
   * EventBridge matching for the pattern shapes the template uses: field -> list of exact values (a
   * {@code Ref} resolves to {@code parameters}' value, else the parameter's Default) or of {@code
   * {"prefix": P}} matchers (a string starting with P), or field -> nested pattern for an object
   * field ({@code detail}). An array in the event matches when any of its elements is allowed, as
   * in EventBridge.
   */
  private boolean matches(
      Map<String, Object> pattern, JsonNode event, Map<String, String> parameters) {
    for (Map.Entry<String, Object> field : pattern.entrySet()) {
      JsonNode value = event.get(field.getKey());
      if (value == null) {
        return false;
      }
      if (field.getValue() instanceof Map<?, ?> nested) {
        if (!value.isObject() || !matches(map(nested), value, parameters)) {
          return false;
        }
        continue;
      }
      List<String> allowed = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      for (Object v : list(field.getValue())) {
        if (v instanceof Map<?, ?> matcher && matcher.containsKey("prefix")) {
          assertEquals(1, matcher.size(), "only prefix matchers: " + matcher);
          prefixes.add((String) matcher.get("prefix"));
        } else {
          allowed.add(resolve(v, parameters));
        }
      }
      List<JsonNode> candidates = new ArrayList<>();
      if (value.isArray()) {
        value.forEach(candidates::add);
      } else {
        candidates.add(value);
      }
      if (candidates.stream()
          .noneMatch(
              c ->
                  c.isValueNode()
                      && !c.isNull()
                      && (allowed.contains(c.asText())
                          || (c.isTextual()
                              && prefixes.stream().anyMatch(c.asText()::startsWith))))) {
        return false;
      }
    }
    return true;
  }

  private String resolve(Object value, Map<String, String> parameters) {
    if (value instanceof Map<?, ?> ref && ref.containsKey("Ref")) {
      String name = (String) ref.get("Ref");
      if (parameters.containsKey(name)) {
        return parameters.get(name);
      }
      return (String) map(section("Parameters").get(name)).get("Default");
    }
    return (String) value;
  }

  /**
   * The stack's parameters with {@code CompletionEventBus} set, the others bound to the fixtures'
   * (the ones without a Default) or left at their Defaults.
   */
  private static Map<String, Object> stack(String completionEventBus) {
    return Map.of(
        "CompletionEventBus", completionEventBus,
        "ClusterArn", Fixtures.CATALOG_ENV.get("CLUSTER_ARN"),
        "SubnetIds", List.of("subnet-0aaa1111"),
        "SecurityGroupIds", List.of("sg-0ccc3333"),
        "TaskRoleArns", List.of("arn:aws:iam::123456789012:role/batch-task"),
        "TaskDefinitionArnPattern", "arn:aws:ecs:eu-west-1:123456789012:task-definition/batch-*",
        "MonolithAccountId", "111122223333");
  }

  /** The function's environment variables as that stack deploys them. */
  private static Map<String, Object> environment(Map<String, Object> stack) {
    return map(evaluate(map(function().get("Environment")).get("Variables"), stack));
  }

  /** The function's policy statements, as that stack deploys them, that allow an events action. */
  private static List<Map<String, Object>> eventsStatements(Map<String, Object> stack) {
    List<Map<String, Object>> found = new ArrayList<>();
    for (Object policy : list(evaluate(function().get("Policies"), stack))) {
      for (Map<String, Object> statement : statements(map(policy))) {
        if (actions(List.of(statement)).stream().anyMatch(a -> a.startsWith("events:"))) {
          found.add(statement);
        }
      }
    }
    return found;
  }

  private static boolean deploys(String resource, Map<String, Object> stack) {
    Object name = resource(resource).get("Condition");
    return name == null || condition((String) name, stack);
  }

  private static boolean condition(String name, Map<String, Object> stack) {
    Object condition = section("Conditions").get(name);
    assertTrue(condition != null, "no condition " + name);
    return (Boolean) evaluate(condition, stack);
  }

  /**
   * A template fragment as CloudFormation deploys it with these parameters: conditions, Fn::If,
   * Ref, Fn::Sub, Fn::Select, Fn::Split and Fn::Join evaluated, AWS::NoValue removed. A resource's
   * Ref or GetAtt, which only a deployment knows, stays as "{Ref X}" or "{GetAtt X.Y}".
   */
  private static Object evaluate(Object node, Map<String, Object> stack) {
    if (node instanceof List<?> items) {
      List<Object> values = new ArrayList<>();
      for (Object item : items) {
        Object value = evaluate(item, stack);
        if (value != NO_VALUE) {
          values.add(value);
        }
      }
      return values;
    }
    if (!(node instanceof Map<?, ?> fields)) {
      return node;
    }
    if (fields.size() == 1) {
      Map.Entry<?, ?> only = fields.entrySet().iterator().next();
      Object argument = only.getValue();
      switch (String.valueOf(only.getKey())) {
        case "Ref":
          return ref((String) argument, stack);
        case "Condition":
          return condition((String) argument, stack);
        case "Fn::GetAtt":
          return "{GetAtt " + list(argument).get(0) + "." + list(argument).get(1) + "}";
        case "Fn::If":
          return evaluate(
              list(argument).get(condition((String) list(argument).get(0), stack) ? 1 : 2), stack);
        case "Fn::Equals":
          return evaluate(list(argument).get(0), stack)
              .equals(evaluate(list(argument).get(1), stack));
        case "Fn::Not":
          return !(Boolean) evaluate(list(argument).get(0), stack);
        case "Fn::And":
          return list(evaluate(argument, stack)).stream().allMatch(Boolean.TRUE::equals);
        case "Fn::Or":
          return list(evaluate(argument, stack)).stream().anyMatch(Boolean.TRUE::equals);
        case "Fn::Select":
          return list(evaluate(list(argument).get(1), stack))
              .get(Integer.parseInt(String.valueOf(list(argument).get(0))));
        case "Fn::Split":
          return List.of(
              ((String) evaluate(list(argument).get(1), stack))
                  .split(Pattern.quote((String) list(argument).get(0)), -1));
        case "Fn::Join":
          return String.join(
              (String) list(argument).get(0),
              list(evaluate(list(argument).get(1), stack)).stream().map(String::valueOf).toList());
        case "Fn::Sub":
          return sub(argument, stack);
        default:
          break;
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<?, ?> field : fields.entrySet()) {
      Object value = evaluate(field.getValue(), stack);
      if (value != NO_VALUE) {
        values.put(String.valueOf(field.getKey()), value);
      }
    }
    return values;
  }

  private static Object ref(String name, Map<String, Object> stack) {
    if (name.equals("AWS::NoValue")) {
      return NO_VALUE;
    }
    if (PSEUDO_PARAMETERS.containsKey(name)) {
      return PSEUDO_PARAMETERS.get(name);
    }
    Map<String, Object> parameter = map(section("Parameters").get(name));
    if (parameter == null) {
      return "{Ref " + name + "}";
    }
    Object value = stack.containsKey(name) ? stack.get(name) : parameter.get("Default");
    assertTrue(value != null, "the evaluation binds no value to " + name);
    return value;
  }

  private static String sub(Object argument, Map<String, Object> stack) {
    String text = (String) (argument instanceof List<?> l ? l.get(0) : argument);
    Map<String, Object> variables =
        argument instanceof List<?> l ? map(evaluate(l.get(1), stack)) : Map.of();
    Matcher m = SUB_VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      Object value;
      if (variables.containsKey(name)) {
        value = variables.get(name);
      } else if (name.contains(".") && !name.startsWith("AWS::")) {
        value = "{GetAtt " + name + "}";
      } else {
        value = ref(name, stack);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(value)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void walk(Object node, String path, List<String> problems) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (key.equals("Action") || key.equals("NotAction")) {
          for (Object action : e.getValue() instanceof List<?> l ? l : List.of(e.getValue())) {
            String text = String.valueOf(action);
            if (text.equals("*") || text.endsWith(":*") || key.equals("NotAction")) {
              problems.add(path + "." + key + ": " + text);
            }
          }
        }
        if (key.equals("Resource") && "*".equals(e.getValue())) {
          problems.add(path + ".Resource: *");
        }
        walk(e.getValue(), path + "." + key, problems);
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        walk(l.get(i), path + "[" + i + "]", problems);
      }
    }
  }

  private static Set<String> catalogPlaceholders() {
    Set<String> names = new TreeSet<>();
    Matcher m =
        PLACEHOLDER.matcher(new String(Fixtures.classpath("batches.json"), StandardCharsets.UTF_8));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static List<Map<String, Object>> statements(Map<String, Object> policy) {
    return list(policy.get("Statement")).stream().map(TemplateContractTest::map).toList();
  }

  private static Set<String> actions(List<Map<String, Object>> statements) {
    Set<String> actions = new HashSet<>();
    for (Map<String, Object> statement : statements) {
      Object action = statement.get("Action");
      if (action instanceof List<?> l) {
        l.forEach(a -> actions.add((String) a));
      } else {
        actions.add((String) action);
      }
    }
    return actions;
  }

  private static Map<String, Object> statementWith(
      List<Map<String, Object>> statements, String action) {
    return statements.stream()
        .filter(s -> actions(List.of(s)).contains(action))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no statement allows " + action));
  }

  private static Map<String, Object> function() {
    return properties("BatchRunnerFunction");
  }

  private static Map<String, Object> properties(String resource) {
    return map(resource(resource).get("Properties"));
  }

  private static Map<String, Object> resource(String resource) {
    Map<String, Object> found = map(section("Resources").get(resource));
    assertTrue(found != null, "no resource " + resource);
    return found;
  }

  private static Map<String, Object> output(String output) {
    Map<String, Object> found = map(section("Outputs").get(output));
    assertTrue(found != null, "no output " + output);
    return found;
  }

  private static Map<String, Object> section(String name) {
    return map(TEMPLATE.get(name));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    return (List<Object>) value;
  }
}
