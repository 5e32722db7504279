package dev.batchrunner.function;

import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.TaskLaunch;
import java.util.List;
import java.util.Objects;

/**
 * The guard's launcher ({@code EcsDirect}): it starts nothing, because the attempt's task is the
 * one the guard runs in, which EventBridge has already started; a claimed attempt records that
 * task.
 */
final class RunningTaskLauncher implements TaskLauncher {
  private final String taskArn;

  RunningTaskLauncher(String taskArn) {
    this.taskArn = Objects.requireNonNull(taskArn, "taskArn");
    if (taskArn.isBlank()) {
      throw new IllegalArgumentException("the guard's task ARN is empty");
    }
  }

  @Override
  public LaunchResult launch(TaskLaunch launch) {
    return new LaunchResult(List.of(taskArn), false);
  }
}
