package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.request.TaskLaunch;

/** Port: starts the ECS task for one request. */
public interface TaskLauncher {

  /**
   * Starts the task; never returns without at least one task ARN unless in dry-run.
   *
   * @throws TaskLaunchException when ECS did not start the task
   */
  LaunchResult launch(TaskLaunch launch);
}
