package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.text.SafeText;
import java.util.Map;
import java.util.TreeMap;

/** Checks a request's parameters against its batch's declared contract and applies defaults. */
final class ParameterResolver {

  private ParameterResolver() {}

  /** The parameters after defaults, or the first problem found, in parameter-name order. */
  static Resolution resolve(BatchDefinition batch, Map<String, String> given) {
    for (String name : given.keySet()) {
      if (!batch.parameters().containsKey(name)) {
        String declared =
            batch.parameters().isEmpty() ? "none" : String.join(", ", batch.parameters().keySet());
        return Resolution.rejected(
            new Rejection(
                SafeText.parameterField(name),
                "not declared for batch type '" + batch.id() + "' (declared: " + declared + ")"));
      }
    }
    Map<String, String> resolved = new TreeMap<>();
    for (ParameterSpec spec : batch.parameters().values()) {
      String value = given.get(spec.name());
      if (value == null) {
        if (spec.required()) {
          return Resolution.rejected(
              new Rejection(SafeText.parameterField(spec.name()), "required"));
        }
        if (spec.defaultValue() == null) {
          continue;
        }
        value = spec.defaultValue();
      }
      Rejection problem = check(spec, value);
      if (problem != null) {
        return Resolution.rejected(problem);
      }
      resolved.put(spec.name(), value);
    }
    return new Resolution(resolved, null);
  }

  private static Rejection check(ParameterSpec spec, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        return new Rejection(
            SafeText.parameterField(spec.name()),
            String.format("contains control character U+%04X", (int) c));
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // A JSON escape such as \ud800 alone: not text ECS or the task can carry.
        return new Rejection(
            SafeText.parameterField(spec.name()),
            String.format("contains an unpaired surrogate U+%04X (not valid Unicode)", (int) c));
      }
    }
    if (spec.maxLength() != null && value.length() > spec.maxLength()) {
      return new Rejection(
          SafeText.parameterField(spec.name()),
          "is " + value.length() + " characters, over its maxLength " + spec.maxLength());
    }
    if (spec.pattern() != null && !spec.pattern().matcher(value).matches()) {
      String shown = spec.sensitive() ? "value (sensitive, not shown)" : SafeText.quote(value);
      return new Rejection(
          SafeText.parameterField(spec.name()),
          shown + " does not match pattern " + spec.pattern().pattern());
    }
    return null;
  }

  /** Resolved parameters, or the rejection. */
  record Resolution(Map<String, String> parameters, Rejection rejection) {
    static Resolution rejected(Rejection rejection) {
      return new Resolution(Map.of(), rejection);
    }
  }
}
