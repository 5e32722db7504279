package dev.batchrunner.core.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the batch catalog, fills {@code ${NAME}} placeholders from the environment and validates
 * everything, so that a bad catalog fails the function's start with every problem listed.
 */
public final class CatalogLoader {
  /** The environment variable naming a catalog file. */
  public static final String CATALOG_ENV = "BATCH_CATALOG";

  /** The catalog on the classpath when {@link #CATALOG_ENV} is not set. */
  public static final String CLASSPATH_CATALOG = "batches.json";

  static final String DEFAULT_TRACE_ID_ENV = "TRACE_ID";
  static final Duration DEFAULT_WINDOW = Duration.ofHours(24);

  private static final Set<String> DEFAULT_FIELDS =
      Set.of(
          "cluster",
          "launchType",
          "capacityProviderStrategy",
          "subnets",
          "securityGroups",
          "assignPublicIp",
          "platformVersion",
          "idempotencyWindow",
          "traceIdEnv",
          "environment",
          "retry",
          "rerunFailed",
          "guardContainer");
  private static final Set<String> BATCH_ONLY_FIELDS =
      Set.of("taskDefinition", "containerName", "parameters", "command", "enabled", "description");
  private static final Set<String> ROOT_FIELDS = Set.of("defaults", "batches", "description");
  private static final Set<String> PARAMETER_FIELDS =
      Set.of("env", "required", "default", "pattern", "maxLength", "sensitive", "description");
  private static final Set<String> RETRY_FIELDS = Set.of("attempts", "evaluateOnExit");
  private static final Set<String> RULE_FIELDS =
      Set.of("action", "onExitCode", "onStopCode", "onStatusReason", "onReason");
  private static final Set<String> STRATEGY_FIELDS = Set.of("capacityProvider", "weight", "base");
  private static final Set<String> LAUNCH_TYPES =
      Set.of("FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES");
  private static final Set<String> RESERVED_ENV_NAMES =
      Set.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "PATH", "HOME");
  private static final List<String> RESERVED_ENV_PREFIXES = List.of("AWS_", "ECS_", "LD_");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final Pattern COMMAND_PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
  // ECS's rule for a container name: up to 255 letters, digits, hyphens and underscores.
  private static final Pattern CONTAINER_NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

  // AWS Batch's EvaluateOnExit limits: 5 rules, globs of 512 characters with only a trailing *.
  static final int MAX_RULES = 5;
  static final int MAX_GLOB_LENGTH = 512;
  private static final Pattern EXIT_CODE_GLOB = Pattern.compile("[0-9]*\\*?");
  private static final Pattern STOP_CODE_GLOB = Pattern.compile("[A-Za-z0-9]*\\*?");
  // AWS Batch allows letters, digits, . : and white space; ECS reasons also carry - _ , / ( ) '.
  private static final Pattern REASON_GLOB = Pattern.compile("[A-Za-z0-9 \\t.:,_/()'-]*\\*?");

  private static final Json JSON = Json.reader(64);

  private final Map<String, String> environment;
  private final List<String> problems = new ArrayList<>();

  private CatalogLoader(Map<String, String> environment) {
    this.environment = environment;
  }

  /**
   * Loads the catalog named by {@code BATCH_CATALOG} in {@code environment}, or the classpath's
   * {@code batches.json}.
   *
   * @throws CatalogException listing every problem
   */
  public static BatchCatalog fromEnvironment(Map<String, String> environment) {
    String file = environment.get(CATALOG_ENV);
    if (file != null && !file.isBlank()) {
      Path path = Path.of(file);
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(path);
      } catch (IOException e) {
        throw new CatalogException(
            path.toString(), List.of(CATALOG_ENV + "=" + file + ": cannot be read (" + e + ")"));
      }
      return parse(path.toString(), bytes, environment);
    }
    try (InputStream in =
        CatalogLoader.class.getClassLoader().getResourceAsStream(CLASSPATH_CATALOG)) {
      if (in == null) {
        throw new CatalogException(
            "classpath:" + CLASSPATH_CATALOG,
            List.of("no " + CLASSPATH_CATALOG + " on the classpath and " + CATALOG_ENV + " unset"));
      }
      return parse("classpath:" + CLASSPATH_CATALOG, in.readAllBytes(), environment);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses and validates a catalog document.
   *
   * @param source where it came from, for the error message
   * @throws CatalogException listing every problem
   */
  public static BatchCatalog parse(String source, byte[] json, Map<String, String> environment) {
    JsonValue root;
    try {
      root = JSON.read(json);
    } catch (JsonProcessingException e) {
      throw new CatalogException(source, List.of("not valid JSON: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CatalogLoader loader = new CatalogLoader(environment);
    Map<String, BatchDefinition> batches = loader.read(root);
    if (!loader.problems.isEmpty()) {
      throw new CatalogException(source, loader.problems);
    }
    return new StaticBatchCatalog(batches);
  }

  private Map<String, BatchDefinition> read(JsonValue root) {
    Map<String, BatchDefinition> batches = new TreeMap<>();
    if (root == null || !root.isObject()) {
      problems.add("the catalog must be a JSON object with \"defaults\" and \"batches\"");
      return batches;
    }
    resolvePlaceholders(root, "");
    unknownFields(root, "", ROOT_FIELDS);
    JsonValue defaults = root.path("defaults");
    if (!defaults.isMissingNode() && !defaults.isObject()) {
      problems.add("defaults: must be an object");
      defaults = JsonValue.object();
    } else if (defaults.isObject()) {
      unknownFields(defaults, "defaults", DEFAULT_FIELDS);
      checkLaunchChoice(defaults, "defaults");
    }
    JsonValue batchNodes = root.path("batches");
    if (!batchNodes.isObject() || batchNodes.isEmpty()) {
      problems.add("batches: must be an object with at least one batch type");
      return batches;
    }
    for (Iterator<Map.Entry<String, JsonValue>> it = batchNodes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonValue> entry = it.next();
      BatchDefinition batch = readBatch(entry.getKey(), entry.getValue(), defaults);
      if (batch != null) {
        batches.put(batch.id(), batch);
      }
    }
    return batches;
  }

  private BatchDefinition readBatch(String id, JsonValue node, JsonValue defaults) {
    String path = "batches." + id;
    int before = problems.size();
    if (!BATCH_ID.matcher(id).matches()) {
      problems.add(
          path + ": batch type id must match " + BATCH_ID.pattern() + " (letters, digits, . _ -)");
    }
    if (!node.isObject()) {
      problems.add(path + ": must be an object");
      return null;
    }
    Set<String> allowed = new java.util.HashSet<>(DEFAULT_FIELDS);
    allowed.addAll(BATCH_ONLY_FIELDS);
    unknownFields(node, path, allowed);
    checkLaunchChoice(node, path);

    String taskDefinition = requiredText(node, path, "taskDefinition");
    String containerName = requiredText(node, path, "containerName");
    String cluster = text(merged(node, defaults, "cluster"), path + ".cluster");
    if (cluster == null) {
      problems.add(path + ".cluster: required (here or in defaults)");
    }
    // The batch's own launch choice replaces the defaults' one, whichever kind it is.
    boolean ownChoice = node.has("launchType") || node.has("capacityProviderStrategy");
    JsonValue launchFrom = ownChoice ? node : defaults;
    String launchType = text(launchFrom.path("launchType"), path + ".launchType");
    if (launchType != null && !LAUNCH_TYPES.contains(launchType)) {
      problems.add(
          path + ".launchType: " + quote(launchType) + " is not one of " + sorted(LAUNCH_TYPES));
    }
    List<CapacityProviderItem> strategy =
        strategy(launchFrom.path("capacityProviderStrategy"), path + ".capacityProviderStrategy");
    List<String> subnets = list(merged(node, defaults, "subnets"), path + ".subnets");
    List<String> securityGroups =
        list(merged(node, defaults, "securityGroups"), path + ".securityGroups");
    String assignPublicIp =
        text(merged(node, defaults, "assignPublicIp"), path + ".assignPublicIp");
    if (assignPublicIp != null && !Set.of("ENABLED", "DISABLED").contains(assignPublicIp)) {
      problems.add(path + ".assignPublicIp: must be ENABLED or DISABLED");
    }
    if (subnets.isEmpty()) {
      if ("FARGATE".equals(launchType)) {
        problems.add(path + ".subnets: FARGATE tasks need awsvpc subnets (here or in defaults)");
      }
      if (!securityGroups.isEmpty() || assignPublicIp != null) {
        problems.add(path + ".subnets: securityGroups/assignPublicIp given without subnets");
      }
    }
    String platformVersion =
        text(merged(node, defaults, "platformVersion"), path + ".platformVersion");
    Duration window = window(merged(node, defaults, "idempotencyWindow"), path);
    String traceIdEnv = text(merged(node, defaults, "traceIdEnv"), path + ".traceIdEnv");
    if (traceIdEnv == null) {
      traceIdEnv = DEFAULT_TRACE_ID_ENV;
    }
    checkEnvName(traceIdEnv, path + ".traceIdEnv");

    Map<String, String> usedEnv = new LinkedHashMap<>();
    usedEnv.put(TaskEnvironment.BATCH_TYPE_ID, "batch-runner itself");
    usedEnv.put(TaskEnvironment.IDEMPOTENCY_KEY, "batch-runner itself");
    usedEnv.put(TaskEnvironment.EVENT_ID, "batch-runner itself");
    usedEnv.put(TaskEnvironment.REQUEST_KEY, "batch-runner itself");
    usedEnv.put(TaskEnvironment.TASK_ARN, "batch-runner itself");
    claimEnv(usedEnv, traceIdEnv, path + ".traceIdEnv");

    Map<String, String> environmentEntries = new TreeMap<>();
    environmentEntries.putAll(stringMap(defaults.path("environment"), "defaults.environment"));
    environmentEntries.putAll(stringMap(node.path("environment"), path + ".environment"));
    for (String name : environmentEntries.keySet()) {
      checkEnvName(name, path + ".environment." + name);
      claimEnv(usedEnv, name, path + ".environment." + name);
    }

    Map<String, ParameterSpec> parameters = parameters(node.path("parameters"), path, usedEnv);
    List<String> command = command(node.path("command"), path, parameters);
    Boolean enabled = bool(node.path("enabled"), path + ".enabled");
    RetryPolicy retry = retry(merged(node, defaults, "retry"), path + ".retry");
    Boolean rerunFailed = bool(merged(node, defaults, "rerunFailed"), path + ".rerunFailed");
    String guardContainer =
        text(merged(node, defaults, "guardContainer"), path + ".guardContainer");
    if (guardContainer != null) {
      if (!CONTAINER_NAME.matcher(guardContainer).matches()) {
        problems.add(
            path
                + ".guardContainer: "
                + quote(guardContainer)
                + " is not a container name (1-255 letters, digits, - and _)");
      } else if (guardContainer.equals(containerName)) {
        problems.add(
            path
                + ".guardContainer: "
                + guardContainer
                + " is the containerName itself; name the guard's own container, or leave"
                + " guardContainer out when the guard wraps the app's entrypoint");
      }
    }

    if (problems.size() > before) {
      return null;
    }
    Placement placement =
        new Placement(
            cluster,
            launchType,
            strategy,
            new Network(subnets, securityGroups, assignPublicIp),
            platformVersion);
    return new BatchDefinition(
        id,
        taskDefinition,
        placement,
        new ContainerTemplate(
            containerName, traceIdEnv, environmentEntries, command, guardContainer),
        parameters,
        window,
        enabled == null || enabled,
        new Lifecycle(retry, rerunFailed == null || rerunFailed));
  }

  private Map<String, ParameterSpec> parameters(
      JsonValue node, String batchPath, Map<String, String> usedEnv) {
    Map<String, ParameterSpec> specs = new TreeMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return specs;
    }
    String path = batchPath + ".parameters";
    if (!node.isObject()) {
      problems.add(path + ": must be an object of parameter name to its contract");
      return specs;
    }
    for (Iterator<Map.Entry<String, JsonValue>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonValue> entry = it.next();
      String name = entry.getKey();
      String p = path + "." + name;
      JsonValue spec = entry.getValue();
      if (!PARAMETER_NAME.matcher(name).matches()) {
        problems.add(p + ": parameter name must match " + PARAMETER_NAME.pattern());
      }
      if (!spec.isObject()) {
        problems.add(p + ": must be an object with at least \"env\"");
        continue;
      }
      unknownFields(spec, p, PARAMETER_FIELDS);
      String env = requiredText(spec, p, "env");
      if (env != null) {
        checkEnvName(env, p + ".env");
        claimEnv(usedEnv, env, p + ".env");
      }
      Boolean required = bool(spec.path("required"), p + ".required");
      Boolean sensitive = bool(spec.path("sensitive"), p + ".sensitive");
      String defaultValue = text(spec.path("default"), p + ".default");
      Pattern pattern = null;
      String regex = text(spec.path("pattern"), p + ".pattern");
      if (regex != null) {
        try {
          pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
          problems.add(
              p
                  + ".pattern: not a valid regular expression: "
                  + e.getDescription()
                  + " near index "
                  + e.getIndex());
        }
      }
      Integer maxLength = null;
      JsonValue max = spec.path("maxLength");
      if (!max.isMissingNode()) {
        if (max.canConvertToInt() && max.isIntegralNumber() && max.intValue() > 0) {
          maxLength = max.intValue();
        } else {
          problems.add(p + ".maxLength: must be a positive whole number");
        }
      }
      if (Boolean.TRUE.equals(required) && defaultValue != null) {
        problems.add(p + ": a required parameter cannot have a default");
      }
      if (defaultValue != null) {
        if (maxLength != null && defaultValue.length() > maxLength) {
          problems.add(p + ".default: longer than its maxLength " + maxLength);
        }
        if (pattern != null && !pattern.matcher(defaultValue).matches()) {
          problems.add(p + ".default: does not match its pattern");
        }
      }
      specs.put(
          name,
          new ParameterSpec(
              name,
              env,
              Boolean.TRUE.equals(required),
              defaultValue,
              pattern,
              maxLength,
              Boolean.TRUE.equals(sensitive)));
    }
    return specs;
  }

  private List<String> command(
      JsonValue node, String batchPath, Map<String, ParameterSpec> params) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    String path = batchPath + ".command";
    if (!node.isArray() || node.isEmpty()) {
      problems.add(path + ": must be a non-empty array of strings, one argv element each");
      return null;
    }
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonValue element = node.get(i);
      if (!element.isTextual()) {
        problems.add(path + "[" + i + "]: must be a string");
        continue;
      }
      Matcher m = COMMAND_PLACEHOLDER.matcher(element.textValue());
      while (m.find()) {
        ParameterSpec spec = params.get(m.group(1));
        if (spec == null) {
          problems.add(path + "[" + i + "]: {" + m.group(1) + "} is not a declared parameter");
        } else if (!spec.required() && spec.defaultValue() == null) {
          problems.add(
              path
                  + "["
                  + i
                  + "]: {"
                  + m.group(1)
                  + "} may be absent; make the parameter required or give it a default");
        }
      }
      argv.add(element.textValue());
    }
    return argv;
  }

  private List<CapacityProviderItem> strategy(JsonValue node, String path) {
    List<CapacityProviderItem> items = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return items;
    }
    if (!node.isArray() || node.isEmpty()) {
      problems.add(path + ": must be a non-empty array of {capacityProvider, weight, base}");
      return items;
    }
    for (int i = 0; i < node.size(); i++) {
      JsonValue item = node.get(i);
      String p = path + "[" + i + "]";
      if (!item.isObject()) {
        problems.add(p + ": must be an object");
        continue;
      }
      unknownFields(item, p, STRATEGY_FIELDS);
      String provider = requiredText(item, p, "capacityProvider");
      Integer weight = boundedInt(item.path("weight"), p + ".weight", 0, 1000);
      Integer base = boundedInt(item.path("base"), p + ".base", 0, 100000);
      items.add(new CapacityProviderItem(provider, weight, base));
    }
    return items;
  }

  private Duration window(JsonValue node, String batchPath) {
    String value = text(node, batchPath + ".idempotencyWindow");
    if (value == null) {
      return DEFAULT_WINDOW;
    }
    try {
      Duration window = Duration.parse(value);
      if (window.isNegative() || window.isZero()) {
        problems.add(batchPath + ".idempotencyWindow: must be positive");
      }
      return window;
    } catch (DateTimeParseException e) {
      problems.add(
          batchPath
              + ".idempotencyWindow: "
              + quote(value)
              + " is not an ISO-8601 duration such as PT24H or P7D");
      return DEFAULT_WINDOW;
    }
  }

  private RetryPolicy retry(JsonValue node, String path) {
    if (absent(node)) {
      return RetryPolicy.NONE;
    }
    if (!node.isObject()) {
      problems.add(path + ": must be an object {\"attempts\": N, \"evaluateOnExit\": [rule, …]}");
      return RetryPolicy.NONE;
    }
    unknownFields(node, path, RETRY_FIELDS);
    Integer attempts =
        boundedInt(node.path("attempts"), path + ".attempts", 1, RetryPolicy.MAX_ATTEMPTS);
    List<ExitRule> rules = exitRules(node.path("evaluateOnExit"), path + ".evaluateOnExit");
    if (absent(node.path("attempts")) && !absent(node.path("evaluateOnExit"))) {
      // AWS Batch's rule too: without attempts there is one, and the rules could never retry.
      problems.add(path + ".attempts: required with evaluateOnExit");
    }
    return new RetryPolicy(attempts == null ? 1 : attempts, rules);
  }

  private List<ExitRule> exitRules(JsonValue node, String path) {
    List<ExitRule> rules = new ArrayList<>();
    if (absent(node)) {
      return rules;
    }
    if (!node.isArray()) {
      problems.add(path + ": must be an array of rules {action, onExitCode, onStopCode, …}");
      return rules;
    }
    if (node.size() > MAX_RULES) {
      problems.add(
          path + ": " + node.size() + " rules, at most " + MAX_RULES + " (as in AWS Batch)");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonValue item = node.get(i);
      String p = path + "[" + i + "]";
      if (!item.isObject()) {
        problems.add(p + ": must be an object with action and at least one on… condition");
        continue;
      }
      int before = problems.size();
      unknownFields(item, p, RULE_FIELDS);
      RetryAction action = action(item.path("action"), p + ".action");
      String onExitCode =
          glob(item.path("onExitCode"), p + ".onExitCode", EXIT_CODE_GLOB, "digits");
      String onStopCode =
          glob(
              item.path("onStopCode"),
              p + ".onStopCode",
              STOP_CODE_GLOB,
              "letters and digits (an ECS stop code such as TaskFailedToStart or SpotInterruption)");
      String reasonText = "letters, digits, spaces, tabs and . : , - _ / ( ) '";
      String onStatusReason =
          glob(item.path("onStatusReason"), p + ".onStatusReason", REASON_GLOB, reasonText);
      String onReason = glob(item.path("onReason"), p + ".onReason", REASON_GLOB, reasonText);
      boolean anyCondition =
          RULE_FIELDS.stream()
              .filter(f -> !f.equals("action"))
              .anyMatch(f -> !absent(item.path(f)));
      if (!anyCondition) {
        problems.add(p + ": give at least one of onExitCode, onStopCode, onStatusReason, onReason");
      }
      if (problems.size() == before) {
        rules.add(new ExitRule(action, onExitCode, onStopCode, onStatusReason, onReason));
      }
    }
    return rules;
  }

  private RetryAction action(JsonValue node, String path) {
    if (absent(node)) {
      problems.add(path + ": required (RETRY or EXIT)");
      return null;
    }
    String value = text(node, path);
    if (value == null) {
      return null;
    }
    // AWS Batch takes the action in any case.
    for (RetryAction action : RetryAction.values()) {
      if (action.name().equalsIgnoreCase(value)) {
        return action;
      }
    }
    problems.add(path + ": " + quote(value) + " is not RETRY or EXIT");
    return null;
  }

  /**
   * A glob in which only a trailing {@code *} is special, made of the {@code allowed} characters.
   */
  private String glob(JsonValue node, String path, Pattern allowed, String what) {
    String glob = text(node, path);
    if (glob == null) {
      return null;
    }
    if (glob.length() > MAX_GLOB_LENGTH) {
      problems.add(
          path
              + ": "
              + glob.length()
              + " characters, at most "
              + MAX_GLOB_LENGTH
              + " (as in AWS Batch)");
      return null;
    }
    int star = glob.indexOf('*');
    if (star >= 0 && star < glob.length() - 1) {
      problems.add(
          path + ": " + quote(glob) + " has a * before its end; only a trailing * is a wildcard");
      return null;
    }
    if (!allowed.matcher(glob).matches()) {
      problems.add(
          path + ": " + quote(glob) + " may contain only " + what + ", optionally ending in *");
      return null;
    }
    return glob;
  }

  private void checkLaunchChoice(JsonValue node, String path) {
    if (node.has("launchType") && node.has("capacityProviderStrategy")) {
      problems.add(path + ": give launchType or capacityProviderStrategy, not both");
    }
  }

  private void checkEnvName(String name, String path) {
    if (!ENV_VAR_NAME.matcher(name).matches()) {
      problems.add(path + ": " + quote(name) + " is not a valid environment variable name");
      return;
    }
    String upper = name.toUpperCase(java.util.Locale.ROOT);
    boolean reserved =
        RESERVED_ENV_NAMES.contains(upper)
            || RESERVED_ENV_PREFIXES.stream().anyMatch(upper::startsWith);
    if (reserved) {
      problems.add(
          path
              + ": "
              + name
              + " is reserved (AWS_*, ECS_*, LD_*, JAVA_TOOL_OPTIONS, _JAVA_OPTIONS,"
              + " JDK_JAVA_OPTIONS, PATH, HOME)");
    }
  }

  private void claimEnv(Map<String, String> used, String name, String path) {
    String previous = used.putIfAbsent(name, path);
    if (previous != null) {
      problems.add(path + ": " + name + " is already set by " + previous);
    }
  }

  private void resolvePlaceholders(JsonValue node, String path) {
    if (node.isObject()) {
      JsonValue.JsonObject object = (JsonValue.JsonObject) node;
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String p = path.isEmpty() ? name : path + "." + name;
        JsonValue child = object.get(name);
        if (child.isTextual()) {
          object.set(name, JsonValue.string(substitute(child.textValue(), p)));
        } else {
          resolvePlaceholders(child, p);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonValue child = node.get(i);
        String p = path + "[" + i + "]";
        if (child.isTextual()) {
          ((JsonValue.JsonArray) node).set(i, JsonValue.string(substitute(child.textValue(), p)));
        } else {
          resolvePlaceholders(child, p);
        }
      }
    }
  }

  private String substitute(String value, String path) {
    Matcher m = PLACEHOLDER.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String replacement = environment.get(name);
      if (!ENV_VAR_NAME.matcher(name).matches()) {
        problems.add(path + ": ${" + name + "} is not a valid environment variable name");
        replacement = "";
      } else if (replacement == null) {
        problems.add(path + ": ${" + name + "} has no environment variable " + name + " set");
        replacement = "";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private void unknownFields(JsonValue node, String path, Set<String> allowed) {
    node.fieldNames()
        .forEachRemaining(
            name -> {
              if (!allowed.contains(name)) {
                problems.add(
                    (path.isEmpty() ? "" : path + ".")
                        + name
                        + ": unknown field (allowed: "
                        + sorted(allowed)
                        + ")");
              }
            });
  }

  private static boolean absent(JsonValue node) {
    return node.isMissingNode() || node.isNull();
  }

  private static JsonValue merged(JsonValue node, JsonValue defaults, String field) {
    return node.has(field) ? node.get(field) : defaults.path(field);
  }

  private String requiredText(JsonValue node, String path, String field) {
    String value = text(node.path(field), path + "." + field);
    if (value == null) {
      problems.add(path + "." + field + ": required");
    }
    return value;
  }

  private String text(JsonValue node, String path) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isTextual() || node.textValue().isBlank()) {
      problems.add(path + ": must be a non-empty string");
      return null;
    }
    return node.textValue();
  }

  private Boolean bool(JsonValue node, String path) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isBoolean()) {
      problems.add(path + ": must be true or false");
      return null;
    }
    return node.booleanValue();
  }

  private Integer boundedInt(JsonValue node, String path, int min, int max) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber()
        || !node.canConvertToInt()
        || node.intValue() < min
        || node.intValue() > max) {
      problems.add(path + ": must be a whole number from " + min + " to " + max);
      return null;
    }
    return node.intValue();
  }

  /** A list given as a JSON array or as a comma-separated string (what a placeholder gives). */
  private List<String> list(JsonValue node, String path) {
    List<String> items = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return items;
    }
    if (node.isTextual()) {
      for (String part : node.textValue().split(",")) {
        if (!part.isBlank()) {
          items.add(part.trim());
        }
      }
      return items;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String item = text(node.get(i), path + "[" + i + "]");
        if (item != null) {
          items.add(item.trim());
        }
      }
      return items;
    }
    problems.add(path + ": must be an array of strings or a comma-separated string");
    return items;
  }

  private Map<String, String> stringMap(JsonValue node, String path) {
    Map<String, String> map = new TreeMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return map;
    }
    if (!node.isObject()) {
      problems.add(path + ": must be an object of NAME to string value");
      return map;
    }
    node.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isTextual()) {
                map.put(e.getKey(), e.getValue().textValue());
              } else {
                problems.add(path + "." + e.getKey() + ": must be a string");
              }
            });
    return map;
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", new java.util.TreeSet<>(names));
  }

  private static String quote(String value) {
    return dev.batchrunner.core.text.SafeText.quote(value);
  }
}
