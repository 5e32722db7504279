package dev.batchrunner.cli;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts every AWS request that leaves an SDK client of this JVM (each attempt, so the SDK's own
 * retries count, as AWS bills them), by service and operation: {@code DynamoDb.PutItem}. Loaded by
 * the SDK as a global interceptor from the test classpath (the {@code
 * software/amazon/awssdk/global/handlers/execution.interceptors} resource), so the function's
 * clients, built exactly as in Lambda, are counted without a hook in production code. Counting
 * costs a map update per request; nothing else changes.
 */
public final class AwsCallCounter implements ExecutionInterceptor {
  private static final Map<String, LongAdder> CALLS = new ConcurrentHashMap<>();

  @Override
  public void beforeTransmission(
      Context.BeforeTransmission context, ExecutionAttributes attributes) {
    String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    CALLS.computeIfAbsent(service + "." + operation, k -> new LongAdder()).increment();
  }

  /** The counts since the last reset, sorted. */
  static Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    CALLS.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  static void reset() {
    CALLS.clear();
  }

  static long count(String serviceDotOperation) {
    LongAdder adder = CALLS.get(serviceDotOperation);
    return adder == null ? 0 : adder.sum();
  }
}
