package dev.batchrunner.core.catalog;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The catalog's part of the container overrides: which container, and what every launch sets in it.
 *
 * @param name the container that receives the overrides
 * @param traceIdEnv the environment variable that carries the trace id
 * @param environment fixed environment entries, sorted
 * @param command argv with {@code {param}} placeholders, or null to keep the image's
 * @param guardContainer the task definition's guard sidecar (the {@code EcsDirect} intake mode's
 *     {@code guard} as a container of its own), which gets the same environment; null when the
 *     guard runs as an entrypoint wrapper inside {@code name}, or not at all
 */
public record ContainerTemplate(
    String name,
    String traceIdEnv,
    Map<String, String> environment,
    List<String> command,
    String guardContainer) {

  public ContainerTemplate {
    environment = Collections.unmodifiableMap(new TreeMap<>(environment));
    command = command == null ? null : List.copyOf(command);
  }

  /** A container template without a guard container. */
  public ContainerTemplate(
      String name, String traceIdEnv, Map<String, String> environment, List<String> command) {
    this(name, traceIdEnv, environment, command, null);
  }
}
