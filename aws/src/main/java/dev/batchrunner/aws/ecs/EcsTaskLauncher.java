package dev.batchrunner.aws.ecs;

import dev.batchrunner.core.catalog.CapacityProviderItem;
import dev.batchrunner.core.catalog.Network;
import dev.batchrunner.core.catalog.Placement;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLaunchException;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.TaskLaunch;
import java.util.List;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AwsVpcConfiguration;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.NetworkConfiguration;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskOverride;

/** Starts tasks with ECS RunTask and sorts ECS's answers into started, transient and permanent. */
public final class EcsTaskLauncher implements TaskLauncher {
  /**
   * The IAM actions this adapter's calls need: RunTask itself, TagResource for the tags it sets
   * (authorised per RunTask), PassRole for the task definitions' task and execution roles. The
   * template's policy must allow exactly these (TemplateContractTest).
   */
  public static final List<String> IAM_ACTIONS =
      List.of("ecs:RunTask", "ecs:TagResource", "iam:PassRole");

  private final EcsClient ecs;

  public EcsTaskLauncher(EcsClient ecs) {
    this.ecs = ecs;
  }

  @Override
  public LaunchResult launch(TaskLaunch launch) {
    RunTaskResponse response;
    try {
      response = ecs.runTask(toRequest(launch));
    } catch (ConflictException e) {
      // Same clientToken, different parameters: ECS names the task it started the first time.
      if (e.hasResourceIds() && !e.resourceIds().isEmpty()) {
        return new LaunchResult(e.resourceIds(), false);
      }
      throw new TaskLaunchException(describe(e), false, e);
    } catch (EcsException e) {
      throw new TaskLaunchException(describe(e), isTransient(e), e);
    } catch (SdkClientException e) {
      throw new TaskLaunchException("ECS unreachable: " + e.getMessage(), true, e);
    }
    if (response.hasFailures() && !response.failures().isEmpty()) {
      boolean transientOnly = response.failures().stream().allMatch(EcsTaskLauncher::isTransient);
      throw new TaskLaunchException(
          "RunTask failures: "
              + response.failures().stream()
                  .map(EcsTaskLauncher::describe)
                  .collect(Collectors.joining("; ")),
          transientOnly,
          null);
    }
    List<String> arns = response.tasks().stream().map(Task::taskArn).toList();
    if (arns.isEmpty()) {
      throw new TaskLaunchException("RunTask answered with neither tasks nor failures", true, null);
    }
    return new LaunchResult(arns, false);
  }

  private static ContainerOverride containerOverride(
      dev.batchrunner.core.request.ContainerOverride overrides) {
    ContainerOverride.Builder container =
        ContainerOverride.builder()
            .name(overrides.name())
            .environment(
                overrides.environment().entrySet().stream()
                    .map(e -> KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build())
                    .toList());
    if (overrides.command() != null) {
      container.command(overrides.command());
    }
    return container.build();
  }

  /** The RunTask request for a launch, exactly as it is sent. */
  public static RunTaskRequest toRequest(TaskLaunch launch) {
    // A guarded batch's sidecar gets the same environment: the guard of a retry or a rerun reads
    // the request from it (without it, the guard would refuse and the app never start).
    List<ContainerOverride> containers =
        launch.containerOverrides().stream().map(EcsTaskLauncher::containerOverride).toList();
    Placement placement = launch.placement();
    RunTaskRequest.Builder request =
        RunTaskRequest.builder()
            .cluster(placement.cluster())
            .taskDefinition(launch.taskDefinition())
            .count(1)
            .overrides(TaskOverride.builder().containerOverrides(containers).build())
            .clientToken(launch.clientToken())
            .startedBy(launch.startedBy())
            .tags(
                launch.tags().entrySet().stream()
                    .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                    .toList());
    if (placement.launchType() != null) {
      request.launchType(placement.launchType());
    }
    if (!placement.capacityProviderStrategy().isEmpty()) {
      request.capacityProviderStrategy(
          placement.capacityProviderStrategy().stream()
              .map(EcsTaskLauncher::strategyItem)
              .toList());
    }
    Network network = placement.network();
    if (!network.subnets().isEmpty()) {
      AwsVpcConfiguration.Builder vpc = AwsVpcConfiguration.builder().subnets(network.subnets());
      if (!network.securityGroups().isEmpty()) {
        vpc.securityGroups(network.securityGroups());
      }
      if (network.assignPublicIp() != null) {
        vpc.assignPublicIp(network.assignPublicIp());
      }
      request.networkConfiguration(
          NetworkConfiguration.builder().awsvpcConfiguration(vpc.build()).build());
    }
    if (placement.platformVersion() != null) {
      request.platformVersion(placement.platformVersion());
    }
    return request.build();
  }

  private static CapacityProviderStrategyItem strategyItem(CapacityProviderItem item) {
    CapacityProviderStrategyItem.Builder b =
        CapacityProviderStrategyItem.builder().capacityProvider(item.capacityProvider());
    if (item.weight() != null) {
      b.weight(item.weight());
    }
    if (item.base() != null) {
      b.base(item.base());
    }
    return b.build();
  }

  /** Throttling and server-side errors pass; a request ECS refuses does not. */
  static boolean isTransient(SdkException e) {
    if (e instanceof EcsException ecsError) {
      int status = ecsError.statusCode();
      return ecsError.isThrottlingException()
          || status >= 500
          || status == 429
          || "ServerException".equals(errorCode(ecsError));
    }
    return e instanceof SdkClientException;
  }

  /** Capacity shortages pass; a missing or inactive task definition does not. */
  static boolean isTransient(Failure failure) {
    String reason = failure.reason() == null ? "" : failure.reason();
    return reason.startsWith("RESOURCE:")
        || reason.startsWith("AGENT")
        || reason.contains("Capacity is unavailable")
        || reason.contains("capacity is unavailable");
  }

  private static String describe(Failure failure) {
    return failure.reason()
        + (failure.detail() == null ? "" : " (" + failure.detail() + ")")
        + (failure.arn() == null ? "" : " [" + failure.arn() + "]");
  }

  private static String describe(EcsException e) {
    String code = errorCode(e);
    String message =
        e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
            ? e.awsErrorDetails().errorMessage()
            : e.getMessage();
    return (code == null ? e.getClass().getSimpleName() : code)
        + " (HTTP "
        + e.statusCode()
        + "): "
        + message;
  }

  private static String errorCode(EcsException e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }
}
