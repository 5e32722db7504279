package dev.batchrunner.function.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.Completion;
import dev.batchrunner.core.dispatch.CompletionPublisher;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskFollower;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.event.TaskObserver;
import dev.batchrunner.function.testing.Processors;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request work of an ECS task state change beyond the network, through the real pipeline
 * ({@link FunctionFactory#assemble}, then {@link EventProcessor#process}): parse the event and its
 * detail ({@code TaskStateChangeReader}), match it to its record by the {@code IDEMPOTENCY_KEY}
 * override, read the record, decide ({@code TaskTransition}), write the decision with a write
 * conditioned on the revision read, and for a STOPPED event that finishes the record, put the
 * completion event and clear its {@code completionDue} (a second conditional write), as {@link
 * TaskFollower} does in production with {@code COMPLETION_EVENT_BUS} set; then the observer, and
 * the answer.
 *
 * <p>The record is the one a real dispatch writes: {@link #setUp} dispatches {@code
 * monolith-put-events.json} (the request the task samples under {@code events/task-state-change/}
 * belong to) through the same pipeline, with a launcher that answers the sample's task ARN, and
 * keeps its {@code DISPATCHED} record. The in-memory store hands that record back on every read and
 * honours revisions on writes; each invocation first puts the {@code DISPATCHED} record back (one
 * field write), so every event is applied for the first time rather than ignored as a repeat. The
 * completion publisher discards (and counts); the launcher refuses (no path measured here starts a
 * task). {@link #setUp} checks once per processor that the event is handled as in production:
 * {@code stopped-exit-0.json} ends the record {@code SUCCEEDED} and puts one completion event,
 * {@code running.json} moves it to {@code RUNNING} ({@code UPDATED}).
 *
 * <p>{@code noOpObserver} leaves logs and metrics out (the request and the task observer are
 * no-ops); {@code defaultObserver} uses the factory's production observers (the task event's JSON
 * log line and its Task* EMF metrics), with stdout sent to a null stream. Run with the dispatch
 * benchmark: {@link DispatchCostBenchmark#main} runs both and writes one report.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TaskEventCostBenchmark {
  private static final String REQUEST = "monolith-put-events.json";
  private static final Duration REMAINING = Duration.ofSeconds(30);

  /** The sample event under {@code events/task-state-change/}. */
  @Param({"stopped-exit-0.json", "running.json"})
  public String event;

  private byte[] payload;
  private EventProcessor quiet;
  private EventProcessor observed;
  private PrintStream stdout;
  private final RecordStore store = new RecordStore();
  private final DiscardingPublisher publisher = new DiscardingPublisher();

  @Setup
  public void setUp() {
    payload = Fixtures.event("task-state-change/" + event);
    JsonNode detail = read(payload).get("detail");
    String taskArn = detail.get("taskArn").asText();
    String key = idempotencyKey(detail);
    store.dispatched = dispatchedRecord(taskArn);
    if (!store.dispatched.id().equals(key)) {
      throw new IllegalStateException(
          event
              + "'s IDEMPOTENCY_KEY "
              + key
              + " is not the key of "
              + REQUEST
              + "'s request, "
              + store.dispatched.id()
              + ": the samples no longer belong together");
    }
    Expected expected = Expected.of(event);
    quiet = processor(new NoOpTaskObserver());
    observed = processor(null); // the production observers
    stdout = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
    // Both must apply the event to the record as production does, or the benchmark measures a
    // shortcut ("no record", a repeated version, ...).
    for (EventProcessor processor : List.of(quiet, observed)) {
      int published = publisher.published;
      store.reset();
      JsonNode answer = read(processor.process(payload, REMAINING));
      IdempotencyRecord written = store.current;
      int completions = publisher.published - published;
      if (!expected.outcome.name().equals(answer.path("outcome").asText())
          || written.status() != expected.status
          || completions != expected.completions) {
        System.setOut(stdout);
        throw new IllegalStateException(
            event
                + ": expected "
                + expected
                + ", got the answer "
                + answer
                + ", the record "
                + written.status()
                + " and "
                + completions
                + " completion event(s)");
      }
    }
  }

  @TearDown
  public void tearDown() {
    System.setOut(stdout);
  }

  @Benchmark
  public byte[] noOpObserver() {
    store.reset();
    return quiet.process(payload, REMAINING);
  }

  @Benchmark
  public byte[] defaultObserver() {
    store.reset();
    return observed.process(payload, REMAINING);
  }

  private EventProcessor processor(TaskObserver taskObserver) {
    return FunctionFactory.assemble(
            Processors.config(Processors.catalog(), "benchmark", Processors.OFFLINE),
            FunctionFactory.Options.builder()
                .observer(taskObserver == null ? null : summary -> {})
                .taskObserver(taskObserver)
                .store(store)
                .launcher(new RefusingLauncher())
                .completionPublisher(publisher)
                .build())
        .processor();
  }

  /** The DISPATCHED record a real dispatch of {@link #REQUEST} writes, its task {@code taskArn}. */
  private static IdempotencyRecord dispatchedRecord(String taskArn) {
    DispatchCostBenchmark.GrantingStore granting = new DispatchCostBenchmark.GrantingStore();
    EventProcessor dispatcher =
        FunctionFactory.assemble(
                Processors.config(Processors.catalog(), "benchmark", Processors.OFFLINE),
                FunctionFactory.Options.builder()
                    .observer(summary -> {})
                    .store(granting)
                    .launcher(launch -> new LaunchResult(List.of(taskArn), false))
                    .build())
            .processor();
    JsonNode answer = read(dispatcher.process(Fixtures.event(REQUEST), REMAINING));
    IdempotencyRecord record = granting.last;
    if (!"DISPATCHED".equals(answer.path("outcome").asText())
        || record == null
        || record.status() != RequestStatus.DISPATCHED
        || !taskArn.equals(record.current().taskArn())) {
      throw new IllegalStateException("the dispatch wrote no DISPATCHED record: " + answer);
    }
    return record;
  }

  private static String idempotencyKey(JsonNode detail) {
    for (JsonNode override : detail.path("overrides").path("containerOverrides")) {
      for (JsonNode variable : override.path("environment")) {
        if ("IDEMPOTENCY_KEY".equals(variable.path("name").asText())) {
          return variable.path("value").asText();
        }
      }
    }
    throw new IllegalStateException("the sample has no IDEMPOTENCY_KEY override");
  }

  private static JsonNode read(byte[] json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the production pipeline makes of a sample, on the record {@link #setUp} dispatched. */
  private record Expected(TaskEventOutcome.Kind outcome, RequestStatus status, int completions) {
    static Expected of(String sample) {
      return switch (sample) {
        case "stopped-exit-0.json" ->
            new Expected(TaskEventOutcome.Kind.SUCCEEDED, RequestStatus.SUCCEEDED, 1);
        case "running.json" ->
            new Expected(TaskEventOutcome.Kind.UPDATED, RequestStatus.RUNNING, 0);
        default -> throw new IllegalArgumentException("no expected outcome for " + sample);
      };
    }
  }

  /**
   * One record, as DynamoDB holds it: read by id, replaced only when the revision read is still
   * stored. {@link #reset} puts the DISPATCHED record back.
   */
  static final class RecordStore implements IdempotencyStore {
    IdempotencyRecord dispatched;
    IdempotencyRecord current;

    void reset() {
      current = dispatched;
    }

    @Override
    public Claim claim(IdempotencyRecord record, Instant now) {
      throw new UnsupportedOperationException("a task state change claims nothing here");
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
      IdempotencyRecord stored = current;
      return stored != null && stored.id().equals(id) ? Optional.of(stored) : Optional.empty();
    }

    @Override
    public boolean replace(IdempotencyRecord next, String expectedRevision) {
      IdempotencyRecord stored = current;
      if (stored == null
          || !stored.id().equals(next.id())
          || !Objects.equals(stored.revision(), expectedRevision)) {
        return false;
      }
      current = next;
      return true;
    }

    @Override
    public void release(String id, String claimId) {
      throw new UnsupportedOperationException("a task state change releases nothing here");
    }
  }

  /** Puts nothing; counts what it was handed. */
  static final class DiscardingPublisher implements CompletionPublisher {
    int published;

    @Override
    public void publish(Completion completion) {
      published++;
    }
  }

  /** No path measured here starts a task (no retry): a launch is a mistake in the setup. */
  private static final class RefusingLauncher implements TaskLauncher {
    @Override
    public LaunchResult launch(TaskLaunch launch) {
      throw new IllegalStateException("no task launch expected on a task event's path");
    }
  }

  private static final class NoOpTaskObserver implements TaskObserver {
    @Override
    public void handled(
        TaskStateChange change, TaskEventOutcome outcome, RequestSummary.Delivery delivery) {}

    @Override
    public void failed(
        TaskStateChange change, RuntimeException failure, RequestSummary.Delivery delivery) {}
  }
}
