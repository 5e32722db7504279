package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.LifecycleState;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.TaskLaunch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Starts one attempt of a request whose record is claimed for it, for the dispatcher (attempt 1, a
 * re-run, a takeover) and the task lifecycle (an automatic retry) alike: RunTask with the attempt's
 * clientToken, then the record marked {@code DISPATCHED} with a write conditioned on the claim's
 * revision; a failed RunTask puts the record back as it was before the claim.
 */
final class AttemptRunner {
  /** Added to the invocation's remaining time before an IN_PROGRESS claim counts as abandoned. */
  static final Duration IN_PROGRESS_MARGIN = Duration.ofSeconds(10);

  /** Used when the runtime does not say how long the invocation may run (Lambda's maximum). */
  static final Duration DEFAULT_REMAINING = Duration.ofMinutes(15);

  /** How often a writer that lost a conditional write reads again before it gives up. */
  static final int MAX_ROUNDS = 8;

  private final IdempotencyStore store;
  private final TaskLauncher launcher;
  private final Clock clock;
  private final Supplier<String> ids;

  AttemptRunner(IdempotencyStore store, TaskLauncher launcher, Clock clock, Supplier<String> ids) {
    this.store = store;
    this.launcher = launcher;
    this.clock = clock;
    this.ids = ids;
  }

  IdempotencyStore store() {
    return store;
  }

  Clock clock() {
    return clock;
  }

  /** A new random id (claim ids and revisions). */
  String newId() {
    return ids.get();
  }

  /** When a claim taken now, with {@code remaining} invocation time, counts as abandoned. */
  Instant holdUntil(Instant now, Duration remaining) {
    Duration hold = remaining.isZero() || remaining.isNegative() ? DEFAULT_REMAINING : remaining;
    return now.plus(hold).plus(IN_PROGRESS_MARGIN);
  }

  /** Whether an IN_PROGRESS record's holder is presumed alive at {@code now}. */
  static boolean isHeld(IdempotencyRecord record, Instant now) {
    return record.status() == RequestStatus.IN_PROGRESS
        && record.inProgressUntil() != null
        && !now.isAfter(record.inProgressUntil());
  }

  /**
   * Claims {@code state}'s current attempt ({@code IN_PROGRESS}) over {@code found}, the version
   * read: a new claim id and hold, and a window that lasts at least {@code window} from now, so
   * that the attempt's record outlives its task. Empty when another writer changed the record
   * first.
   */
  Optional<IdempotencyRecord> claim(
      IdempotencyRecord found, LifecycleState state, Duration window, Duration remaining) {
    Instant now = clock.instant();
    Instant renewed = now.plus(window);
    IdempotencyRecord claimed =
        found.with(state).toBuilder()
            .claimId(ids.get())
            .inProgressUntil(holdUntil(now, remaining))
            .expiresAt(
                found.expiresAt() == null || found.expiresAt().isBefore(renewed)
                    ? renewed
                    : found.expiresAt())
            .revision(ids.get())
            .completionDue(null)
            .build();
    return store.replace(claimed, found.revision()) ? Optional.of(claimed) : Optional.empty();
  }

  /**
   * RunTask for the claimed record's current attempt, with that attempt's clientToken. When ECS
   * does not start it, the caller decides what becomes of the record ({@link #undo}, or a final
   * {@code FAILED}).
   *
   * @param launch the request's launch (attempt 1's token; replaced here for later attempts)
   * @throws TaskLaunchException when ECS did not start the task
   */
  LaunchResult launch(IdempotencyRecord claimed, TaskLaunch launch) {
    TaskLaunch attemptLaunch =
        claimed.attempt() == 1
            ? launch
            : launch.withClientToken(
                IdempotencyKey.clientToken(keyHash(claimed), claimed.attempt()));
    return launcher.launch(attemptLaunch);
  }

  /**
   * Puts the record back as it was before {@code claimed} was written: deleted for a fresh attempt
   * 1 ({@code before} null), else restored to {@code before}. A failure to do so is added to {@code
   * cause}, which the caller throws on.
   */
  void undo(IdempotencyRecord claimed, IdempotencyRecord before, RuntimeException cause) {
    try {
      undo(claimed, before);
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  private void undo(IdempotencyRecord claimed, IdempotencyRecord before) {
    if (before == null) {
      store.release(claimed.id(), claimed.claimId());
    } else {
      store.replace(before.toBuilder().revision(ids.get()).build(), claimed.revision());
    }
  }

  /**
   * Records RunTask's task for the claimed attempt: {@code DISPATCHED}, the claim cleared. If the
   * record changed since the claim (a task state change adopted the task first, or the claim was
   * taken over), it is read again: an attempt that already has its task is left as it is.
   *
   * @return the record as it now stands
   * @throws DispatchFailedException ({@code RECORD_UPDATE}) when the record cannot be written
   */
  IdempotencyRecord recordDispatched(IdempotencyRecord claimed, LaunchResult result) {
    String taskArn = result.taskArns().isEmpty() ? null : result.taskArns().get(0);
    IdempotencyRecord read = claimed;
    try {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        if (read.attempt() != claimed.attempt()
            || read.status() != RequestStatus.IN_PROGRESS
            || read.current().taskArn() != null) {
          return read; // moved on: adopted, or a later attempt; nothing of ours to write
        }
        IdempotencyRecord dispatched =
            read.with(read.lifecycle().dispatched(taskArn)).toBuilder()
                .inProgressUntil(null)
                .claimId(null)
                .revision(ids.get())
                .build();
        if (store.replace(dispatched, read.revision())) {
          return dispatched;
        }
        Optional<IdempotencyRecord> again = store.find(claimed.id());
        if (again.isEmpty()) {
          break;
        }
        read = again.get();
      }
    } catch (DispatchFailedException e) {
      throw notRecorded(claimed, result, e);
    }
    throw notRecorded(claimed, result, null);
  }

  private static DispatchFailedException notRecorded(
      IdempotencyRecord claimed, LaunchResult result, Throwable cause) {
    return new DispatchFailedException(
        "task "
            + result.taskArns()
            + " (attempt "
            + claimed.attempt()
            + ") started but idempotency record "
            + claimed.id()
            + " could not be marked DISPATCHED"
            + (cause == null ? "" : ": " + cause.getMessage())
            + "; its RUNNING event adopts it, and a redelivery after the in-progress hold gets the"
            + " same task back from ECS (same clientToken)",
        FailureReason.RECORD_UPDATE,
        cause);
  }

  /** The key's hash, from the record id {@code <batchTypeId>#<hash>}. */
  static String keyHash(IdempotencyRecord record) {
    return record.id().substring(record.id().lastIndexOf('#') + 1);
  }
}
