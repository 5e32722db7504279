package dev.batchrunner.core.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The lifecycle part of a request's idempotency record: its status, the current attempt and one
 * entry per attempt so far.
 *
 * @param status where the request stands
 * @param attempt the current attempt's number, 1-based: the last entry of {@code attempts}
 * @param attempts one entry per attempt, numbered 1 to {@code attempt} in order
 */
public record LifecycleState(RequestStatus status, int attempt, List<Attempt> attempts) {

  public LifecycleState {
    Objects.requireNonNull(status, "status");
    attempts = List.copyOf(attempts);
    if (attempts.size() != attempt || attempt < 1) {
      throw new IllegalArgumentException(
          "attempt " + attempt + " needs one entry per attempt, not " + attempts.size());
    }
    for (int i = 0; i < attempts.size(); i++) {
      if (attempts.get(i).number() != i + 1) {
        throw new IllegalArgumentException(
            "entry " + i + " is attempt " + attempts.get(i).number() + ", not " + (i + 1));
      }
    }
  }

  /** A freshly claimed request: attempt 1, RunTask in flight. */
  public static LifecycleState claimed() {
    return new LifecycleState(RequestStatus.IN_PROGRESS, 1, List.of(Attempt.pending(1)));
  }

  /** The current attempt's entry. */
  public Attempt current() {
    return attempts.get(attempt - 1);
  }

  /** The entry whose task is {@code taskArn}, or null when no attempt recorded it. */
  public Attempt attemptOf(String taskArn) {
    for (Attempt a : attempts) {
      if (taskArn.equals(a.taskArn())) {
        return a;
      }
    }
    return null;
  }

  /**
   * This state with RunTask's task recorded for the current attempt: {@code DISPATCHED}. A dry run
   * has no task: {@code taskArn} is null then.
   */
  public LifecycleState dispatched(String taskArn) {
    return with(RequestStatus.DISPATCHED, current().withTask(taskArn));
  }

  /**
   * This state with the current attempt's task not started, for good: {@code FAILED}, with {@code
   * reason} kept as the attempt's {@code stoppedReason}.
   */
  public LifecycleState notStarted(String reason) {
    return with(RequestStatus.FAILED, current().notStarted(Objects.requireNonNull(reason)));
  }

  /**
   * This state with the next attempt claimed: {@code IN_PROGRESS}, {@code attempt + 1}, a new
   * pending entry; the earlier entries kept. Used by an automatic retry and by a re-run.
   */
  public LifecycleState nextAttempt() {
    return nextAttempt(null);
  }

  /** {@link #nextAttempt()}, the new entry keeping why it started. */
  public LifecycleState nextAttempt(String startReason) {
    List<Attempt> next = new ArrayList<>(attempts);
    next.add(Attempt.pending(attempt + 1, startReason));
    return new LifecycleState(RequestStatus.IN_PROGRESS, attempt + 1, next);
  }

  /** This state with {@code status} and {@code entry} replacing the entry of the same number. */
  LifecycleState with(RequestStatus newStatus, Attempt entry) {
    List<Attempt> next = new ArrayList<>(attempts);
    next.set(entry.number() - 1, entry);
    return new LifecycleState(newStatus, attempt, next);
  }
}
