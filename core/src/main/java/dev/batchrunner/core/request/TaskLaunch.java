package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.CapacityProviderItem;
import java.util.List;
import java.util.Map;

/**
 * Everything needed for one ECS RunTask call, in domain terms; the ECS adapter maps it 1:1.
 *
 * @param batchTypeId the batch type, for error messages
 * @param cluster cluster name or ARN
 * @param taskDefinition family, family:revision or ARN
 * @param launchType launch type, or null with a capacity provider strategy
 * @param capacityProviderStrategy empty with a launch type
 * @param subnets awsvpc subnets, empty for no network configuration
 * @param securityGroups awsvpc security groups
 * @param assignPublicIp ENABLED, DISABLED or null
 * @param platformVersion Fargate platform version or null
 * @param containerName the container the overrides apply to
 * @param environment override environment, in the order it is sent
 * @param command override command, or null
 * @param clientToken the 64-hex request hash, ECS's own idempotency token
 * @param startedBy the startedBy value
 * @param tags task tags, in the order they are sent
 * @param sensitiveEnvironment the environment names whose values come from sensitive parameters
 */
public record TaskLaunch(
    String batchTypeId,
    String cluster,
    String taskDefinition,
    String launchType,
    List<CapacityProviderItem> capacityProviderStrategy,
    List<String> subnets,
    List<String> securityGroups,
    String assignPublicIp,
    String platformVersion,
    String containerName,
    Map<String, String> environment,
    List<String> command,
    String clientToken,
    String startedBy,
    Map<String, String> tags,
    java.util.Set<String> sensitiveEnvironment) {

  public TaskLaunch {
    capacityProviderStrategy = List.copyOf(capacityProviderStrategy);
    subnets = List.copyOf(subnets);
    securityGroups = List.copyOf(securityGroups);
    environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
    command = command == null ? null : List.copyOf(command);
    tags = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
    sensitiveEnvironment = java.util.Set.copyOf(sensitiveEnvironment);
  }

  /**
   * The same launch with the values of sensitive parameters replaced by {@value SafeText#MASK}, for
   * logs (a dry run's RunTask request). A sensitive value that also appears in the command is
   * masked there too.
   */
  public TaskLaunch masked() {
    if (sensitiveEnvironment.isEmpty()) {
      return this;
    }
    Map<String, String> env = new java.util.LinkedHashMap<>(environment);
    List<String> argv = command;
    for (String name : sensitiveEnvironment) {
      String value = env.put(name, SafeText.MASK);
      if (argv != null && value != null && !value.isEmpty()) {
        argv = argv.stream().map(a -> a.replace(value, SafeText.MASK)).toList();
      }
    }
    return new TaskLaunch(
        batchTypeId,
        cluster,
        taskDefinition,
        launchType,
        capacityProviderStrategy,
        subnets,
        securityGroups,
        assignPublicIp,
        platformVersion,
        containerName,
        env,
        argv,
        clientToken,
        startedBy,
        tags,
        sensitiveEnvironment);
  }
}
