package dev.batchrunner.core.dispatch;

import java.util.List;

/**
 * What the launcher started.
 *
 * @param taskArns the ARNs of the started tasks (empty in dry-run)
 * @param dryRun true when the request was built and logged but not sent
 */
public record LaunchResult(List<String> taskArns, boolean dryRun) {
  public LaunchResult {
    taskArns = List.copyOf(taskArns);
  }
}
