package dev.batchrunner.function.event;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What handling one task state change came to; a direct invoke answers it as JSON.
 *
 * @param outcome what was done
 * @param taskArn the task the event is about
 * @param reason why, in words safe to log
 */
public record TaskEventResult(Outcome outcome, String taskArn, String reason) {

  /** What a task state change can come to. */
  public enum Outcome {
    /** Nothing changed: the task is not batch-runner's, or nothing follows tasks yet. */
    IGNORED
  }

  public TaskEventResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(taskArn, "taskArn");
  }

  /** An event that changed nothing, with why. */
  public static TaskEventResult ignored(String taskArn, String reason) {
    return new TaskEventResult(Outcome.IGNORED, taskArn, reason);
  }

  /** The direct invoke's answer: {@code {"outcome":…,"taskArn":…,"reason":…}}. */
  public Map<String, Object> answer() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("outcome", outcome.name());
    answer.put("taskArn", taskArn);
    if (reason != null) {
      answer.put("reason", reason);
    }
    return answer;
  }
}
