package dev.batchrunner.function.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.AwsVpcConfiguration;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.NetworkConfiguration;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskOverride;

/**
 * The cold-start benchmark's peer: batch-runner's dispatch written plainly, as issue 12 defines it
 * — SDK clients built in the constructor over {@code UrlConnectionHttpClient} with an explicit
 * region and credentials, a Jackson {@link ObjectMapper}, no priming, no batch-runner classes. It
 * does the same job per request: reads the request from an EventBridge envelope (or bare), applies
 * the catalog's defaults and checks, claims the idempotency key with a conditional PutItem, starts
 * the task with RunTask and marks the claim DISPATCHED. {@link ColdStartBenchmark} packages it with
 * the whole jars of what it uses (no minimising), as a plain project's shaded jar.
 */
public final class PlainDispatchHandler implements RequestStreamHandler {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final ObjectMapper mapper = new ObjectMapper();
  private final DynamoDbClient dynamo;
  private final EcsClient ecs;
  private final String table;
  private final JsonNode defaults;
  private final JsonNode batches;

  public PlainDispatchHandler() {
    Region region = Region.of(System.getenv("AWS_REGION"));
    // AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_ECS: the SDK reads them itself by default.
    dynamo =
        DynamoDbClient.builder()
            .region(region)
            .credentialsProvider(EnvironmentVariableCredentialsProvider.create())
            .httpClient(UrlConnectionHttpClient.builder().build())
            .build();
    ecs =
        EcsClient.builder()
            .region(region)
            .credentialsProvider(EnvironmentVariableCredentialsProvider.create())
            .httpClient(UrlConnectionHttpClient.builder().build())
            .build();
    table = System.getenv("IDEMPOTENCY_TABLE");
    try {
      JsonNode catalog = mapper.readTree(Files.readString(Path.of(System.getenv("BATCH_CATALOG"))));
      fillAll(catalog);
      defaults = catalog.path("defaults");
      batches = catalog.path("batches");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read BATCH_CATALOG", e);
    }
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    JsonNode event = mapper.readTree(input);
    JsonNode request = event.has("detail") ? event.get("detail") : event;
    String traceId =
        text(request, "traceId", "TraceId", event.path("id").asText(UUID.randomUUID().toString()));
    String type = text(request, "batchTypeId", "BatchTypeId", null);
    JsonNode batch = type == null ? null : batches.get(type);
    if (batch == null) {
      throw new IllegalArgumentException("unknown batch type: " + type);
    }
    JsonNode given =
        request.has("parameters") ? request.get("parameters") : request.get("Parameters");

    // Parameters: defaults, required ones, patterns and lengths, as the catalog declares them.
    Map<String, String> parameters = new TreeMap<>();
    Map<String, String> parameterEnv = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = batch.path("parameters").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> declared = it.next();
      String name = declared.getKey();
      JsonNode spec = declared.getValue();
      String value =
          given != null && given.hasNonNull(name)
              ? given.get(name).asText()
              : spec.hasNonNull("default") ? spec.get("default").asText() : null;
      if (value == null) {
        if (spec.path("required").asBoolean(false)) {
          throw new IllegalArgumentException("missing required parameter " + name);
        }
        continue;
      }
      if (spec.has("pattern") && !value.matches(spec.get("pattern").asText())) {
        throw new IllegalArgumentException(name + " does not match " + spec.get("pattern"));
      }
      if (spec.has("maxLength") && value.length() > spec.get("maxLength").asInt()) {
        throw new IllegalArgumentException(name + " is too long");
      }
      parameters.put(name, value);
      parameterEnv.put(spec.path("env").asText(), value);
    }

    // The idempotency key: SHA-256 of the canonical request, keys sorted.
    Map<String, Object> canonical = new TreeMap<>();
    canonical.put("batchTypeId", type);
    canonical.put("parameters", parameters);
    String hex = sha256Hex(mapper.writeValueAsBytes(canonical));
    String id = type + "#" + hex;
    Instant now = Instant.now();
    Duration window = Duration.parse(setting(batch, "idempotencyWindow"));

    Map<String, AttributeValue> claim = new HashMap<>();
    claim.put("id", AttributeValue.fromS(id));
    claim.put("batchTypeId", AttributeValue.fromS(type));
    claim.put("status", AttributeValue.fromS("IN_PROGRESS"));
    claim.put("traceId", AttributeValue.fromS(traceId));
    claim.put("createdAt", AttributeValue.fromS(now.toString()));
    claim.put("expiresAt", AttributeValue.fromN(Long.toString(now.plus(window).getEpochSecond())));
    try {
      dynamo.putItem(
          r -> r.tableName(table).item(claim).conditionExpression("attribute_not_exists(id)"));
    } catch (ConditionalCheckFailedException e) {
      ObjectNode duplicate = mapper.createObjectNode();
      duplicate.put("outcome", "DUPLICATE");
      duplicate.put("batchTypeId", type);
      duplicate.put("idempotencyKey", hex);
      mapper.writeValue(output, duplicate);
      return;
    }

    // The task: the catalog's cluster, task definition, network; the request in its environment.
    List<KeyValuePair> environment = new ArrayList<>();
    environment.add(env(setting(batch, "traceIdEnv"), traceId));
    environment.add(env("BATCH_TYPE_ID", type));
    environment.add(env("IDEMPOTENCY_KEY", hex));
    parameterEnv.forEach((name, value) -> environment.add(env(name, value)));
    for (Iterator<Map.Entry<String, JsonNode>> it = batch.path("environment").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      environment.add(env(e.getKey(), e.getValue().asText()));
    }
    List<String> command = new ArrayList<>();
    for (JsonNode word : batch.path("command")) {
      String text = word.asText();
      for (Map.Entry<String, String> p : parameters.entrySet()) {
        text = text.replace("{" + p.getKey() + "}", p.getValue());
      }
      command.add(text);
    }
    ContainerOverride.Builder container =
        ContainerOverride.builder()
            .name(batch.path("containerName").asText())
            .environment(environment);
    if (!command.isEmpty()) {
      container.command(command);
    }
    RunTaskResponse started =
        ecs.runTask(
            r ->
                r.cluster(setting(batch, "cluster"))
                    .taskDefinition(setting(batch, "taskDefinition"))
                    .launchType(LaunchType.fromValue(setting(batch, "launchType")))
                    .count(1)
                    .startedBy("batch-runner")
                    .clientToken(hex)
                    .networkConfiguration(
                        NetworkConfiguration.builder()
                            .awsvpcConfiguration(
                                AwsVpcConfiguration.builder()
                                    .subnets(list(setting(batch, "subnets")))
                                    .securityGroups(list(setting(batch, "securityGroups")))
                                    .assignPublicIp(
                                        AssignPublicIp.fromValue(setting(batch, "assignPublicIp")))
                                    .build())
                            .build())
                    .overrides(
                        TaskOverride.builder().containerOverrides(container.build()).build()));
    if (!started.failures().isEmpty() || started.tasks().isEmpty()) {
      throw new IllegalStateException("RunTask failed: " + started.failures());
    }
    List<String> taskArns = started.tasks().stream().map(Task::taskArn).toList();

    dynamo.updateItem(
        r ->
            r.tableName(table)
                .key(Map.of("id", AttributeValue.fromS(id)))
                .updateExpression("SET #status = :dispatched, taskArns = :arns, dispatchedAt = :at")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(
                    Map.of(
                        ":dispatched", AttributeValue.fromS("DISPATCHED"),
                        ":arns", AttributeValue.fromSs(taskArns),
                        ":at", AttributeValue.fromS(Instant.now().toString()))));

    ObjectNode answer = mapper.createObjectNode();
    answer.put("outcome", "DISPATCHED");
    answer.put("batchTypeId", type);
    answer.put("traceId", traceId);
    answer.put("idempotencyKey", hex);
    ArrayNode arns = answer.putArray("taskArns");
    taskArns.forEach(arns::add);
    mapper.writeValue(output, answer);
  }

  /** A batch's setting, else the catalog's default. */
  private String setting(JsonNode batch, String name) {
    JsonNode value = batch.hasNonNull(name) ? batch.get(name) : defaults.get(name);
    if (value == null) {
      throw new IllegalStateException("the catalog sets no " + name);
    }
    return value.asText();
  }

  /** Fills the {@code ${NAME}} placeholders of every text in the catalog from the environment. */
  private static void fillAll(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getValue().isTextual()) {
          field.setValue(object.textNode(fill(field.getValue().asText())));
        } else {
          fillAll(field.getValue());
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual()) {
          array.set(i, array.textNode(fill(array.get(i).asText())));
        } else {
          fillAll(array.get(i));
        }
      }
    }
  }

  private static String fill(String text) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder filled = new StringBuilder();
    while (m.find()) {
      String value = System.getenv(m.group(1));
      if (value == null) {
        throw new IllegalStateException("${" + m.group(1) + "} has no environment variable");
      }
      m.appendReplacement(filled, Matcher.quoteReplacement(value));
    }
    return m.appendTail(filled).toString();
  }

  private static List<String> list(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  private static String text(JsonNode node, String name, String pascalName, String otherwise) {
    JsonNode value = node.hasNonNull(name) ? node.get(name) : node.get(pascalName);
    return value == null || value.isNull() ? otherwise : value.asText();
  }

  private static KeyValuePair env(String name, String value) {
    return KeyValuePair.builder().name(name).value(value).build();
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
