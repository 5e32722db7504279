package dev.batchrunner.core.catalog;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A validated catalog entry: where and how to run one batch type, with defaults already merged.
 *
 * @param id the batchTypeId
 * @param taskDefinition family, family:revision or ARN
 * @param placement cluster, launch choice, network and platform version
 * @param container the container that receives the overrides, with its fixed part
 * @param parameters declared parameters by name, sorted
 * @param idempotencyWindow how long a dispatched request counts as a duplicate
 * @param enabled false to refuse requests for this batch type
 * @param lifecycle what follows a failed task: the retry policy and re-runs
 */
public record BatchDefinition(
    String id,
    String taskDefinition,
    Placement placement,
    ContainerTemplate container,
    Map<String, ParameterSpec> parameters,
    Duration idempotencyWindow,
    boolean enabled,
    Lifecycle lifecycle) {

  public BatchDefinition {
    Objects.requireNonNull(placement, "placement");
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(lifecycle, "lifecycle");
    parameters = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(parameters));
  }
}
