package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskFollower;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import java.time.Duration;

/**
 * The production {@link TaskEventHandler}: the {@link TaskFollower} applies the event to its record
 * (and retries, announces), and the observer writes the log line and metrics.
 */
public final class LifecycleTaskEventHandler implements TaskEventHandler {
  private final TaskFollower follower;
  private final TaskObserver observer;

  public LifecycleTaskEventHandler(TaskFollower follower, TaskObserver observer) {
    this.follower = follower;
    this.observer = observer;
  }

  @Override
  public TaskEventResult handle(
      TaskStateChange change, RequestSummary.Delivery delivery, Duration remaining) {
    TaskEventOutcome outcome;
    try {
      outcome = follower.follow(change, remaining);
    } catch (RuntimeException e) {
      observer.failed(change, e, delivery);
      throw e;
    }
    observer.handled(change, outcome, delivery);
    return new TaskEventResult(outcome);
  }
}
