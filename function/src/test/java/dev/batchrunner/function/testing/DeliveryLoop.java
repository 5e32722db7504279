package dev.batchrunner.function.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.function.event.EventProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Deliveries to several execution environments at once, as EventBridge, Lambda and SQS make them:
 * each payload is delivered when it is due; one that fails retryably comes back after a delay (50
 * ms doubling to 2 s, as from Lambda's async retries or an SQS visibility timeout: an immediate
 * retry would spin against a dispatch still in its RunTask backoff), up to {@link #MAX_DELIVERIES}
 * times; one that fails for good is counted lost. Outcomes are counted by the answer's {@code
 * outcome}, failures as {@code FAILED <reason>}.
 */
public final class DeliveryLoop {
  public static final int MAX_DELIVERIES = 30;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HOLD = Duration.ofSeconds(30);

  private final DelayQueue<Delivery> queue = new DelayQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
  private final AtomicInteger redeliveries = new AtomicInteger();
  private final AtomicInteger lost = new AtomicInteger();

  /** Queues one delivery of {@code payload}, due in {@code delayMillis}. */
  public void add(byte[] payload, long delayMillis) {
    pending.incrementAndGet();
    queue.add(new Delivery(payload, 1, delayMillis));
  }

  /**
   * Delivers until nothing is pending, one thread per environment; {@code onAnswer} gets every
   * answer (it may {@link #add} more deliveries).
   */
  public void run(List<EventProcessor> environments, Consumer<JsonNode> onAnswer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(environments.size());
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (EventProcessor environment : environments) {
        workers.add(pool.submit(() -> work(environment, onAnswer)));
      }
      for (Future<?> worker : workers) {
        worker.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdown();
    }
  }

  private Void work(EventProcessor environment, Consumer<JsonNode> onAnswer) throws Exception {
    while (pending.get() > 0) {
      Delivery d = queue.poll(20, TimeUnit.MILLISECONDS);
      if (d == null) {
        continue;
      }
      try {
        JsonNode answer = JSON.readTree(environment.process(d.payload, HOLD));
        count(answer.get("outcome").asText());
        onAnswer.accept(answer);
        pending.decrementAndGet();
      } catch (DispatchFailedException e) {
        count("FAILED " + e.reason());
        if (e.retryable() && d.attempt < MAX_DELIVERIES) {
          redeliveries.incrementAndGet();
          long backoff = Math.min(2000, 50L << Math.min(d.attempt, 6));
          queue.add(new Delivery(d.payload, d.attempt + 1, backoff));
        } else {
          lost.incrementAndGet();
          pending.decrementAndGet();
        }
      }
    }
    return null;
  }

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
  }

  /** How many deliveries came to {@code outcome} (or {@code FAILED <reason>}). */
  public int outcome(String outcome) {
    AtomicInteger n = outcomes.get(outcome);
    return n == null ? 0 : n.get();
  }

  /** Every outcome with its count, sorted. */
  public Map<String, Integer> outcomes() {
    Map<String, Integer> copy = new TreeMap<>();
    outcomes.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  public int redeliveries() {
    return redeliveries.get();
  }

  /** Deliveries that failed for good or ran out of redeliveries. */
  public int lost() {
    return lost.get();
  }

  /** One delivery, due {@code delayMillis} after it was queued. */
  private static final class Delivery implements Delayed {
    final byte[] payload;
    final int attempt;
    private final long dueNanos;

    Delivery(byte[] payload, int attempt, long delayMillis) {
      this.payload = payload;
      this.attempt = attempt;
      this.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
