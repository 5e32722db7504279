package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.BatchDefinition;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request resolved once against the catalog: everything the dispatcher, the log line, the metrics
 * and the CLI need, or why the request is refused. See {@link RequestResolver}.
 */
public sealed interface Resolution {

  /** The request as parsed. */
  BatchRequest request();

  /** Whether the catalog has the batch type (metrics use it as a dimension only then). */
  boolean knownBatchType();

  /**
   * The request's parameters as they may be logged: values of declared, non-sensitive parameters;
   * sensitive and undeclared ones masked.
   */
  Map<String, String> maskedParameters();

  /**
   * A valid request, ready to claim and launch.
   *
   * @param request the request as parsed
   * @param batch its catalog entry
   * @param parameters the parameters after catalog defaults
   * @param key the idempotency key (record id, clientToken)
   * @param launch the exact RunTask inputs
   * @param maskedParameters the given parameters as they may be logged
   */
  record Valid(
      BatchRequest request,
      BatchDefinition batch,
      Map<String, String> parameters,
      IdempotencyKey key,
      TaskLaunch launch,
      Map<String, String> maskedParameters)
      implements Resolution {
    public Valid {
      parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
      maskedParameters = java.util.Collections.unmodifiableMap(new TreeMap<>(maskedParameters));
    }

    @Override
    public boolean knownBatchType() {
      return true;
    }
  }

  /**
   * A request the catalog refuses, before any AWS call.
   *
   * @param request the request as parsed
   * @param knownBatchType whether the batch type exists (it may be disabled)
   * @param maskedParameters the given parameters as they may be logged
   * @param rejection the field at fault and why
   */
  record Invalid(
      BatchRequest request,
      boolean knownBatchType,
      Map<String, String> maskedParameters,
      Rejection rejection)
      implements Resolution {
    public Invalid {
      maskedParameters = java.util.Collections.unmodifiableMap(new TreeMap<>(maskedParameters));
    }
  }
}
