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
 */
public record ContainerTemplate(
    String name, String traceIdEnv, Map<String, String> environment, List<String> command) {

  public ContainerTemplate {
    environment = Collections.unmodifiableMap(new TreeMap<>(environment));
    command = command == null ? null : List.copyOf(command);
  }
}
