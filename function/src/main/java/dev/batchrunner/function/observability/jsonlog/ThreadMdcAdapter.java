package dev.batchrunner.function.observability.jsonlog;

import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.helpers.ThreadLocalMapOfStacks;
import org.slf4j.spi.MDCAdapter;

/**
 * The MDC, per thread and not inherited, as logback's. SLF4J's {@code BasicMDCAdapter} copies it
 * into every thread a thread starts: an SDK thread first started during one request would then
 * carry that request's {@code awsRequestId} into every later line.
 */
final class ThreadMdcAdapter implements MDCAdapter {
  private final ThreadLocal<Map<String, String>> values = new ThreadLocal<>();
  private final ThreadLocalMapOfStacks stacks = new ThreadLocalMapOfStacks();

  @Override
  public void put(String key, String value) {
    if (key == null) {
      throw new IllegalArgumentException("key cannot be null");
    }
    Map<String, String> map = values.get();
    if (map == null) {
      map = new HashMap<>();
      values.set(map);
    }
    map.put(key, value);
  }

  @Override
  public String get(String key) {
    Map<String, String> map = values.get();
    return map == null ? null : map.get(key);
  }

  @Override
  public void remove(String key) {
    Map<String, String> map = values.get();
    if (map != null) {
      map.remove(key);
    }
  }

  @Override
  public void clear() {
    values.remove();
  }

  @Override
  public Map<String, String> getCopyOfContextMap() {
    Map<String, String> map = values.get();
    return map == null ? null : new HashMap<>(map);
  }

  @Override
  public void setContextMap(Map<String, String> contextMap) {
    if (contextMap == null) {
      values.remove();
    } else {
      values.set(new HashMap<>(contextMap));
    }
  }

  /** This thread's entries, read in place (by the writer, on this thread). */
  Map<String, String> current() {
    Map<String, String> map = values.get();
    return map == null ? Map.of() : map;
  }

  @Override
  public void pushByKey(String key, String value) {
    stacks.pushByKey(key, value);
  }

  @Override
  public String popByKey(String key) {
    return stacks.popByKey(key);
  }

  @Override
  public Deque<String> getCopyOfDequeByKey(String key) {
    return stacks.getCopyOfDequeByKey(key);
  }

  @Override
  public void clearDequeByKey(String key) {
    stacks.clearDequeByKey(key);
  }
}
