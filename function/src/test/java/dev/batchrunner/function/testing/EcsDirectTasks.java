package dev.batchrunner.function.testing;

import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.testkit.EcsStub;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;

/**
 * The EcsDirect mode's side of a test, for the daily-report batch: the environment a rule's
 * InputTransformer writes, the RunTask its ECS target sends, and the guard's claim in the task.
 */
public final class EcsDirectTasks {
  /** {@code startedBy} of a task an EcsDirect rule started. */
  public static final String RULE = "events-rule/batch-runner-DailyReportRule-1QWERTY7ABCD";

  private EcsDirectTasks() {}

  /** What an EcsDirect rule's InputTransformer writes for a daily-report request. */
  public static Map<String, String> ruleEnvironment(
      String traceId, String eventId, String reportDate, String tenant) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("TRACE_ID", traceId);
    env.put("BATCH_RUNNER_EVENT_ID", eventId);
    env.put("BATCH_RUNNER_REQUEST_KEY", "");
    env.put("REPORT_DATE", reportDate);
    env.put("TENANT", tenant);
    env.put("OUTPUT_BUCKET", "acme-reports");
    return env;
  }

  /**
   * RunTask as the rule's ECS target sends it: {@code env} on the guard and on the app, whose
   * command carries the request's date and tenant. Returns the task's ARN.
   */
  public static String runTaskAsTheRule(EcsClient ecs, Map<String, String> env) {
    List<KeyValuePair> pairs =
        env.entrySet().stream()
            .map(e -> KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build())
            .toList();
    return ecs.runTask(
            b ->
                b.cluster(Fixtures.CATALOG_ENV.get("CLUSTER_ARN"))
                    .taskDefinition("daily-report")
                    .launchType("FARGATE")
                    .startedBy(RULE)
                    .overrides(
                        o ->
                            o.containerOverrides(
                                ContainerOverride.builder()
                                    .name("guard")
                                    .environment(pairs)
                                    .build(),
                                ContainerOverride.builder()
                                    .name("app")
                                    .command(
                                        "report",
                                        "--date",
                                        env.get("REPORT_DATE"),
                                        "--tenant",
                                        env.get("TENANT"))
                                    .environment(pairs)
                                    .build())))
        .tasks()
        .get(0)
        .taskArn();
  }

  /** The environment ECS gave the guard container of {@code task}. */
  public static Map<String, String> guardEnvironment(EcsStub ecs, String task) {
    return ecs.task(task).overrides().stream()
        .filter(o -> o.name().equals("guard"))
        .findFirst()
        .orElseThrow()
        .environment();
  }

  /**
   * The guard in {@code task} (the CLI's {@code guard}, assembled as it assembles it): claims the
   * request {@code env} names in {@code config}'s table.
   */
  public static DispatchOutcome claimAsTheGuard(
      FunctionConfig config,
      String task,
      Map<String, String> env,
      FunctionFactory.Options.Builder options) {
    FunctionFactory.Assembly guard = FunctionFactory.guard(config, task, options);
    return guard
        .dispatcher()
        .dispatch(
            EnvironmentRequest.resolve(
                new RequestResolver(guard.catalog()), env, () -> "guard-trace"),
            Duration.ofSeconds(30));
  }
}
