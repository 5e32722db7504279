package dev.batchrunner.core.lifecycle;

import java.util.Objects;

/**
 * What one task state change does to a request's record, as {@link TaskTransition#apply} decides
 * it. Every decision but {@link Ignore} carries the new state; the caller writes it with a
 * conditional write on the state it read (status, attempt and the task's last applied version), so
 * that of two instances handling the same or concurrent events only one write wins and the loser
 * reads the record again and decides anew.
 */
public sealed interface Decision {

  /** The record's state after the event, or null for {@link Ignore}. */
  LifecycleState state();

  /**
   * The event changes nothing: not batch-runner's task, no key, an older or repeated version of the
   * task, an earlier attempt's event that would move the status back, or an unknown task while the
   * record is past {@code IN_PROGRESS}. Answered without error, so that EventBridge does not retry.
   *
   * @param reason why, for the log
   */
  record Ignore(String reason) implements Decision {
    public Ignore {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public LifecycleState state() {
      return null;
    }
  }

  /**
   * The record was still {@code IN_PROGRESS} (a crash between RunTask and the record update) and
   * the task is ours: its ARN becomes the current attempt's task and the event is applied ({@code
   * DISPATCHED} or {@code RUNNING}). An adopted task's STOPPED event gives {@link Finish} or {@link
   * Retry} instead, whose state carries the adopted ARN too.
   */
  record Adopt(LifecycleState state) implements Decision {
    public Adopt {
      Objects.requireNonNull(state, "state");
    }
  }

  /**
   * The event is applied to its attempt's entry: {@code RUNNING}, or a later version that does not
   * finish the request (an earlier attempt's entry, or a final record's, changes; the status does
   * not).
   */
  record Update(LifecycleState state) implements Decision {
    public Update {
      Objects.requireNonNull(state, "state");
    }
  }

  /**
   * The current attempt's task stopped and the request is final: {@code SUCCEEDED} iff the
   * catalog's container exited 0, else {@code FAILED} with the stop code and reasons kept. The
   * caller puts the completion event and metrics after its conditional write succeeds.
   *
   * @param state the new state, whose status is {@code outcome}
   * @param outcome {@link RequestStatus#SUCCEEDED} or {@link RequestStatus#FAILED}
   */
  record Finish(LifecycleState state, RequestStatus outcome) implements Decision {
    public Finish {
      Objects.requireNonNull(state, "state");
      if (!outcome.isFinal() || state.status() != outcome) {
        throw new IllegalArgumentException("a finish ends SUCCEEDED or FAILED, not " + outcome);
      }
    }
  }

  /**
   * The current attempt failed and the retry policy says RETRY: the state keeps the failed
   * attempt's entry and claims the next attempt ({@code IN_PROGRESS}, {@code nextAttempt}, a new
   * pending entry). The caller starts the next attempt exactly once: only the instance whose
   * conditional write (from the failed attempt's number and version) succeeds calls RunTask, with
   * {@code IdempotencyKey.clientToken(hash, nextAttempt)}; a redelivered STOPPED event is then a
   * repeated version and ignored.
   *
   * @param state the new state
   * @param nextAttempt the attempt to start, {@code state.attempt()}
   */
  record Retry(LifecycleState state, int nextAttempt) implements Decision {
    public Retry {
      Objects.requireNonNull(state, "state");
      if (state.attempt() != nextAttempt || state.status() != RequestStatus.IN_PROGRESS) {
        throw new IllegalArgumentException("a retry claims attempt " + nextAttempt);
      }
    }
  }
}
