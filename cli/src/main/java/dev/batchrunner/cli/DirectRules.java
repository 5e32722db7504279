package dev.batchrunner.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.CapacityProviderItem;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.catalog.ContainerTemplate;
import dev.batchrunner.core.catalog.Network;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.Placement;
import dev.batchrunner.core.catalog.TaskEnvironment;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.text.SafeText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code EcsDirect} intake mode's CloudFormation template, from the catalog: one {@code
 * AWS::Events::Rule} per enabled batch type, whose event pattern checks what EventBridge can of the
 * catalog's rules and whose ECS target starts the batch's task with the request in its container
 * environment, for the {@code guard} to check and claim. Its Parameters and Outputs are the nested
 * stack interface {@code template.yaml} includes it with; everything EventBridge cannot do as the
 * function does is listed in the template's header comment, from {@link EcsDirectDifference}.
 *
 * <p>The catalog's {@code ${NAME}} placeholders are not filled from any environment: each becomes a
 * template parameter (CamelCase of NAME), so the output depends on the catalog alone. Output is
 * deterministic: batch types, parameters and variables in sorted order.
 */
final class DirectRules {
  /** The detail-type the monolith's requests carry (template.yaml's rule matches it too). */
  static final String DETAIL_TYPE = "Batch Requested";

  /** The envelope id, for the guard's trace id default (ecsdirect contract). */
  static final String ENV_EVENT_ID = TaskEnvironment.EVENT_ID;

  /** The request's explicit idempotencyKey, for the guard (ecsdirect contract). */
  static final String ENV_REQUEST_KEY = TaskEnvironment.REQUEST_KEY;

  /** The nested stack's parameters besides the placeholders (ecsdirect contract). */
  static final String EVENT_BUS_NAME = "EventBusName";

  static final String MONOLITH_SOURCE = "MonolithSource";
  static final String EVENTS_ROLE_ARN = "EventsRoleArn";
  static final String DEAD_LETTER_QUEUE_ARN = "DeadLetterQueueArn";
  static final String RULE_ARNS = "RuleArns";

  /** The InputPathsMap variables every rule has. */
  static final String VAR_EVENT_ID = "eventId";

  static final String VAR_REQUEST_KEY = "requestKey";
  static final String VAR_TRACE_ID = "traceId";

  /** The target's id in each rule. */
  static final String TARGET_ID = "EcsTask";

  /** Retries as template.yaml's BatchRequestedRule does them: 8 attempts over at most a day. */
  static final int MAX_RETRY_ATTEMPTS = 8;

  static final int MAX_EVENT_AGE_SECONDS = 86_400;

  /**
   * What no value carried into the overrides may contain: EventBridge inserts values unescaped, so
   * a quote or backslash could rewrite the JSON around it, and the guard reads "" as not given.
   * Wildcards in Ruler's syntax: {@code \\} is one backslash.
   */
  static final List<String> UNSAFE_TEXT = List.of("", "*\"*", "*\\\\*");

  /** The one command that regenerates the committed file, for the header and the stale test. */
  static final String REGENERATE =
      "./batch-runner generate direct-rules --catalog function/src/main/resources/batches.json"
          + " --output direct-rules.yaml";

  // A placeholder stands in the loaded catalog as NAME between two private-use characters: no
  // catalog text has them, and the loader's trimming and checks leave them alone.
  private static final String SENTINEL_START = "\uE000";
  private static final String SENTINEL_END = "\uE001";
  private static final Pattern SENTINEL = Pattern.compile("\uE000([A-Za-z0-9_]+)\uE001");
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,14})");
  private static final String REGEX_META = ".[]{}()*+?^$|";
  private static final int COMMENT_WIDTH = 100;
  private static final JsonStringEncoder JSON_TEXT = JsonStringEncoder.getInstance();

  private final BatchCatalog catalog;
  private final List<String> placeholderNames;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> listPlaceholders = new TreeSet<>();
  private final Set<String> templatePlaceholders = new TreeSet<>();
  private final Set<String> arnPlaceholders = new TreeSet<>();
  private final List<RuleSummary> summaries = new ArrayList<>();

  private DirectRules(BatchCatalog catalog, List<String> placeholderNames) {
    this.catalog = catalog;
    this.placeholderNames = placeholderNames;
  }

  /** The catalog could not be turned into rules; every reason is listed. */
  static final class Unsupported extends RuntimeException {
    private final List<String> problems;

    Unsupported(String source, List<String> problems) {
      super(
          "cannot generate the EcsDirect rules from "
              + source
              + " ("
              + problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + "):\n  - "
              + String.join("\n  - ", problems),
          null,
          false,
          false);
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }

  /**
   * One thing a rule does differently from the function, for one subject.
   *
   * @param subject what it is about, e.g. {@code tenant: [A-Za-z0-9_-]+}; empty for the batch
   */
  record Gap(EcsDirectDifference difference, String subject) {}

  /**
   * One generated rule, as the header describes it.
   *
   * @param logicalId the rule's logical id in the template
   * @param checked what its pattern checks, for people
   * @param gaps the differences particular to this batch type (the global ones apply to all)
   */
  record RuleSummary(
      String logicalId, BatchDefinition batch, List<String> checked, List<Gap> gaps) {}

  /**
   * The template for a catalog document.
   *
   * @param source where the document came from, for messages
   * @throws CatalogException when the catalog is invalid (every problem, placeholders shown as
   *     {@code ${NAME}})
   * @throws Unsupported when a valid catalog has something the rules cannot carry
   */
  static Generated generate(String source, byte[] document) {
    List<String> names = CatalogCheck.placeholderNames(document);
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : names) {
      env.put(name, SENTINEL_START + name + SENTINEL_END);
    }
    BatchCatalog catalog;
    try {
      catalog = CatalogLoader.parse(source, document, env);
    } catch (CatalogException e) {
      throw new CatalogException(source, e.problems().stream().map(DirectRules::shown).toList());
    }
    DirectRules rules = new DirectRules(catalog, names);
    String yaml = rules.render();
    if (!rules.problems.isEmpty()) {
      throw new Unsupported(source, rules.problems);
    }
    return new Generated(yaml, List.copyOf(rules.summaries));
  }

  /**
   * The generated template.
   *
   * @param yaml the template text
   * @param rules each rule, in batch type order
   */
  record Generated(String yaml, List<RuleSummary> rules) {}

  /** The CloudFormation parameter a placeholder becomes: CLUSTER_ARN is ClusterArn. */
  static String parameterName(String placeholder) {
    StringBuilder name = new StringBuilder();
    for (String part : placeholder.split("_")) {
      if (!part.isEmpty()) {
        name.append(Character.toUpperCase(part.charAt(0)))
            .append(part.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return name.length() == 0 || !Character.isLetter(name.charAt(0)) ? "P" + name : name.toString();
  }

  // --- the template -----------------------------------------------------------------------------

  private String render() {
    List<BatchDefinition> batches = new ArrayList<>();
    for (String id : new TreeSet<>(catalog.batchTypeIds())) {
      catalog.find(id).filter(BatchDefinition::enabled).ifPresent(batches::add);
    }
    if (batches.isEmpty()) {
      problems.add("no enabled batch type: the template would have no rule");
    }
    Map<String, Object> resources = new LinkedHashMap<>();
    Set<String> logicalIds = new LinkedHashSet<>();
    for (BatchDefinition batch : batches) {
      String logicalId = unique(logicalId(batch.id()), logicalIds);
      List<String> checked = new ArrayList<>();
      List<Gap> gaps = new ArrayList<>();
      Map<String, Object> properties = new LinkedHashMap<>();
      properties.put(
          "Description", "batch-runner EcsDirect: " + batch.id() + " requests start its ECS task");
      properties.put("EventBusName", new Cfn.Ref(EVENT_BUS_NAME));
      properties.put("State", "ENABLED");
      properties.put("EventPattern", pattern(batch, checked, gaps));
      properties.put("Targets", List.of(target(batch, gaps)));
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("Type", "AWS::Events::Rule");
      rule.put("Properties", properties);
      resources.put(logicalId, rule);
      summaries.add(new RuleSummary(logicalId, batch, checked, gaps));
    }

    Map<String, Object> template = new LinkedHashMap<>();
    template.put("AWSTemplateFormatVersion", "2010-09-09");
    template.put(
        "Description",
        "batch-runner EcsDirect intake (generated from the batch catalog): one EventBridge rule"
            + " per enabled batch type, each starting that batch's ECS task with the request in"
            + " its environment, for the guard to check and claim before the app runs.");
    template.put("Parameters", parameters());
    template.put("Resources", resources);
    List<Object> arns = new ArrayList<>();
    logicalIds.forEach(id -> arns.add(new Cfn.GetAtt(id, "Arn")));
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("Description", "The generated rules' ARNs, comma-joined, in batch type order.");
    output.put("Value", new Cfn.Join(",", arns));
    template.put("Outputs", Map.of(RULE_ARNS, output));
    return header(summaries) + DirectRulesYaml.write(template);
  }

  private Map<String, Object> parameters() {
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put(
        EVENT_BUS_NAME,
        parameter("The event bus the rules listen on (the stack's batch requests bus).", false));
    parameters.put(
        MONOLITH_SOURCE,
        parameter(
            "The \"source\" of the monolith's PutEvents entries, which the rules match.", false));
    parameters.put(
        EVENTS_ROLE_ARN,
        parameter(
            "The role EventBridge assumes to call ecs:RunTask (and iam:PassRole for the tasks'"
                + " roles) for each rule's target.",
            false));
    parameters.put(
        DEAD_LETTER_QUEUE_ARN,
        parameter(
            "The SQS queue each target sends the events it could not deliver to, after its retries.",
            false));
    for (String name : placeholderNames) {
      StringBuilder description =
          new StringBuilder("Value of the catalog's ${").append(name).append("}");
      if (listPlaceholders.contains(name)) {
        description.append(", a list: comma-joined, without spaces");
      }
      if (arnPlaceholders.contains(name)) {
        description.append("; the cluster's ARN (an ECS target is addressed by ARN)");
      }
      if (templatePlaceholders.contains(name)) {
        description.append(
            "; it goes into the tasks' overrides JSON, so no double quote, backslash, < or >");
      }
      description.append('.');
      parameters.put(
          parameterName(name),
          parameter(description.toString(), templatePlaceholders.contains(name)));
    }
    return parameters;
  }

  private static Map<String, Object> parameter(String description, boolean overridesSafe) {
    Map<String, Object> parameter = new LinkedHashMap<>();
    parameter.put("Type", "String");
    parameter.put("Description", description);
    if (overridesSafe) {
      parameter.put("AllowedPattern", "^[^\"\\\\<>]*$");
      parameter.put(
          "ConstraintDescription", "no double quote, backslash, < or > (it is inserted into JSON)");
    }
    return parameter;
  }

  // --- the event pattern ------------------------------------------------------------------------

  private Map<String, Object> pattern(BatchDefinition batch, List<String> checked, List<Gap> gaps) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("batchTypeId", List.of(batch.id()));
    checked.add("batchTypeId is " + batch.id());
    List<String> safe = new ArrayList<>(List.of("traceId", "idempotencyKey"));
    detail.put("traceId", optionalSafeText());
    detail.put("idempotencyKey", optionalSafeText());
    if (!batch.parameters().isEmpty()) {
      Map<String, Object> parameters = new LinkedHashMap<>();
      for (ParameterSpec spec : batch.parameters().values()) {
        parameters.put(spec.name(), parameterPattern(batch, spec, checked, gaps, safe));
      }
      detail.put("parameters", parameters);
    }
    checked.add("no double quote, backslash or empty string in " + String.join(", ", safe));
    Map<String, Object> pattern = new LinkedHashMap<>();
    pattern.put("source", List.of(new Cfn.Ref(MONOLITH_SOURCE)));
    pattern.put("detail-type", List.of(DETAIL_TYPE));
    pattern.put("detail", detail);
    return pattern;
  }

  private static List<Object> optionalSafeText() {
    return List.of(Map.of("exists", false), safeText());
  }

  private static Map<String, Object> safeText() {
    return Map.of("anything-but", Map.of("wildcard", UNSAFE_TEXT));
  }

  private List<Object> parameterPattern(
      BatchDefinition batch,
      ParameterSpec spec,
      List<String> checked,
      List<Gap> gaps,
      List<String> safe) {
    String name = spec.name();
    if (SENTINEL.matcher(spec.pattern() == null ? "" : spec.pattern().pattern()).find()
        || (spec.defaultValue() != null && SENTINEL.matcher(spec.defaultValue()).find())) {
      problems.add(
          "batches."
              + batch.id()
              + ".parameters."
              + name
              + ": a ${NAME} placeholder in its pattern"
              + " or default cannot be carried into the generated template");
    }
    List<Object> matchers = new ArrayList<>();
    Optional<List<String>> literals = literals(spec);
    if (literals.isPresent()) {
      List<String> values = literals.get();
      if (values.isEmpty() && spec.required()) {
        problems.add(
            "batches."
                + batch.id()
                + ".parameters."
                + name
                + ": its pattern admits no value the"
                + " rules can carry (each has a quote or a backslash, is empty, or is over its"
                + " maxLength)");
      }
      if (!spec.required()) {
        matchers.add(Map.of("exists", false));
        matchers.add(null);
      }
      for (String value : values) {
        matchers.add(value);
      }
      // The function reads a JSON number or boolean as its text: 2 and true are "2" and "true".
      for (String value : values) {
        if (INTEGER.matcher(value).matches()) {
          matchers.add(Long.parseLong(value));
        } else if (value.equals("true") || value.equals("false")) {
          matchers.add(Boolean.parseBoolean(value));
        }
      }
      checked.add(
          name
              + " is one of "
              + String.join(", ", values)
              + (spec.required() ? "" : ", or absent"));
    } else {
      if (!spec.required()) {
        matchers.add(Map.of("exists", false));
      }
      matchers.add(safeText());
      checked.add(name + (spec.required() ? " given" : " given or absent"));
      safe.add(name);
      if (spec.pattern() != null) {
        gaps.add(
            new Gap(
                EcsDirectDifference.PATTERN, name + ": " + printable(spec.pattern().pattern())));
      }
      if (spec.maxLength() != null) {
        gaps.add(new Gap(EcsDirectDifference.MAX_LENGTH, name + ": " + spec.maxLength()));
      }
    }
    if (!spec.required()) {
      String fallback =
          spec.defaultValue() == null
              ? "no default: the function sets no variable"
              : "default "
                  + (spec.sensitive() ? SafeText.MASK : SafeText.quote(spec.defaultValue()));
      gaps.add(
          new Gap(EcsDirectDifference.DEFAULTS, name + " (" + spec.env() + ", " + fallback + ")"));
    }
    return matchers;
  }

  /**
   * The values a plain alternation of literals admits ({@code csv|parquet}, optionally in one
   * group), less those the rules cannot carry (a quote or backslash, the empty string) and those
   * over the maxLength; empty when the pattern is anything else.
   */
  static Optional<List<String>> literals(ParameterSpec spec) {
    if (spec.pattern() == null) {
      return Optional.empty();
    }
    String regex = spec.pattern().pattern();
    if (regex.startsWith("(?:")
        && regex.endsWith(")")
        && balanced(regex.substring(3, regex.length() - 1))) {
      regex = regex.substring(3, regex.length() - 1);
    } else if (regex.startsWith("(")
        && !regex.startsWith("(?")
        && regex.endsWith(")")
        && balanced(regex.substring(1, regex.length() - 1))) {
      regex = regex.substring(1, regex.length() - 1);
    }
    List<String> alternatives = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        if (i + 1 >= regex.length()) {
          return Optional.empty();
        }
        char next = regex.charAt(++i);
        if (Character.isLetterOrDigit(next)) {
          return Optional.empty(); // \d, \w, \n, \1 ...: a class or a special, not a literal
        }
        current.append(next);
      } else if (c == '|') {
        alternatives.add(current.toString());
        current.setLength(0);
      } else if (REGEX_META.indexOf(c) >= 0) {
        return Optional.empty();
      } else {
        current.append(c);
      }
    }
    alternatives.add(current.toString());
    Set<String> values = new LinkedHashSet<>();
    for (String value : alternatives) {
      if (!spec.pattern().matcher(value).matches()) {
        return Optional.empty(); // not what it looked like: leave it to the guard
      }
      boolean carried = !value.isEmpty() && value.indexOf('"') < 0 && value.indexOf('\\') < 0;
      boolean fits = spec.maxLength() == null || value.length() <= spec.maxLength();
      if (carried && fits) {
        values.add(value);
      }
    }
    return Optional.of(List.copyOf(values));
  }

  private static boolean balanced(String regex) {
    int depth = 0;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth < 0) {
        return false;
      }
    }
    return depth == 0;
  }

  // --- the ECS target
  // -----------------------------------------------------------------------------

  private Map<String, Object> target(BatchDefinition batch, List<Gap> gaps) {
    Placement placement = batch.placement();
    String where = "batches." + batch.id();
    Map<String, Object> ecs = new LinkedHashMap<>();
    ecs.put("TaskDefinitionArn", taskDefinitionArn(batch.taskDefinition()));
    ecs.put("TaskCount", 1);
    if (placement.launchType() != null) {
      ecs.put("LaunchType", placement.launchType());
    }
    if (!placement.capacityProviderStrategy().isEmpty()) {
      List<Object> strategy = new ArrayList<>();
      for (CapacityProviderItem item : placement.capacityProviderStrategy()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("CapacityProvider", cfnText(item.capacityProvider()));
        if (item.weight() != null) {
          entry.put("Weight", item.weight());
        }
        if (item.base() != null) {
          entry.put("Base", item.base());
        }
        strategy.add(entry);
      }
      ecs.put("CapacityProviderStrategy", strategy);
    }
    Network network = placement.network();
    if (!network.subnets().isEmpty()) {
      Map<String, Object> vpc = new LinkedHashMap<>();
      vpc.put("Subnets", cfnList(network.subnets()));
      if (!network.securityGroups().isEmpty()) {
        vpc.put("SecurityGroups", cfnList(network.securityGroups()));
      }
      if (network.assignPublicIp() != null) {
        vpc.put("AssignPublicIp", network.assignPublicIp());
      }
      ecs.put("NetworkConfiguration", Map.of("AwsVpcConfiguration", vpc));
    }
    if (placement.platformVersion() != null) {
      ecs.put("PlatformVersion", cfnText(placement.platformVersion()));
    }
    ecs.put("PropagateTags", "TASK_DEFINITION");
    ecs.put("EnableECSManagedTags", true);
    Map<String, Object> tag = new LinkedHashMap<>();
    tag.put("Key", TaskLaunchFactory.TAG_BATCH_TYPE);
    tag.put("Value", batch.id());
    ecs.put("TagList", List.of(tag));

    Map<String, Object> target = new LinkedHashMap<>();
    target.put("Id", TARGET_ID);
    target.put("Arn", clusterArn(placement.cluster()));
    target.put("RoleArn", new Cfn.Ref(EVENTS_ROLE_ARN));
    target.put("EcsParameters", ecs);
    Map<String, Object> retry = new LinkedHashMap<>();
    retry.put("MaximumRetryAttempts", MAX_RETRY_ATTEMPTS);
    retry.put("MaximumEventAgeInSeconds", MAX_EVENT_AGE_SECONDS);
    target.put("RetryPolicy", retry);
    target.put("DeadLetterConfig", Map.of("Arn", new Cfn.Ref(DEAD_LETTER_QUEUE_ARN)));
    target.put("InputTransformer", transformer(batch, where, gaps));
    return target;
  }

  private Object taskDefinitionArn(String taskDefinition) {
    if (taskDefinition.startsWith("arn:")) {
      return cfnText(taskDefinition);
    }
    // A family alone is an ARN without revision: RunTask takes the latest ACTIVE revision, as it
    // does for the function's RunTask with the family.
    return new Cfn.Sub(
        "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/"
            + sub(taskDefinition, s -> s, null));
  }

  private Object clusterArn(String cluster) {
    Matcher whole = SENTINEL.matcher(cluster);
    if (whole.matches()) {
      arnPlaceholders.add(whole.group(1));
      return cfnText(cluster);
    }
    if (cluster.startsWith("arn:")) {
      return cfnText(cluster);
    }
    return new Cfn.Sub(
        "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/"
            + sub(cluster, s -> s, null));
  }

  /** A list field: a plain list, or the comma-joined placeholder(s) split. */
  private Object cfnList(List<String> items) {
    String joined = String.join(",", items);
    if (!SENTINEL.matcher(joined).find()) {
      return List.copyOf(items);
    }
    Matcher m = SENTINEL.matcher(joined);
    while (m.find()) {
      listPlaceholders.add(m.group(1));
    }
    return new Cfn.Split(",", cfnText(joined));
  }

  /** A string that may hold placeholders: itself, a Ref, or a Sub. */
  private Object cfnText(String value) {
    Matcher whole = SENTINEL.matcher(value);
    if (whole.matches()) {
      return new Cfn.Ref(parameterName(whole.group(1)));
    }
    if (!SENTINEL.matcher(value).find()) {
      return value;
    }
    return new Cfn.Sub(sub(value, s -> s, null));
  }

  /**
   * {@code value} as Fn::Sub text: each literal run escaped by {@code escape} and for Sub ({@code
   * ${} as {@code ${!}), each placeholder as {@code ${Parameter}} (recorded in {@code used}).
   */
  private static String sub(
      String value, java.util.function.UnaryOperator<String> escape, Set<String> used) {
    StringBuilder out = new StringBuilder();
    Matcher m = SENTINEL.matcher(value);
    int last = 0;
    while (m.find()) {
      out.append(escape.apply(value.substring(last, m.start())).replace("${", "${!"));
      out.append("${").append(parameterName(m.group(1))).append('}');
      if (used != null) {
        used.add(m.group(1));
      }
      last = m.end();
    }
    out.append(escape.apply(value.substring(last)).replace("${", "${!"));
    return out.toString();
  }

  // --- the input transformer: the RunTask overrides
  // ------------------------------------------------

  private Map<String, Object> transformer(BatchDefinition batch, String where, List<Gap> gaps) {
    ContainerTemplate container = batch.container();
    Map<String, String> paths = new TreeMap<>();
    paths.put(VAR_EVENT_ID, "$.id");
    paths.put(VAR_REQUEST_KEY, "$.detail.idempotencyKey");
    paths.put(VAR_TRACE_ID, "$.detail.traceId");
    Map<String, String> variables = new LinkedHashMap<>();
    Set<String> taken = new TreeSet<>(paths.keySet());
    for (ParameterSpec spec : batch.parameters().values()) {
      String variable = unique("p" + capitalized(spec.name().replace("_", "")), taken);
      variables.put(spec.name(), variable);
      paths.put(variable, "$.detail.parameters." + spec.name());
    }
    if (paths.size() > MAX_VARIABLES) {
      problems.add(
          where
              + ".parameters: "
              + batch.parameters().size()
              + " parameters need "
              + paths.size()
              + " InputPathsMap variables, EventBridge allows "
              + MAX_VARIABLES);
    }

    // The environment, in the order the function sends it, the guard's two after BATCH_TYPE_ID.
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put(container.traceIdEnv(), placeholder(VAR_TRACE_ID));
    environment.put(TaskEnvironment.BATCH_TYPE_ID, literal(batch.id(), where + ".batchTypeId"));
    environment.put(ENV_EVENT_ID, placeholder(VAR_EVENT_ID));
    environment.put(ENV_REQUEST_KEY, placeholder(VAR_REQUEST_KEY));
    container
        .environment()
        .forEach(
            (name, value) -> environment.put(name, literal(value, where + ".environment." + name)));
    for (ParameterSpec spec : batch.parameters().values()) {
      environment.put(spec.env(), placeholder(variables.get(spec.name())));
    }
    List<String> command = null;
    if (container.command() != null) {
      command = new ArrayList<>();
      for (int i = 0; i < container.command().size(); i++) {
        command.add(commandElement(batch, container.command().get(i), i, variables, gaps));
      }
    }

    StringBuilder json = new StringBuilder("{\n  \"containerOverrides\": [\n");
    json.append(
        containerOverride(container.name(), where + ".containerName", environment, command));
    if (container.guardContainer() != null) {
      json.append(",\n")
          .append(
              containerOverride(
                  container.guardContainer(), where + ".guardContainer", environment, null));
    }
    json.append("\n  ]\n}");
    String text = json.toString();
    if (text.length() > MAX_TEMPLATE_LENGTH) {
      problems.add(
          where
              + ": the InputTemplate would be "
              + text.length()
              + " characters, EventBridge"
              + " allows "
              + MAX_TEMPLATE_LENGTH);
    }
    Map<String, Object> transformer = new LinkedHashMap<>();
    transformer.put("InputPathsMap", paths);
    transformer.put(
        "InputTemplate",
        text.contains("${") ? new Cfn.Block("!Sub", text) : new Cfn.Block(null, text));
    return transformer;
  }

  /** InputPathsMap's limit (EventBridge API reference, InputTransformer). */
  static final int MAX_VARIABLES = 100;

  /** InputTemplate's limit (EventBridge API reference, InputTransformer). */
  static final int MAX_TEMPLATE_LENGTH = 8192;

  private String containerOverride(
      String name, String where, Map<String, String> environment, List<String> command) {
    StringBuilder json = new StringBuilder("    {\n");
    json.append("      \"name\": \"").append(literal(name, where)).append("\",\n");
    json.append("      \"environment\": [\n");
    List<String> entries = new ArrayList<>();
    environment.forEach(
        (variable, value) ->
            entries.add("        {\"name\": \"" + variable + "\", \"value\": \"" + value + "\"}"));
    json.append(String.join(",\n", entries)).append("\n      ]");
    if (command != null) {
      json.append(",\n      \"command\": [");
      List<String> argv = new ArrayList<>();
      command.forEach(element -> argv.add("\"" + element + "\""));
      json.append(String.join(", ", argv)).append(']');
    }
    json.append("\n    }");
    return json.toString();
  }

  private String commandElement(
      BatchDefinition batch,
      String element,
      int index,
      Map<String, String> variables,
      List<Gap> gaps) {
    String where = "batches." + batch.id() + ".command[" + index + "]";
    Matcher m = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(element);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(literal(element.substring(last, m.start()), where));
      ParameterSpec spec = batch.parameters().get(m.group(1));
      out.append(placeholder(variables.get(spec.name())));
      if (!spec.required()) {
        gaps.add(
            new Gap(
                EcsDirectDifference.COMMAND_DEFAULT,
                "{" + spec.name() + "} in command[" + index + "]"));
      }
      last = m.end();
    }
    out.append(literal(element.substring(last), where));
    return out.toString();
  }

  private static String placeholder(String variable) {
    return "<" + variable + ">";
  }

  /**
   * A constant of the overrides: JSON-escaped, placeholders as {@code ${Parameter}}; a {@code <} or
   * {@code >} is refused, since EventBridge would read {@code <name>} as a variable and cannot
   * escape it.
   */
  private String literal(String value, String where) {
    String shownValue = shown(value);
    if (value.indexOf('<') >= 0 || value.indexOf('>') >= 0) {
      problems.add(
          where
              + ": "
              + SafeText.quote(shownValue)
              + " has < or >, which an EventBridge"
              + " InputTemplate cannot carry (<name> is a variable there, and cannot be escaped)");
    }
    return sub(value, s -> new String(JSON_TEXT.quoteAsString(s)), templatePlaceholders);
  }

  // --- the header comment
  // --------------------------------------------------------------------------

  private static String header(List<RuleSummary> rules) {
    List<String> lines = new ArrayList<>();
    lines.add("batch-runner EcsDirect rules. GENERATED from the batch catalog: do not edit.");
    lines.add("After a catalog change, regenerate with:");
    lines.add("  " + REGENERATE);
    wrap(
        lines,
        "",
        "(with your own catalog, give --catalog FILE; without it: $BATCH_CATALOG, else the shipped"
            + " batches.json). A test fails while the committed direct-rules.yaml is stale.");
    lines.add("");
    wrap(
        lines,
        "",
        "One AWS::Events::Rule per enabled batch type. Its pattern: source = MonolithSource,"
            + " detail-type \""
            + DETAIL_TYPE
            + "\", detail.batchTypeId = the type, and what else"
            + " of the catalog EventBridge can check exactly (required parameters present,"
            + " enumerations such as csv|parquet) or more strictly (no quote, backslash or empty"
            + " string in any value the overrides carry). Numeric ranges: the catalog expresses"
            + " none (a pattern such as \\d{1,4} is a text rule), so none is encoded. Its target"
            + " runs the batch's task definition with, on containerName (and guardContainer when"
            + " the catalog names one), BATCH_TYPE_ID, the trace id variable, "
            + ENV_EVENT_ID
            + ", "
            + ENV_REQUEST_KEY
            + ", the catalog's environment and each declared parameter"
            + " under its env name, and the catalog's command; the guard then checks the request"
            + " and claims its record with the function's key before the app runs.");
    lines.add("");
    lines.add("Differences from the function (IntakeMode Direct, Queue, FifoQueue):");
    for (EcsDirectDifference.Kind kind : EcsDirectDifference.Kind.values()) {
      lines.add("  " + kind.heading() + ":");
      for (EcsDirectDifference difference : EcsDirectDifference.values()) {
        if (difference.kind() == kind) {
          wrap(lines, "    [" + difference.label() + "] ", difference.text());
        }
      }
    }
    lines.add("");
    lines.add("Per batch type (the differences above that apply to one parameter):");
    for (RuleSummary rule : rules) {
      BatchDefinition batch = rule.batch();
      wrap(
          lines,
          "  ",
          batch.id()
              + ": rule "
              + rule.logicalId()
              + ", task definition "
              + shown(batch.taskDefinition())
              + ", container "
              + batch.container().name()
              + (batch.container().guardContainer() == null
                  ? " (guard as its entrypoint wrapper)"
                  : ", guard container " + batch.container().guardContainer()),
          "      ");
      wrap(lines, "    checked: ", String.join("; ", rule.checked()));
      Map<EcsDirectDifference, List<String>> byDifference = new TreeMap<>();
      for (Gap gap : rule.gaps()) {
        byDifference.computeIfAbsent(gap.difference(), d -> new ArrayList<>()).add(gap.subject());
      }
      byDifference.forEach(
          (difference, subjects) ->
              wrap(lines, "    [" + difference.label() + "] ", String.join("; ", subjects)));
    }
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      text.append(line.isEmpty() ? "#" : ("# " + line).stripTrailing()).append('\n');
    }
    return text.append('\n').toString();
  }

  /** {@code text} as lines of at most the comment width, the first after {@code prefix}. */
  private static void wrap(List<String> lines, String prefix, String text) {
    wrap(lines, prefix, text, " ".repeat(prefix.length()));
  }

  /** {@link #wrap(List, String, String)} with the following lines after {@code indent}. */
  private static void wrap(List<String> lines, String prefix, String text, String indent) {
    StringBuilder line = new StringBuilder(prefix);
    boolean empty = true;
    for (String word : text.split(" ")) {
      if (!empty && line.length() + 1 + word.length() > COMMENT_WIDTH - 2) {
        lines.add(line.toString());
        line = new StringBuilder(indent);
        empty = true;
      }
      if (!empty) {
        line.append(' ');
      }
      line.append(word);
      empty = false;
    }
    lines.add(line.toString());
  }

  // --- names and text
  // ------------------------------------------------------------------------------

  /** DailyReportRule for daily-report. */
  private static String logicalId(String batchTypeId) {
    StringBuilder id = new StringBuilder();
    for (String part : batchTypeId.split("[._-]+")) {
      id.append(capitalized(part));
    }
    String name = id.toString();
    return (name.isEmpty() || !Character.isLetter(name.charAt(0)) ? "Batch" + name : name) + "Rule";
  }

  private static String capitalized(String part) {
    return part.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1);
  }

  private static String unique(String name, Set<String> taken) {
    String candidate = name;
    for (int n = 2; !taken.add(candidate); n++) {
      candidate = name + n;
    }
    return candidate;
  }

  /** Text with the loader's placeholder sentinels shown as {@code ${NAME}} again. */
  static String shown(String text) {
    return SENTINEL
        .matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement("${" + m.group(1) + "}"));
  }

  /** A regex for a one-line comment: control characters escaped. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }

  /** CloudFormation's intrinsic functions, as the YAML writer prints them. */
  sealed interface Cfn {
    record Ref(String name) implements Cfn {}

    record Sub(String text) implements Cfn {}

    record Split(String delimiter, Object value) implements Cfn {}

    record Join(String delimiter, List<Object> values) implements Cfn {}

    record GetAtt(String resource, String attribute) implements Cfn {}

    /** A multi-line string as a YAML literal block, with an optional tag ({@code !Sub}). */
    record Block(String tag, String text) implements Cfn {}
  }
}
