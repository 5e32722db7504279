package dev.batchrunner.function.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * The CPU time of JMH's benchmark threads per operation ({@code cpu.time}, µs/op), next to the
 * wall-clock score: on a machine other work shares, waiting for a core inflates the wall-clock time
 * of an operation but not the CPU time it takes. It counts the benchmark threads only: collector
 * threads (and the VM thread, where SerialGC collects) are left out, so allocation's collection
 * cost is in the wall-clock score only. Per iteration: the CPU time the {@code *-jmh-worker-*}
 * threads used, divided by every operation they ran in it (JMH's {@code allOps}: the measured ones
 * and those of the synchronisation phases, which the CPU time also covers).
 */
public final class ThreadCpuProfiler implements InternalProfiler {
  static final String LABEL = "cpu.time";

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private Map<Long, Long> before = Map.of();

  public ThreadCpuProfiler() {
    if (!threads.isThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
    }
    threads.setThreadCpuTimeEnabled(true);
  }

  @Override
  public String getDescription() {
    return "CPU time of the benchmark threads per operation";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    before = workerCpu();
  }

  @Override
  public List<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long nanos = 0;
    for (Map.Entry<Long, Long> worker : workerCpu().entrySet()) {
      // A worker started during the iteration counts from zero.
      nanos += worker.getValue() - before.getOrDefault(worker.getKey(), 0L);
    }
    long ops = result.getMetadata().getAllOps();
    if (ops <= 0) {
      return List.of();
    }
    return List.of(new ScalarResult(LABEL, nanos / 1_000.0 / ops, "µs/op", AggregationPolicy.AVG));
  }

  /** Each live benchmark thread's CPU time so far, in nanoseconds, by thread id. */
  private Map<Long, Long> workerCpu() {
    Map<Long, Long> cpu = new HashMap<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().contains("-jmh-worker-")) {
        long nanos = threads.getThreadCpuTime(thread.getId());
        if (nanos >= 0) {
          cpu.put(thread.getId(), nanos);
        }
      }
    }
    return cpu;
  }
}
