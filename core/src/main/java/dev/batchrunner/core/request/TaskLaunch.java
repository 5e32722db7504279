package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.Placement;
import dev.batchrunner.core.text.SafeText;
import java.util.Map;

/**
 * Everything needed for one ECS RunTask call, in domain terms; the ECS adapter maps it 1:1.
 *
 * @param batchTypeId the batch type, for error messages
 * @param taskDefinition family, family:revision or ARN
 * @param placement cluster, launch choice, network and platform version
 * @param container the container overrides
 * @param clientToken the 64-hex request hash, ECS's own idempotency token
 * @param tags task tags, in the order they are sent
 * @param guardContainer the batch's guard sidecar (catalog {@code guardContainer}), which gets the
 *     same environment (not the command), or null: in the EcsDirect mode the guard checks every
 *     task, batch-runner's own retries and reruns included, and reads the request from its
 *     environment
 */
public record TaskLaunch(
    String batchTypeId,
    String taskDefinition,
    Placement placement,
    ContainerOverride container,
    String clientToken,
    Map<String, String> tags,
    String guardContainer) {

  public TaskLaunch {
    java.util.Objects.requireNonNull(placement, "placement");
    java.util.Objects.requireNonNull(container, "container");
    tags = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
  }

  /** A launch for a batch without a guard sidecar. */
  public TaskLaunch(
      String batchTypeId,
      String taskDefinition,
      Placement placement,
      ContainerOverride container,
      String clientToken,
      Map<String, String> tags) {
    this(batchTypeId, taskDefinition, placement, container, clientToken, tags, null);
  }

  /**
   * Every container override RunTask sends, in order: {@link #container()}, then, for a batch with
   * a guard sidecar, the guard's, with the same environment and no command (it keeps its own).
   */
  public java.util.List<ContainerOverride> containerOverrides() {
    if (guardContainer == null) {
      return java.util.List.of(container);
    }
    return java.util.List.of(
        container,
        new ContainerOverride(
            guardContainer, container.environment(), null, container.sensitiveEnvironment()));
  }

  /** The startedBy value, always {@value TaskLaunchFactory#STARTED_BY}. */
  public String startedBy() {
    return TaskLaunchFactory.STARTED_BY;
  }

  /**
   * The same launch with the values of sensitive parameters replaced by {@value SafeText#MASK}, for
   * logs (a dry run's RunTask request). A sensitive value that also appears in the command is
   * masked there too.
   */
  public TaskLaunch masked() {
    ContainerOverride masked = container.masked();
    if (masked == container) {
      return this;
    }
    return new TaskLaunch(
        batchTypeId, taskDefinition, placement, masked, clientToken, tags, guardContainer);
  }

  /**
   * The same launch with another clientToken: attempt n's, {@link IdempotencyKey#clientToken(int)}.
   */
  public TaskLaunch withClientToken(String token) {
    return new TaskLaunch(
        batchTypeId, taskDefinition, placement, container, token, tags, guardContainer);
  }
}
