package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ContainerTemplate;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.TaskEnvironment;
import dev.batchrunner.core.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the RunTask inputs of a valid request and checks them against ECS's override limit. */
public final class TaskLaunchFactory {
  /** ECS's limit on the JSON of a RunTask {@code overrides} structure, formatting included. */
  public static final int ECS_OVERRIDES_LIMIT = 8192;

  /** The startedBy of every task batch-runner starts. */
  public static final String STARTED_BY = "batch-runner";

  public static final String TAG_BATCH_TYPE = "batch-runner:batch-type";
  public static final String TAG_TRACE_ID = "batch-runner:trace-id";
  public static final String ENV_BATCH_TYPE_ID = TaskEnvironment.BATCH_TYPE_ID;
  public static final String ENV_IDEMPOTENCY_KEY = TaskEnvironment.IDEMPOTENCY_KEY;

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private TaskLaunchFactory() {}

  /** The launch for a request whose parameters are already resolved against {@code batch}. */
  public static TaskLaunch build(
      BatchDefinition batch, Map<String, String> parameters, IdempotencyKey key, String traceId) {
    ContainerTemplate container = batch.container();
    Map<String, String> env = new LinkedHashMap<>();
    env.put(container.traceIdEnv(), traceId);
    env.put(ENV_BATCH_TYPE_ID, batch.id());
    env.put(ENV_IDEMPOTENCY_KEY, key.id());
    env.putAll(container.environment());
    java.util.Set<String> sensitive = new java.util.HashSet<>();
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      ParameterSpec spec = batch.parameters().get(p.getKey());
      env.put(spec.env(), p.getValue());
      if (spec.sensitive()) {
        sensitive.add(spec.env());
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(TAG_BATCH_TYPE, batch.id());
    tags.put(TAG_TRACE_ID, traceId);
    return new TaskLaunch(
        batch.id(),
        batch.taskDefinition(),
        batch.placement(),
        new ContainerOverride(
            container.name(), env, command(container.command(), parameters), sensitive),
        key.hash(),
        tags,
        container.guardContainer());
  }

  /** Substitutes {@code {param}} in each argv element; the catalog guarantees each is resolved. */
  public static List<String> command(List<String> template, Map<String, String> parameters) {
    if (template == null) {
      return null;
    }
    List<String> argv = new ArrayList<>(template.size());
    for (String element : template) {
      Matcher m = PLACEHOLDER.matcher(element);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = parameters.get(m.group(1));
        m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value));
      }
      m.appendTail(out);
      argv.add(out.toString());
    }
    return argv;
  }

  /**
   * The length of the {@code overrides} JSON that RunTask will carry, the way ECS counts its
   * 8,192-character limit (JSON punctuation and names included).
   */
  public static int overridesLength(TaskLaunch launch) {
    List<Map<String, Object>> containers = new ArrayList<>();
    for (ContainerOverride overrides : launch.containerOverrides()) {
      Map<String, Object> container = new LinkedHashMap<>();
      container.put("name", overrides.name());
      if (overrides.command() != null) {
        container.put("command", overrides.command());
      }
      List<Map<String, String>> environment = new ArrayList<>();
      overrides
          .environment()
          .forEach((name, value) -> environment.add(Map.of("name", name, "value", value)));
      container.put("environment", environment);
      containers.add(container);
    }
    return Json.writeText(
            generator -> Json.writeValue(generator, Map.of("containerOverrides", containers)))
        .length();
  }
}
