package dev.batchrunner.core.testing;

import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.TaskLaunch;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link TaskLauncher} that keeps every launch and answers with a made-up task ARN. */
public final class RecordingTaskLauncher implements TaskLauncher {
  public static final String TASK_ARN_PREFIX = "arn:aws:ecs:eu-west-1:123456789012:task/batch/";

  private final List<TaskLaunch> launches = new CopyOnWriteArrayList<>();

  @Override
  public LaunchResult launch(TaskLaunch launch) {
    launches.add(launch);
    return new LaunchResult(
        List.of(TASK_ARN_PREFIX + String.format("%032x", launches.size())), false);
  }

  public List<TaskLaunch> launches() {
    return List.copyOf(launches);
  }

  public int count() {
    return launches.size();
  }
}
