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
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.testing.Fixtures;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * template.yaml against the code it deploys: the handler exists, the environment is complete, the
 * policy allows exactly what the adapters call, the table is the store's, the rule matches the
 * sample envelopes, the task state change rule matches batch-runner's own RUNNING/STOPPED tasks
 * only, the completion bus is the one the function may put on, the alarms watch the function's
 * metrics, the schedule sends valid requests, the timeouts fit, nothing is "*".
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

    // Queue intake adds what Lambda's event source mapping needs, on the intake queue only.
    List<Object> queueBranch = list(map(policies.get(1)).get("Fn::If"));
    assertEquals("IsQueue", queueBranch.get(0));
    List<Map<String, Object>> queue = statements(map(queueBranch.get(1)));
    assertEquals(
        Set.of(
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility"),
        actions(queue));
    assertEquals(Map.of("Fn::GetAtt", List.of("IntakeQueue", "Arn")), queue.get(0).get("Resource"));
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
  }

  @Test
  void taskStateChangeRule_isEnabledOnTheDefaultBus() {
    Map<String, Object> rule = properties("TaskStateChangeRule");
    Object bus = rule.get("EventBusName");

    assertTrue(bus == null || "default".equals(bus), "ECS sends to the default bus, not " + bus);
    assertEquals("ENABLED", rule.get("State"));
  }

  @Test
  void taskStateChangeRule_matchesOurRunningAndStoppedTasksOnly() throws Exception {
    Map<String, Object> pattern = map(properties("TaskStateChangeRule").get("EventPattern"));
    // ClusterArn has no Default: the rule is evaluated with it bound to the tests' cluster, which
    // is the cluster every fixture carries.
    String cluster = Fixtures.CATALOG_ENV.get("CLUSTER_ARN");
    Map<String, String> parameters = Map.of("ClusterArn", cluster);

    List<String> matched = new ArrayList<>();
    List<Path> fixtures;
    try (Stream<Path> files = Files.list(Fixtures.events().resolve("task-state-change"))) {
      fixtures = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    for (Path fixture : fixtures) {
      JsonNode event = JSON.readTree(Files.readAllBytes(fixture));
      JsonNode detail = event.get("detail");
      assertEquals(cluster, detail.get("clusterArn").asText(), fixture.toString());
      boolean ours =
          TaskLaunchFactory.STARTED_BY.equals(detail.path("startedBy").asText())
              && Set.of("RUNNING", "STOPPED").contains(detail.path("lastStatus").asText());
      assertEquals(ours, matches(pattern, event, parameters), fixture.toString());
      if (ours) {
        matched.add(fixture.getFileName().toString());
      }
    }
    assertEquals(6, matched.size(), matched.toString());
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
    assertEquals("IsDirect", permission.get("Condition"));
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

  /** EventBridge matching against the stack's parameters' defaults. */
  private boolean matches(Map<String, Object> pattern, JsonNode event) {
    return matches(pattern, event, Map.of());
  }

  /**
   * EventBridge matching for the pattern shapes the template uses: field -> list of exact values (a
   * {@code Ref} resolves to {@code parameters}' value, else the parameter's Default), or field ->
   * nested pattern for an object field ({@code detail}). An array in the event matches when any of
   * its elements is allowed, as in EventBridge.
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
      List<String> allowed =
          list(field.getValue()).stream().map(v -> resolve(v, parameters)).toList();
      List<JsonNode> candidates = new ArrayList<>();
      if (value.isArray()) {
        value.forEach(candidates::add);
      } else {
        candidates.add(value);
      }
      if (candidates.stream()
          .noneMatch(c -> c.isValueNode() && !c.isNull() && allowed.contains(c.asText()))) {
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
