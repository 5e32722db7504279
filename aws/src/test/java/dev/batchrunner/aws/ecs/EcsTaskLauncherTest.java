package dev.batchrunner.aws.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.batchrunner.core.catalog.CapacityProviderItem;
import dev.batchrunner.core.catalog.Network;
import dev.batchrunner.core.catalog.Placement;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.request.TaskLaunch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AccessDeniedException;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.AwsVpcConfiguration;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.ServerException;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;

class EcsTaskLauncherTest {
  private static final String TOKEN = "a".repeat(64);
  private static final String CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/batch";
  private static final String TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/batch/abc";

  private EcsClient ecs;
  private EcsTaskLauncher launcher;

  @BeforeEach
  void setUp() {
    ecs = mock(EcsClient.class);
    launcher = new EcsTaskLauncher(ecs);
  }

  // --- toRequest -----------------------------------------------------------------------------

  @Test
  void toRequest_withLaunchTypeAndAwsvpc_mapsEveryField() {
    RunTaskRequest request = EcsTaskLauncher.toRequest(fargate());

    assertEquals(CLUSTER, request.cluster());
    assertEquals("daily-report:3", request.taskDefinition());
    assertEquals(LaunchType.FARGATE, request.launchType());
    assertFalse(request.hasCapacityProviderStrategy());
    assertEquals(1, request.count());
    assertEquals(TOKEN, request.clientToken());
    assertEquals("batch-runner", request.startedBy());
    assertEquals("1.4.0", request.platformVersion());
    assertEquals(
        List.of(
            Tag.builder().key("batch-runner:batch-type").value("daily-report").build(),
            Tag.builder().key("batch-runner:trace-id").value("trace-1").build()),
        request.tags());
    AwsVpcConfiguration vpc = request.networkConfiguration().awsvpcConfiguration();
    assertEquals(List.of("subnet-1", "subnet-2"), vpc.subnets());
    assertEquals(List.of("sg-1"), vpc.securityGroups());
    assertEquals(AssignPublicIp.DISABLED, vpc.assignPublicIp());
    assertEquals(1, request.overrides().containerOverrides().size());
    ContainerOverride container = request.overrides().containerOverrides().get(0);
    assertEquals("app", container.name());
    assertEquals(
        List.of(
            KeyValuePair.builder().name("TRACE_ID").value("trace-1").build(),
            KeyValuePair.builder().name("BATCH_TYPE_ID").value("daily-report").build(),
            KeyValuePair.builder().name("REPORT_DATE").value("2026-11-22").build()),
        container.environment());
    assertEquals(List.of("report", "--date", "2026-11-22"), container.command());
  }

  @Test
  void toRequest_withCapacityProviderStrategy_sendsNoLaunchType() {
    TaskLaunch launch =
        launch(
            null,
            List.of(
                new CapacityProviderItem("FARGATE_SPOT", 3, null),
                new CapacityProviderItem("FARGATE", 1, 1)),
            List.of("subnet-1"),
            List.of(),
            null,
            null);

    RunTaskRequest request = EcsTaskLauncher.toRequest(launch);

    assertNull(request.launchType());
    assertEquals(
        List.of(
            CapacityProviderStrategyItem.builder()
                .capacityProvider("FARGATE_SPOT")
                .weight(3)
                .build(),
            CapacityProviderStrategyItem.builder()
                .capacityProvider("FARGATE")
                .weight(1)
                .base(1)
                .build()),
        request.capacityProviderStrategy());
    AwsVpcConfiguration vpc = request.networkConfiguration().awsvpcConfiguration();
    assertEquals(List.of("subnet-1"), vpc.subnets());
    assertFalse(vpc.hasSecurityGroups());
    assertNull(vpc.assignPublicIp());
  }

  @Test
  void toRequest_withoutSubnetsOrCommand_sendsNoNetworkConfigurationOrCommand() {
    TaskLaunch launch = launch("EC2", List.of(), List.of(), List.of(), null, null);

    RunTaskRequest request = EcsTaskLauncher.toRequest(launch);

    assertEquals(LaunchType.EC2, request.launchType());
    assertNull(request.networkConfiguration());
    assertNull(request.platformVersion());
    assertFalse(request.overrides().containerOverrides().get(0).hasCommand());
  }

  @Test
  void toRequest_withAGuardContainer_givesItTheSameEnvironmentButNotTheCommand() {
    TaskLaunch plain = fargate();
    TaskLaunch guarded =
        new TaskLaunch(
            plain.batchTypeId(),
            plain.taskDefinition(),
            plain.placement(),
            plain.container(),
            plain.clientToken(),
            plain.tags(),
            "guard");

    var containers = EcsTaskLauncher.toRequest(guarded).overrides().containerOverrides();

    assertEquals(2, containers.size(), containers.toString());
    assertEquals("app", containers.get(0).name());
    assertEquals("guard", containers.get(1).name());
    assertEquals(containers.get(0).environment(), containers.get(1).environment());
    assertTrue(containers.get(0).hasCommand());
    assertFalse(containers.get(1).hasCommand(), "the guard keeps its own command");
    assertEquals(
        1, EcsTaskLauncher.toRequest(plain).overrides().containerOverrides().size(), "no guard");
    assertTrue(
        dev.batchrunner.core.request.TaskLaunchFactory.overridesLength(guarded)
            > dev.batchrunner.core.request.TaskLaunchFactory.overridesLength(plain),
        "the limit counts the guard's copy too");
  }

  // --- launch --------------------------------------------------------------------------------

  @Test
  void launch_whenEcsStartsTask_returnsItsArnAndSendsToRequest() {
    TaskLaunch launch = fargate();
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenReturn(
            RunTaskResponse.builder().tasks(Task.builder().taskArn(TASK_ARN).build()).build());

    LaunchResult result = launcher.launch(launch);

    assertEquals(List.of(TASK_ARN), result.taskArns());
    assertFalse(result.dryRun());
    verify(ecs).runTask(EcsTaskLauncher.toRequest(launch));
  }

  @Test
  void launch_whenFailureIsResourceShortage_throwsRetryable() {
    respondWithFailures("RESOURCE:MEMORY");

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("RESOURCE:MEMORY"), e.getMessage());
  }

  @Test
  void launch_whenFailureIsMissing_throwsNotRetryable() {
    respondWithFailures("MISSING");

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("MISSING"), e.getMessage());
  }

  @Test
  void launch_whenTransientAndPermanentFailuresMix_throwsNotRetryable() {
    respondWithFailures("RESOURCE:CPU", "MISSING");

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertFalse(e.retryable());
  }

  @Test
  void launch_whenNeitherTasksNorFailures_throwsRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class))).thenReturn(RunTaskResponse.builder().build());

    assertTrue(
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate())).retryable());
  }

  @Test
  void launch_whenClusterNotFound_throwsNotRetryable() {
    ClusterNotFoundException error =
        (ClusterNotFoundException)
            ClusterNotFoundException.builder()
                .statusCode(400)
                .awsErrorDetails(details("ClusterNotFoundException", "Cluster not found."))
                .build();
    when(ecs.runTask(any(RunTaskRequest.class))).thenThrow(error);

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertFalse(e.retryable());
    assertSame(error, e.getCause());
    assertTrue(
        e.getMessage().contains("ClusterNotFoundException (HTTP 400): Cluster not found."),
        e.getMessage());
  }

  @Test
  void launch_whenAccessDenied_throwsNotRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(
            AccessDeniedException.builder()
                .statusCode(400)
                .awsErrorDetails(details("AccessDeniedException", "not allowed"))
                .build());

    assertFalse(
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate())).retryable());
  }

  @Test
  void launch_whenThrottledWith400_throwsRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(
            EcsException.builder()
                .statusCode(400)
                .awsErrorDetails(details("ThrottlingException", "Rate exceeded"))
                .build());

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("ThrottlingException"), e.getMessage());
  }

  @Test
  void launch_whenServerException500_throwsRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(
            ServerException.builder()
                .statusCode(500)
                .awsErrorDetails(details("ServerException", "internal"))
                .build());

    assertTrue(
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate())).retryable());
  }

  @Test
  void launch_whenUnreachable_throwsRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(SdkClientException.create("connect timed out"));

    TaskLaunchException e =
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate()));

    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("connect timed out"), e.getMessage());
  }

  @Test
  void launch_whenConflictNamesFirstTask_returnsThoseArns() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(
            ConflictException.builder()
                .statusCode(400)
                .resourceIds(TASK_ARN)
                .awsErrorDetails(details("ConflictException", "clientToken already used"))
                .build());

    LaunchResult result = launcher.launch(fargate());

    assertEquals(List.of(TASK_ARN), result.taskArns());
    assertFalse(result.dryRun());
  }

  @Test
  void launch_whenConflictNamesNoTask_throwsNotRetryable() {
    when(ecs.runTask(any(RunTaskRequest.class)))
        .thenThrow(
            ConflictException.builder()
                .statusCode(400)
                .awsErrorDetails(details("ConflictException", "conflict"))
                .build());

    assertFalse(
        assertThrows(TaskLaunchException.class, () -> launcher.launch(fargate())).retryable());
  }

  // --- helpers -------------------------------------------------------------------------------

  private void respondWithFailures(String... reasons) {
    RunTaskResponse.Builder response = RunTaskResponse.builder();
    response.failures(
        java.util.Arrays.stream(reasons)
            .map(r -> Failure.builder().reason(r).arn(CLUSTER).build())
            .toList());
    when(ecs.runTask(any(RunTaskRequest.class))).thenReturn(response.build());
  }

  private static AwsErrorDetails details(String code, String message) {
    return AwsErrorDetails.builder().errorCode(code).errorMessage(message).build();
  }

  private static TaskLaunch fargate() {
    return launch(
        "FARGATE",
        List.of(),
        List.of("subnet-1", "subnet-2"),
        List.of("sg-1"),
        "DISABLED",
        "1.4.0",
        List.of("report", "--date", "2026-11-22"));
  }

  private static TaskLaunch launch(
      String launchType,
      List<CapacityProviderItem> strategy,
      List<String> subnets,
      List<String> securityGroups,
      String assignPublicIp,
      String platformVersion) {
    return launch(
        launchType, strategy, subnets, securityGroups, assignPublicIp, platformVersion, null);
  }

  private static TaskLaunch launch(
      String launchType,
      List<CapacityProviderItem> strategy,
      List<String> subnets,
      List<String> securityGroups,
      String assignPublicIp,
      String platformVersion,
      List<String> command) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TRACE_ID", "trace-1");
    env.put("BATCH_TYPE_ID", "daily-report");
    env.put("REPORT_DATE", "2026-11-22");
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("batch-runner:batch-type", "daily-report");
    tags.put("batch-runner:trace-id", "trace-1");
    return new TaskLaunch(
        "daily-report",
        "daily-report:3",
        new Placement(
            CLUSTER,
            launchType,
            strategy,
            new Network(subnets, securityGroups, assignPublicIp),
            platformVersion),
        new dev.batchrunner.core.request.ContainerOverride("app", env, command, java.util.Set.of()),
        TOKEN,
        tags);
  }
}
