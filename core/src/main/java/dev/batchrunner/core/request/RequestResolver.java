package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.text.SafeText;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resolves a request once: catalog lookup, the parameter contract and defaults, the idempotency key
 * (record id and clientToken), the RunTask launch and its size limit, and the masked parameters for
 * logs. The function's dispatcher and log line and the operator CLI all use this one value, so they
 * cannot disagree about a request.
 */
public final class RequestResolver {
  private final BatchCatalog catalog;

  public RequestResolver(BatchCatalog catalog) {
    this.catalog = catalog;
  }

  /** The catalog requests are resolved against. */
  public BatchCatalog catalog() {
    return catalog;
  }

  /** Resolves one request; never throws for bad input. */
  public Resolution resolve(BatchRequest request) {
    BatchDefinition batch = catalog.find(request.batchTypeId()).orElse(null);
    Map<String, String> masked = mask(batch, request.parameters());
    if (batch == null) {
      return new Resolution.Invalid(
          request,
          false,
          masked,
          new Rejection(
              "batchTypeId",
              "unknown batch type "
                  + SafeText.quote(request.batchTypeId())
                  + " (known: "
                  + String.join(", ", new TreeSet<>(catalog.batchTypeIds()))
                  + ")"));
    }
    if (!batch.enabled()) {
      return new Resolution.Invalid(
          request,
          true,
          masked,
          new Rejection("batchTypeId", "batch type '" + batch.id() + "' is disabled"));
    }
    ParameterResolver.Resolution parameters =
        ParameterResolver.resolve(batch, request.parameters());
    if (parameters.rejection() != null) {
      return new Resolution.Invalid(request, true, masked, parameters.rejection());
    }
    IdempotencyKey key =
        IdempotencyKey.of(batch.id(), parameters.parameters(), request.idempotencyKey());
    TaskLaunch launch =
        TaskLaunchFactory.build(batch, parameters.parameters(), key, request.traceId());
    int overrides = TaskLaunchFactory.overridesLength(launch);
    if (overrides > TaskLaunchFactory.ECS_OVERRIDES_LIMIT) {
      return new Resolution.Invalid(
          request,
          true,
          masked,
          new Rejection(
              "parameters",
              "container overrides would be "
                  + overrides
                  + " characters, over ECS's limit of "
                  + TaskLaunchFactory.ECS_OVERRIDES_LIMIT));
    }
    return new Resolution.Valid(request, batch, parameters.parameters(), key, launch, masked);
  }

  /**
   * The parameters as they may leave the process (logs, events): values of declared, non-sensitive
   * parameters as given; sensitive and undeclared ones (and all, for an unknown batch) masked.
   *
   * @param batch the catalog entry, or null when the batch type is unknown
   */
  public static Map<String, String> mask(BatchDefinition batch, Map<String, String> given) {
    Map<String, String> masked = new TreeMap<>();
    given.forEach(
        (name, value) -> {
          ParameterSpec spec = batch == null ? null : batch.parameters().get(name);
          masked.put(name, spec == null || spec.sensitive() ? SafeText.MASK : value);
        });
    return masked;
  }
}
