package dev.batchrunner.core.request;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.TaskEnvironment;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The request a task carries in its environment when an {@code EcsDirect} rule started it (the
 * rule's InputTransformer writes the event's fields into container overrides): read back through
 * the catalog into the {@link BatchRequest} the function would have parsed from that event, so that
 * the guard and the task lifecycle resolve it, and compute its key, with the function's own {@link
 * RequestResolver}.
 *
 * <ul>
 *   <li>batch type: {@value TaskEnvironment#BATCH_TYPE_ID};
 *   <li>parameters: each parameter the batch declares, from its {@code env} name;
 *   <li>trace id: the batch's {@code traceIdEnv}, else {@value TaskEnvironment#EVENT_ID} (the
 *       envelope id, as the function defaults it), else a new one;
 *   <li>explicit key: {@value TaskEnvironment#REQUEST_KEY}.
 * </ul>
 *
 * A variable that is absent or empty is "not given" (EventBridge writes a missing event field as an
 * empty string): a parameter then gets its catalog default, exactly as on the function's path. A
 * request that gives a parameter as {@code ""} on purpose therefore differs between the two paths.
 */
public final class EnvironmentRequest {

  private EnvironmentRequest() {}

  /** What a task's environment holds. */
  public sealed interface Read {
    /** The request as the function would have parsed it; the catalog's checks are still to come. */
    BatchRequest request();

    /** A request: resolve it. */
    record Request(BatchRequest request) implements Read {}

    /**
     * A field the function refuses before the catalog (a missing batch type, a trace id or explicit
     * key it does not accept), with what is known of the request.
     */
    record Refused(BatchRequest request, Rejection rejection) implements Read {}
  }

  /**
   * Reads the request in {@code env}.
   *
   * @param traceIds a new trace id, for a request with neither a trace id nor a usable event id
   */
  public static Read read(
      BatchCatalog catalog, Map<String, String> env, Supplier<String> traceIds) {
    Objects.requireNonNull(traceIds, "traceIds");
    String eventId = given(env, TaskEnvironment.EVENT_ID);
    String batchTypeId = given(env, TaskEnvironment.BATCH_TYPE_ID);
    if (batchTypeId == null || batchTypeId.isBlank()) {
      return refused(
          null,
          eventId,
          traceIds,
          new Rejection(
              "batchTypeId",
              "required: the task's environment has no "
                  + TaskEnvironment.BATCH_TYPE_ID
                  + " (the EcsDirect rule's InputTransformer sets it)"));
    }
    BatchDefinition batch = catalog.find(batchTypeId).orElse(null);
    String traceId;
    String traceValue = batch == null ? null : given(env, batch.container().traceIdEnv());
    if (traceValue == null) {
      traceId = RequestFields.isTraceId(eventId) ? eventId : traceIds.get();
    } else if (!RequestFields.isTraceId(traceValue)) {
      return refused(
          batchTypeId, eventId, traceIds, new Rejection("traceId", RequestFields.TRACE_ID_RULE));
    } else {
      traceId = traceValue;
    }
    String explicitKey = given(env, TaskEnvironment.REQUEST_KEY);
    if (explicitKey != null && !RequestFields.isIdempotencyKey(explicitKey)) {
      return new Read.Refused(
          new BatchRequest(batchTypeId, traceId, Map.of(), null, eventId),
          new Rejection("idempotencyKey", RequestFields.IDEMPOTENCY_KEY_RULE));
    }
    Map<String, String> parameters = new TreeMap<>();
    if (batch != null) {
      for (ParameterSpec spec : batch.parameters().values()) {
        String value = given(env, spec.env());
        if (value != null) {
          parameters.put(spec.name(), value);
        }
      }
    }
    return new Read.Request(
        new BatchRequest(batchTypeId, traceId, parameters, explicitKey, eventId));
  }

  /**
   * Reads the request in {@code env} and resolves it: a {@link Resolution.Valid} with the key the
   * function computes for the same request, or the {@link Resolution.Invalid} with the field and
   * the reason the function gives.
   */
  public static Resolution resolve(
      RequestResolver resolver, Map<String, String> env, Supplier<String> traceIds) {
    Read read = read(resolver.catalog(), env, traceIds);
    if (read instanceof Read.Refused refused) {
      BatchRequest request = refused.request();
      return new Resolution.Invalid(
          request,
          request.batchTypeId() != null
              && resolver.catalog().find(request.batchTypeId()).isPresent(),
          Map.of(),
          refused.rejection());
    }
    return resolver.resolve(read.request());
  }

  private static Read refused(
      String batchTypeId, String eventId, Supplier<String> traceIds, Rejection rejection) {
    String traceId = RequestFields.isTraceId(eventId) ? eventId : traceIds.get();
    return new Read.Refused(
        new BatchRequest(batchTypeId, traceId, Map.of(), null, eventId), rejection);
  }

  /** The variable's value, or null when it is absent or empty. */
  private static String given(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }
}
