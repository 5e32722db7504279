package dev.batchrunner.core.catalog;

import java.util.regex.Pattern;

/**
 * The catalog's contract for one business parameter of a batch.
 *
 * @param name the parameter name publishers use
 * @param env the container environment variable it is passed in
 * @param required whether a request must give it
 * @param defaultValue the value when absent, or null
 * @param pattern a regular expression the whole value must match, or null
 * @param maxLength the longest value allowed, or null
 * @param sensitive whether logs and error messages must mask the value
 */
public record ParameterSpec(
    String name,
    String env,
    boolean required,
    String defaultValue,
    Pattern pattern,
    Integer maxLength,
    boolean sensitive) {}
