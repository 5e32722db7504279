package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskEventOutcome.Kind;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A direct invoke's answer to a task state change: what is known, in a fixed order. */
class TaskEventResultTest {
  private static final String TASK = "arn:aws:ecs:eu-west-1:123456789012:task/batch/1111";
  private static final String NEXT = "arn:aws:ecs:eu-west-1:123456789012:task/batch/2222";
  private static final String KEY = "nightly-cleanup#" + "ab".repeat(32);

  @Test
  void answer_whenRetried_namesTheFailedAttemptAndTheNextTask() {
    Attempt failed =
        new Attempt(
            1,
            TASK,
            "STOPPED",
            4,
            137,
            "EssentialContainerExited",
            "OutOfMemoryError",
            null,
            Instant.parse("2026-11-23T02:00:05Z"),
            Instant.parse("2026-11-23T02:01:05Z"));
    TaskEventOutcome outcome =
        new TaskEventOutcome(
            Kind.RETRIED,
            TASK,
            "nightly-cleanup",
            KEY,
            "trace-1",
            RequestStatus.DISPATCHED,
            failed,
            NEXT,
            null);

    Map<String, Object> answer = new TaskEventResult(outcome).answer();

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("outcome", "RETRIED");
    expected.put("taskArn", TASK);
    expected.put("idempotencyKey", KEY);
    expected.put("status", "DISPATCHED");
    expected.put("attempt", 1);
    expected.put("exitCode", 137);
    expected.put("stopCode", "EssentialContainerExited");
    expected.put("nextTaskArn", NEXT);
    assertEquals(expected, answer);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(answer.keySet()), "field order");
  }

  @Test
  void answer_whenIgnoredWithoutARecord_hasOnlyTheOutcomeTheTaskAndTheReason() {
    TaskEventOutcome ignored = TaskEventOutcome.ignored(TASK, null, "not started by batch-runner");

    assertEquals(
        Map.of("outcome", "IGNORED", "taskArn", TASK, "reason", "not started by batch-runner"),
        new TaskEventResult(ignored).answer());
  }

  @Test
  void answer_whenFailedBeforeATaskStarted_keepsTheReasonAndLeavesUnknownsOut() {
    Attempt notStarted =
        new Attempt(2, null, null, Attempt.NO_VERSION, null, null, "ECS refused", null, null, null);
    TaskEventOutcome outcome =
        new TaskEventOutcome(
            Kind.FAILED,
            TASK,
            "nightly-cleanup",
            KEY,
            "trace-1",
            RequestStatus.FAILED,
            notStarted,
            null,
            "ECS refused RunTask: TaskDefinition is inactive");

    Map<String, Object> answer = new TaskEventResult(outcome).answer();

    assertEquals(
        Map.of(
            "outcome",
            "FAILED",
            "taskArn",
            TASK,
            "idempotencyKey",
            KEY,
            "status",
            "FAILED",
            "attempt",
            2,
            "reason",
            "ECS refused RunTask: TaskDefinition is inactive"),
        answer);
  }

  @Test
  void new_withoutAnOutcome_throws() {
    assertThrows(NullPointerException.class, () -> new TaskEventResult(null));
  }
}
