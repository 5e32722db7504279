package dev.batchrunner.function;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.aws.events.EventBridgeCompletionPublisher;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.aws.sdk.SdkClients;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.core.dispatch.CompletionPublisher;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskFollower;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.json.RawJson;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.function.event.EventParser;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.LifecycleTaskEventHandler;
import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.event.TaskEventHandler;
import dev.batchrunner.function.event.TaskObserver;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import dev.batchrunner.function.observability.EmfTaskMetrics;
import dev.batchrunner.function.observability.LoggingRequestObserver;
import dev.batchrunner.function.observability.LoggingTaskObserver;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * Assembles the function from a {@link FunctionConfig}, once per execution environment: the SDK
 * clients, the idempotency store, the task launcher (ECS, or the dry run's) and the event pipeline.
 * The handler, the tests and the local runner all assemble it here; start-up tricks (priming,
 * SnapStart hooks) are the handler's, around the result.
 */
public final class FunctionFactory {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionFactory.class);

  private FunctionFactory() {}

  /**
   * What the caller holds for the life of the execution environment.
   *
   * @param processor the request pipeline
   * @param ids the one source of trace ids and claim ids (reseed it after a SnapStart restore)
   * @param catalog the catalog the pipeline dispatches against
   * @param store the idempotency store the pipeline uses
   * @param launcher the task launcher the pipeline uses: the ECS one, or with {@code DRY_RUN} the
   *     one that only builds the request and hands it to {@link Options#dryRunSink()}
   * @param dispatcher the pipeline's dispatcher (the CLI's {@code rerun} starts attempts with it)
   */
  public record Assembly(
      EventProcessor processor,
      RandomIds ids,
      BatchCatalog catalog,
      IdempotencyStore store,
      TaskLauncher launcher,
      BatchDispatcher dispatcher) {}

  /**
   * What a caller may change in the assembly; everything else follows the configuration. Build with
   * {@link #builder()}: every option has its production default.
   *
   * @param clock the dispatcher's and the metrics' time
   * @param ids the one source of trace ids and claim ids; tests pass a seeded one
   * @param observer told of every request; null for the production one (a JSON log line and EMF
   *     metrics to stdout, in the configuration's metrics namespace)
   * @param dryRunSink receives each RunTask request a dry run builds, as JSON text
   * @param httpClient wraps the HTTP client the SDK clients share
   * @param store makes the store from the factory's DynamoDB one, which it builds only when asked
   * @param launcher makes the launcher from the factory's ECS or dry-run one, built only when asked
   * @param taskEvents where ECS task state changes go; null for the production one, the task
   *     lifecycle ({@link LifecycleTaskEventHandler})
   * @param taskObserver told of every task state change handled; null for the production one (a
   *     JSON log line and the Task* EMF metrics)
   * @param completionPublisher makes the completion publisher from the factory's EventBridge one
   *     (null without {@code COMPLETION_EVENT_BUS}), which it builds only when asked
   */
  public record Options(
      Clock clock,
      RandomIds ids,
      RequestObserver observer,
      Consumer<String> dryRunSink,
      UnaryOperator<SdkHttpClient> httpClient,
      Function<Supplier<IdempotencyStore>, IdempotencyStore> store,
      Function<Supplier<TaskLauncher>, TaskLauncher> launcher,
      TaskEventHandler taskEvents,
      TaskObserver taskObserver,
      Function<Supplier<CompletionPublisher>, CompletionPublisher> completionPublisher) {
    public Options {
      Objects.requireNonNull(completionPublisher, "completionPublisher");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(ids, "ids");
      Objects.requireNonNull(dryRunSink, "dryRunSink");
      Objects.requireNonNull(httpClient, "httpClient");
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(launcher, "launcher");
    }

    /** Production: nothing changed. */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Builds {@link Options}; what is not set keeps its production default. */
    public static final class Builder {
      private Clock clock = Clock.systemUTC();
      private RandomIds ids;
      private RequestObserver observer;
      private Consumer<String> dryRunSink = FunctionFactory::logDryRun;
      private UnaryOperator<SdkHttpClient> httpClient = UnaryOperator.identity();
      private Function<Supplier<IdempotencyStore>, IdempotencyStore> store = Supplier::get;
      private Function<Supplier<TaskLauncher>, TaskLauncher> launcher = Supplier::get;
      private TaskEventHandler taskEvents;
      private TaskObserver taskObserver;
      private Function<Supplier<CompletionPublisher>, CompletionPublisher> completionPublisher =
          Supplier::get;

      private Builder() {}

      /** Default {@link Clock#systemUTC()}. */
      public Builder clock(Clock clock) {
        this.clock = clock;
        return this;
      }

      /** Default a new {@link RandomIds}. */
      public Builder ids(RandomIds ids) {
        this.ids = ids;
        return this;
      }

      /** Default (or null): the production observer. */
      public Builder observer(RequestObserver observer) {
        this.observer = observer;
        return this;
      }

      /** Used only with {@code DRY_RUN}; default one INFO log line per request. */
      public Builder dryRunSink(Consumer<String> dryRunSink) {
        this.dryRunSink = dryRunSink;
        return this;
      }

      /** Around the HTTP client of the SDK clients (the handler's: one it can prime with). */
      public Builder wrapHttpClient(UnaryOperator<SdkHttpClient> wrapper) {
        this.httpClient = wrapper;
        return this;
      }

      /** Around the DynamoDB store, e.g. to inject a fault. */
      public Builder wrapStore(UnaryOperator<IdempotencyStore> wrapper) {
        this.store = dynamoDb -> wrapper.apply(dynamoDb.get());
        return this;
      }

      /** In place of the DynamoDB store (in memory, for tests): no DynamoDB client is built. */
      public Builder store(IdempotencyStore replacement) {
        Objects.requireNonNull(replacement, "store");
        this.store = dynamoDb -> replacement;
        return this;
      }

      /** Around the launcher the configuration selects (ECS, or the dry run's). */
      public Builder wrapLauncher(UnaryOperator<TaskLauncher> wrapper) {
        this.launcher = selected -> wrapper.apply(selected.get());
        return this;
      }

      /** In place of the launcher the configuration selects: no ECS client is built. */
      public Builder launcher(TaskLauncher replacement) {
        Objects.requireNonNull(replacement, "launcher");
        this.launcher = selected -> replacement;
        return this;
      }

      /** Default (or null): the production handler of ECS task state changes. */
      public Builder taskEvents(TaskEventHandler taskEvents) {
        this.taskEvents = taskEvents;
        return this;
      }

      /** Default (or null): the production log line and metrics of task state changes. */
      public Builder taskObserver(TaskObserver taskObserver) {
        this.taskObserver = taskObserver;
        return this;
      }

      /**
       * In place of the completion publisher {@code COMPLETION_EVENT_BUS} selects (null: no
       * completion events): no EventBridge client is built.
       */
      public Builder completionPublisher(CompletionPublisher replacement) {
        this.completionPublisher = selected -> replacement;
        return this;
      }

      /** Around the completion publisher the configuration selects, e.g. to inject a fault. */
      public Builder wrapCompletionPublisher(UnaryOperator<CompletionPublisher> wrapper) {
        this.completionPublisher =
            selected -> {
              CompletionPublisher publisher = selected.get();
              return publisher == null ? null : wrapper.apply(publisher);
            };
        return this;
      }

      public Options build() {
        return new Options(
            clock,
            ids == null ? new RandomIds() : ids,
            observer,
            dryRunSink,
            httpClient,
            store,
            launcher,
            taskEvents,
            taskObserver,
            completionPublisher);
      }
    }
  }

  /** The production function. */
  public static Assembly assemble(FunctionConfig config) {
    return assemble(config, Options.defaults());
  }

  /** The function, with the given options. */
  public static Assembly assemble(FunctionConfig config, Options options) {
    Supplier<SdkHttpClient> http = once(() -> options.httpClient().apply(SdkClients.httpClient()));
    IdempotencyStore store =
        options
            .store()
            .apply(
                () ->
                    new DynamoDbIdempotencyStore(
                        SdkClients.dynamoDb(config.aws(), http.get(), ClientSettings.DYNAMODB),
                        config.table()));
    TaskLauncher launcher =
        options
            .launcher()
            .apply(
                () ->
                    config.dryRun()
                        ? new DryRunTaskLauncher(config.aws().region(), options.dryRunSink())
                        : new EcsTaskLauncher(
                            SdkClients.ecs(config.aws(), http.get(), ClientSettings.ECS)));
    RandomIds ids = options.ids();
    RequestObserver observer =
        options.observer() == null
            ? productionObserver(config.metricsNamespace(), options.clock())
            : options.observer();
    CompletionPublisher publisher =
        options.completionPublisher().apply(() -> completionPublisher(config, http));
    TaskEventHandler taskEvents =
        options.taskEvents() == null
            ? new LifecycleTaskEventHandler(
                new TaskFollower(
                    config.catalog(), store, launcher, publisher, options.clock(), ids),
                options.taskObserver() == null
                    ? productionTaskObserver(config.metricsNamespace(), options.clock())
                    : options.taskObserver())
            : options.taskEvents();
    BatchDispatcher dispatcher =
        new BatchDispatcher(config.catalog(), store, launcher, options.clock(), ids);
    EventProcessor processor =
        new EventProcessor(new EventParser(ids), dispatcher, observer, taskEvents);
    return new Assembly(processor, ids, config.catalog(), store, launcher, dispatcher);
  }

  /**
   * The guard's assembly ({@code EcsDirect}, the CLI's {@code guard}): the function's store and
   * dispatcher, assembled as {@link #assemble} assembles them, so that the guard claims the record
   * the function would claim, with the same duplicate, re-run and takeover rules. Only the launcher
   * differs: it starts nothing and answers with {@code ownTaskArn}, the task the guard runs in
   * (EventBridge started it), which a claimed attempt records as its task. No ECS or EventBridge
   * client is built: the guard never launches, and never finishes a record.
   *
   * @param ownTaskArn the guard's own task (from the ECS task metadata endpoint)
   * @param options everything else, as for {@link #assemble(FunctionConfig, Options)}; its launcher
   *     and completion publisher are replaced
   */
  public static Assembly guard(FunctionConfig config, String ownTaskArn, Options.Builder options) {
    return assemble(
        config,
        options.launcher(new RunningTaskLauncher(ownTaskArn)).completionPublisher(null).build());
  }

  /** One JSON log line and EMF metrics (to stdout, Lambda's log stream) per request. */
  static RequestObserver productionObserver(String metricsNamespace, Clock clock) {
    RequestObserver log = new LoggingRequestObserver();
    // System.out looked up per line, as the JSON log lines do (jsonlog.JsonLineWriter).
    RequestObserver metrics =
        new EmfMetricsObserver(metricsNamespace, line -> System.out.println(line), clock);
    return summary -> {
      log.completed(summary);
      metrics.completed(summary);
    };
  }

  /**
   * The publisher of {@code COMPLETION_EVENT_BUS}, on the function's HTTP client, or null without
   * one: no EventBridge client is built (or loaded) then.
   */
  private static CompletionPublisher completionPublisher(
      FunctionConfig config, Supplier<SdkHttpClient> http) {
    if (config.completionEventBus() == null) {
      return null;
    }
    return new EventBridgeCompletionPublisher(
        SdkClients.eventBridge(config.aws(), http.get(), ClientSettings.EVENTBRIDGE),
        config.completionEventBus());
  }

  /** One JSON log line per task state change and the Task* metrics (EMF to stdout). */
  static TaskObserver productionTaskObserver(String metricsNamespace, Clock clock) {
    TaskObserver log = new LoggingTaskObserver();
    TaskObserver metrics =
        new EmfTaskMetrics(metricsNamespace, line -> System.out.println(line), clock);
    return new TaskObserver() {
      @Override
      public void handled(
          TaskStateChange change, TaskEventOutcome outcome, RequestSummary.Delivery delivery) {
        log.handled(change, outcome, delivery);
        metrics.handled(change, outcome, delivery);
      }

      @Override
      public void failed(
          TaskStateChange change, RuntimeException failure, RequestSummary.Delivery delivery) {
        log.failed(change, failure, delivery);
        metrics.failed(change, failure, delivery);
      }
    };
  }

  /** The value of {@code supplier}, made on the first call: both SDK clients share it. */
  private static <T> Supplier<T> once(Supplier<T> supplier) {
    return new Supplier<>() {
      private T value;

      @Override
      public T get() {
        if (value == null) {
          value = supplier.get();
        }
        return value;
      }
    };
  }

  private static void logDryRun(String runTaskRequest) {
    LOG.atInfo()
        .addKeyValue("runTaskRequest", new RawJson(runTaskRequest))
        .log("dry run: RunTask not sent");
  }
}
