package dev.batchrunner.core.catalog;

import java.util.List;
import java.util.Objects;

/**
 * Where a batch's task runs: cluster, launch type or capacity providers, network and platform.
 *
 * @param cluster cluster name or ARN
 * @param launchType FARGATE, EC2, EXTERNAL or MANAGED_INSTANCES; null when a capacity provider
 *     strategy is used
 * @param capacityProviderStrategy empty when a launch type is used
 * @param network the awsvpc network
 * @param platformVersion Fargate platform version, or null
 */
public record Placement(
    String cluster,
    String launchType,
    List<CapacityProviderItem> capacityProviderStrategy,
    Network network,
    String platformVersion) {

  public Placement {
    capacityProviderStrategy = List.copyOf(capacityProviderStrategy);
    Objects.requireNonNull(network, "network");
  }
}
