package dev.batchrunner.core.catalog;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated catalog entry: where and how to run one batch type, with defaults already merged.
 *
 * @param id the batchTypeId
 * @param taskDefinition family, family:revision or ARN
 * @param containerName the container that receives the overrides
 * @param cluster cluster name or ARN
 * @param launchType FARGATE, EC2, EXTERNAL or MANAGED_INSTANCES; null when a capacity provider
 *     strategy is used
 * @param capacityProviderStrategy empty when a launch type is used
 * @param subnets awsvpc subnets; empty for tasks without awsvpc networking
 * @param securityGroups awsvpc security groups
 * @param assignPublicIp ENABLED or DISABLED, or null
 * @param platformVersion Fargate platform version, or null
 * @param idempotencyWindow how long a dispatched request counts as a duplicate
 * @param traceIdEnv the environment variable that carries the trace id
 * @param parameters declared parameters by name, sorted
 * @param environment fixed environment entries, sorted
 * @param command argv with {@code {param}} placeholders, or null to keep the image's
 * @param enabled false to refuse requests for this batch type
 */
public record BatchDefinition(
    String id,
    String taskDefinition,
    String containerName,
    String cluster,
    String launchType,
    List<CapacityProviderItem> capacityProviderStrategy,
    List<String> subnets,
    List<String> securityGroups,
    String assignPublicIp,
    String platformVersion,
    Duration idempotencyWindow,
    String traceIdEnv,
    Map<String, ParameterSpec> parameters,
    Map<String, String> environment,
    List<String> command,
    boolean enabled) {

  public BatchDefinition {
    capacityProviderStrategy = List.copyOf(capacityProviderStrategy);
    subnets = List.copyOf(subnets);
    securityGroups = List.copyOf(securityGroups);
    parameters = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(parameters));
    environment = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(environment));
    command = command == null ? null : List.copyOf(command);
  }
}
