package dev.batchrunner.core.lifecycle;

import dev.batchrunner.core.catalog.TaskFailure;
import java.time.Instant;

/**
 * One attempt of a request: its task and what ECS last said about it.
 *
 * @param number the 1-based attempt number
 * @param taskArn the attempt's task ARN, or null while its RunTask is in flight
 * @param lastStatus ECS's last applied {@code lastStatus} of the task, or null before any event
 * @param version the last applied {@code detail.version} of the task; {@link #NO_VERSION} before
 *     any event
 * @param exitCode the exit code of the catalog's {@code containerName} container, or null
 * @param stopCode the task's {@code stopCode}, or null
 * @param stoppedReason the task's {@code stoppedReason}, or null
 * @param containerReason the {@code reason} of the catalog's container, or null
 * @param startedAt when the task started running, or null
 * @param stoppedAt when it stopped, or null
 * @param startReason why this attempt started: null for attempt 1 (the request), else the retry
 *     policy's decision, a re-sent request, or an operator's {@code rerun} with its reason
 */
public record Attempt(
    int number,
    String taskArn,
    String lastStatus,
    long version,
    Integer exitCode,
    String stopCode,
    String stoppedReason,
    String containerReason,
    Instant startedAt,
    Instant stoppedAt,
    String startReason) {

  /** The {@link #version()} of an attempt no event has been applied to. */
  public static final long NO_VERSION = -1;

  public Attempt {
    if (number < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1, not " + number);
    }
  }

  /** An attempt without a start reason (attempt 1, or one recorded before reasons were kept). */
  public Attempt(
      int number,
      String taskArn,
      String lastStatus,
      long version,
      Integer exitCode,
      String stopCode,
      String stoppedReason,
      String containerReason,
      Instant startedAt,
      Instant stoppedAt) {
    this(
        number,
        taskArn,
        lastStatus,
        version,
        exitCode,
        stopCode,
        stoppedReason,
        containerReason,
        startedAt,
        stoppedAt,
        null);
  }

  /** A new attempt whose RunTask has not returned: no task, no event. */
  public static Attempt pending(int number) {
    return pending(number, null);
  }

  /** A new attempt, started for {@code startReason}, whose RunTask has not returned. */
  public static Attempt pending(int number, String startReason) {
    return new Attempt(
        number, null, null, NO_VERSION, null, null, null, null, null, null, startReason);
  }

  /** This attempt with its task ARN recorded (RunTask returned it, or an event adopted it). */
  public Attempt withTask(String arn) {
    return new Attempt(
        number,
        arn,
        lastStatus,
        version,
        exitCode,
        stopCode,
        stoppedReason,
        containerReason,
        startedAt,
        stoppedAt,
        startReason);
  }

  /**
   * This attempt after {@code change}: its status, version, stop code and reasons, times, and the
   * exit code and reason of the container named {@code containerName} (never a sidecar's). A value
   * the event leaves out keeps the one already known.
   */
  public Attempt apply(TaskStateChange change, String containerName) {
    TaskStateChange.Container container = change.container(containerName);
    return new Attempt(
        number,
        change.task().taskArn(),
        change.status().lastStatus(),
        change.task().version(),
        orElse(container == null ? null : container.exitCode(), exitCode),
        orElse(change.status().stopCode(), stopCode),
        orElse(change.status().stoppedReason(), stoppedReason),
        orElse(container == null ? null : container.reason(), containerReason),
        orElse(change.times().startedAt(), startedAt),
        orElse(change.times().stoppedAt(), stoppedAt),
        startReason);
  }

  /**
   * This attempt, whose task could not be started, with why in {@code stoppedReason} (ECS refused
   * RunTask, or the request no longer resolves against the catalog).
   */
  public Attempt notStarted(String reason) {
    return new Attempt(
        number,
        taskArn,
        lastStatus,
        version,
        exitCode,
        stopCode,
        reason,
        containerReason,
        startedAt,
        stoppedAt,
        startReason);
  }

  /** How long the task ran, from started to stopped; null unless both are known. */
  public Long runTimeMillis() {
    if (startedAt == null || stoppedAt == null) {
      return null;
    }
    return Math.max(0, stoppedAt.toEpochMilli() - startedAt.toEpochMilli());
  }

  /** Whether the task has been seen stopped. */
  public boolean isStopped() {
    return TaskStateChange.STOPPED.equals(lastStatus);
  }

  /** Whether the task stopped with the catalog's container's exit code 0. */
  public boolean succeeded() {
    return isStopped() && exitCode != null && exitCode == 0;
  }

  /** What a retry policy sees of this attempt's failure. */
  public TaskFailure failure() {
    return new TaskFailure(exitCode, stopCode, stoppedReason, containerReason);
  }

  private static <T> T orElse(T value, T known) {
    return value != null ? value : known;
  }
}
