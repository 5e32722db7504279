package dev.batchrunner.core.catalog;

import java.util.List;

/**
 * A task's awsvpc network; no subnets means the task gets no network configuration.
 *
 * @param subnets awsvpc subnets; empty for tasks without awsvpc networking
 * @param securityGroups awsvpc security groups
 * @param assignPublicIp ENABLED or DISABLED, or null
 */
public record Network(List<String> subnets, List<String> securityGroups, String assignPublicIp) {

  public Network {
    subnets = List.copyOf(subnets);
    securityGroups = List.copyOf(securityGroups);
  }
}
