package dev.batchrunner.function.event;

import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.lifecycle.Attempt;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What handling one task state change came to; a direct invoke answers it as JSON.
 *
 * @param outcome what the lifecycle did with it
 */
public record TaskEventResult(TaskEventOutcome outcome) {

  public TaskEventResult {
    Objects.requireNonNull(outcome, "outcome");
  }

  /**
   * The direct invoke's answer: {@code outcome} (IGNORED, ADOPTED, UPDATED, SUCCEEDED, FAILED,
   * RETRIED, ANNOUNCED) and {@code taskArn}, then what is known: {@code idempotencyKey}, {@code
   * status}, {@code attempt}, {@code exitCode}, {@code stopCode}, {@code nextTaskArn}, {@code
   * reason}.
   */
  public Map<String, Object> answer() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("outcome", outcome.kind().name());
    answer.put("taskArn", outcome.taskArn());
    putIfKnown(answer, "idempotencyKey", outcome.idempotencyKey());
    if (outcome.status() != null) {
      answer.put("status", outcome.status().name());
    }
    Attempt attempt = outcome.attempt();
    if (attempt != null) {
      answer.put("attempt", attempt.number());
      putIfKnown(answer, "exitCode", attempt.exitCode());
      putIfKnown(answer, "stopCode", attempt.stopCode());
    }
    putIfKnown(answer, "nextTaskArn", outcome.nextTaskArn());
    putIfKnown(answer, "reason", outcome.reason());
    return answer;
  }

  private static void putIfKnown(Map<String, Object> answer, String name, Object value) {
    if (value != null) {
      answer.put(name, value);
    }
  }
}
