package dev.batchrunner.core.request;

import dev.batchrunner.core.text.SafeText;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The overrides one launch sends for its container, in domain terms.
 *
 * @param name the container the overrides apply to
 * @param environment override environment, in the order it is sent
 * @param command override command, or null
 * @param sensitiveEnvironment the environment names whose values come from sensitive parameters
 */
public record ContainerOverride(
    String name,
    Map<String, String> environment,
    List<String> command,
    Set<String> sensitiveEnvironment) {

  public ContainerOverride {
    environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
    command = command == null ? null : List.copyOf(command);
    sensitiveEnvironment = Set.copyOf(sensitiveEnvironment);
  }

  /**
   * The same overrides with the values of sensitive parameters replaced by {@value SafeText#MASK};
   * a sensitive value that also appears in the command is masked there too.
   */
  public ContainerOverride masked() {
    if (sensitiveEnvironment.isEmpty()) {
      return this;
    }
    Map<String, String> env = new java.util.LinkedHashMap<>(environment);
    List<String> argv = command;
    for (String variable : sensitiveEnvironment) {
      String value = env.put(variable, SafeText.MASK);
      if (argv != null && value != null && !value.isEmpty()) {
        argv = argv.stream().map(a -> a.replace(value, SafeText.MASK)).toList();
      }
    }
    return new ContainerOverride(name, env, argv, sensitiveEnvironment);
  }
}
