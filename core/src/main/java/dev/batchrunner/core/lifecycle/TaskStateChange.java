package dev.batchrunner.core.lifecycle;

import dev.batchrunner.core.catalog.TaskEnvironment;
import dev.batchrunner.core.request.TaskLaunchFactory;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One ECS "Task State Change" event's {@code detail}, in domain terms: what the task lifecycle
 * needs to match a task to its idempotency record and to follow it to its end. Fields ECS may leave
 * out (a stop code before the task stops, an exit code of a container that never ran) are null.
 *
 * @param task which task this is and who started it
 * @param status where the task is and, once it stops, why
 * @param times the task's timestamps
 * @param containers the task's containers as ECS reports them, in event order
 * @param overrides the RunTask container overrides the task was started with, in event order
 */
public record TaskStateChange(
    Task task,
    Status status,
    Times times,
    List<Container> containers,
    List<EnvironmentOverride> overrides) {

  /** ECS's {@code lastStatus} of a task that has stopped: its final state. */
  public static final String STOPPED = "STOPPED";

  /**
   * How the {@code startedBy} of a task an EventBridge rule started begins: EventBridge sets it to
   * {@code events-rule/<rule name>} (the {@code EcsDirect} intake mode's tasks).
   */
  public static final String RULE_STARTED_BY_PREFIX = "events-rule/";

  public TaskStateChange {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(times, "times");
    containers = List.copyOf(containers);
    overrides = List.copyOf(overrides);
  }

  /**
   * The {@code IDEMPOTENCY_KEY} batch-runner set in the task's container overrides (its record id,
   * {@code <batchTypeId>#<sha256hex>}), from the first override that has one; null if none does.
   */
  public String idempotencyKey() {
    return environment(TaskEnvironment.IDEMPOTENCY_KEY);
  }

  /**
   * The value of an override environment variable, from the first container override that sets it;
   * null if none does. The trace id is found this way under the catalog's {@code traceIdEnv}.
   */
  public String environment(String name) {
    for (EnvironmentOverride override : overrides) {
      String value = override.environment().get(name);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /**
   * Whether the task's {@code startedBy} is batch-runner's. Anyone with {@code ecs:RunTask} can set
   * it, so it only says "claims to be ours": the lifecycle still checks the record.
   */
  public boolean startedByBatchRunner() {
    return TaskLaunchFactory.STARTED_BY.equals(task.startedBy());
  }

  /**
   * Whether an {@code EcsDirect} rule started the task: {@code startedBy} is an EventBridge rule's
   * ({@value #RULE_STARTED_BY_PREFIX}…), and the overrides carry {@code BATCH_TYPE_ID} but no
   * {@code IDEMPOTENCY_KEY} (EventBridge cannot hash: the task's guard computed the key and claimed
   * its record). Its record is found by reading the request back from {@link
   * #overrideEnvironment()}. Like {@link #startedByBatchRunner()}, it only says "claims to be": the
   * lifecycle acts on such a task only when its record already lists it.
   */
  public boolean startedByEcsDirectRule() {
    String startedBy = task.startedBy();
    return startedBy != null
        && startedBy.startsWith(RULE_STARTED_BY_PREFIX)
        && environment(TaskEnvironment.BATCH_TYPE_ID) != null
        && idempotencyKey() == null;
  }

  /**
   * The override environment of all containers as one map, each name with the value of the first
   * override that sets it (as {@link #environment(String)} reads it).
   */
  public Map<String, String> overrideEnvironment() {
    Map<String, String> merged = new LinkedHashMap<>();
    for (EnvironmentOverride override : overrides) {
      override.environment().forEach(merged::putIfAbsent);
    }
    return Collections.unmodifiableMap(merged);
  }

  /**
   * The exit code of the named container: null when the event has no such container or the
   * container has none (it never ran, or has not exited yet). The lifecycle asks for the catalog's
   * {@code containerName}, never a sidecar's.
   */
  public Integer exitCode(String containerName) {
    Container container = container(containerName);
    return container == null ? null : container.exitCode();
  }

  /** The named container, or null when the event does not list it. */
  public Container container(String containerName) {
    for (Container container : containers) {
      if (container.name().equals(containerName)) {
        return container;
      }
    }
    return null;
  }

  /**
   * Whether the task has stopped ({@code lastStatus} {@value #STOPPED}): no later state follows.
   */
  public boolean isStopped() {
    return STOPPED.equals(status.lastStatus());
  }

  /**
   * Which task, and who started it.
   *
   * @param taskArn the task's ARN
   * @param clusterArn its cluster's ARN
   * @param taskDefinitionArn its task definition's ARN (with revision), or null
   * @param version ECS's per-task event version: a later state change has a higher one
   * @param startedBy RunTask's {@code startedBy}, or null
   * @param group the task group ({@code family:…}, {@code service:…}), or null
   */
  public record Task(
      String taskArn,
      String clusterArn,
      String taskDefinitionArn,
      long version,
      String startedBy,
      String group) {
    public Task {
      Objects.requireNonNull(taskArn, "taskArn");
      Objects.requireNonNull(clusterArn, "clusterArn");
    }
  }

  /**
   * The task's state.
   *
   * @param lastStatus ECS's last known status ({@code PROVISIONING} … {@code RUNNING} … {@code
   *     STOPPED})
   * @param desiredStatus where ECS is taking the task ({@code RUNNING} or {@code STOPPED}), or null
   * @param stopCode why it stops ({@code EssentialContainerExited}, {@code TaskFailedToStart},
   *     {@code SpotInterruption}, {@code UserInitiated}, …), or null while it is not stopping
   * @param stoppedReason ECS's text about the stop, or null
   */
  public record Status(
      String lastStatus, String desiredStatus, String stopCode, String stoppedReason) {
    public Status {
      Objects.requireNonNull(lastStatus, "lastStatus");
    }
  }

  /**
   * The task's timestamps; each is null until ECS reports it.
   *
   * @param createdAt when the task was created
   * @param startedAt when it started running (null for a task that never started)
   * @param stoppingAt when it began to stop
   * @param stoppedAt when it stopped
   */
  public record Times(
      Instant createdAt, Instant startedAt, Instant stoppingAt, Instant stoppedAt) {}

  /**
   * One container of the task.
   *
   * @param name its name in the task definition
   * @param lastStatus its last known status, or null
   * @param exitCode its exit code, or null when it never ran or has not exited
   * @param reason ECS's text about why it stopped (e.g. {@code CannotPullContainerError: …}), or
   *     null
   */
  public record Container(String name, String lastStatus, Integer exitCode, String reason) {
    public Container {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * The override environment RunTask gave one container. Its values may come from sensitive
   * parameters, so {@link #toString()} shows the names only.
   *
   * @param name the container the override applies to, or null (RunTask does not require one)
   * @param environment name to value, in event order
   */
  public record EnvironmentOverride(String name, Map<String, String> environment) {
    public EnvironmentOverride {
      environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    @Override
    public String toString() {
      return "EnvironmentOverride[name=" + name + ", environment=" + environment.keySet() + "]";
    }
  }
}
