package dev.batchrunner.cli;

import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.dispatch.DispatchOutcome;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.dispatch.TaskEventOutcome;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.event.TaskEventResult;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The function as {@code explain} runs it: its own pipeline, assembled by {@link FunctionFactory}
 * in {@code DRY_RUN} (so the RunTask request is built by the ECS adapter's code and the SDK's
 * marshaller, and sent nowhere), over an idempotency store with no records, and with task state
 * changes captured instead of followed. Every request is therefore explained as the first of its
 * key; nothing leaves the process and nothing is kept.
 *
 * <p>The pipeline is not taken apart: the CLI may not build the function's parser itself (only
 * {@code FunctionFactory} does, ArchitectureTest), so the event goes through the whole pipeline and
 * each request is read back from what the pipeline reports: its {@link RequestSummary} (with the
 * {@link Resolution} the dispatcher's resolver made) and the dry run's RunTask body.
 */
final class OfflineFunction {
  /** The dry run signs for a region; the RunTask body it shows does not depend on it. */
  private static final Region REGION = Region.US_EAST_1;

  /** The table name the configuration requires; no DynamoDB client is built for it. */
  private static final String NO_TABLE = "explain-offline-no-table";

  /** One item of the event, in the order the function handled it. */
  sealed interface Item {
    /** The SQS message id, or null outside an SQS batch. */
    String messageId();

    /** The EventBridge event id, else the SQS message id; null for a bare request. */
    String eventId();

    /**
     * A valid request.
     *
     * @param resolution the request as the function's resolver resolved it
     * @param runTask the RunTask request body the dry run built (sensitive values masked)
     */
    record Request(String messageId, String eventId, Resolution.Valid resolution, String runTask)
        implements Item {}

    /**
     * A refused request or event.
     *
     * @param resolution the catalog's refusal, or null when the event was refused as read
     */
    record Rejected(
        String messageId,
        String eventId,
        String batchTypeId,
        String traceId,
        Rejection rejection,
        Resolution.Invalid resolution)
        implements Item {}

    /** An ECS task state change, as the parser read it. */
    record TaskEvent(String messageId, String eventId, TaskStateChange change) implements Item {}

    /** A valid request the dry-run pipeline could not dispatch (a bug: nothing is sent). */
    record Failed(String messageId, String eventId, Resolution resolution, String message)
        implements Item {}
  }

  /**
   * What the function made of one event.
   *
   * @param answer what the function answers: a direct request's outcome (here a dry run's), an SQS
   *     batch's {@code batchItemFailures}; null when it throws (a rejected direct request)
   */
  record Explained(List<Item> items, String answer) {}

  private final EventProcessor processor;
  private final TaskLauncher launcher;
  private final List<Item> items = new ArrayList<>();
  private String pendingRunTask;

  /** Runs one event through the function's pipeline, offline, and answers each item it held. */
  static Explained explain(BatchCatalog catalog, byte[] event) {
    return new OfflineFunction(catalog).run(event);
  }

  private OfflineFunction(BatchCatalog catalog) {
    FunctionConfig config =
        new FunctionConfig(
            NO_TABLE,
            catalog,
            true,
            EmfMetricsObserver.DEFAULT_NAMESPACE,
            false,
            new AwsConnection(
                REGION, AnonymousCredentialsProvider.create(), AwsConnection.Endpoints.AWS));
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .store(new NoRecords())
                .dryRunSink(body -> pendingRunTask = body)
                .observer(this::completed)
                .taskEvents(
                    (change, delivery, remaining) -> {
                      items.add(
                          new Item.TaskEvent(delivery.messageId(), delivery.eventId(), change));
                      return new TaskEventResult(
                          TaskEventOutcome.ignored(
                              change.task().taskArn(),
                              change.idempotencyKey(),
                              "explained offline, not followed"));
                    })
                .build());
    this.processor = assembly.processor();
    this.launcher = assembly.launcher();
  }

  private Explained run(byte[] event) {
    String answer;
    try {
      answer = new String(processor.process(event, Duration.ZERO), StandardCharsets.UTF_8);
    } catch (RequestRejectedException | DispatchFailedException e) {
      // The items hold it: the observer was told before the throw.
      answer = null;
    } finally {
      if (launcher instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          // The dry run's client holds no connection; nothing to report.
        }
      }
    }
    return new Explained(List.copyOf(items), answer);
  }

  private void completed(RequestSummary summary) {
    String messageId = summary.delivery().messageId();
    String eventId = summary.delivery().eventId();
    String runTask = pendingRunTask;
    pendingRunTask = null;
    DispatchOutcome result = summary.result();
    if (result instanceof DispatchOutcome.Rejected rejected) {
      items.add(
          new Item.Rejected(
              messageId,
              eventId,
              rejected.batchTypeId(),
              rejected.traceId(),
              rejected.rejection(),
              summary.resolution() instanceof Resolution.Invalid invalid ? invalid : null));
    } else if (summary.resolution() instanceof Resolution.Valid valid && runTask != null) {
      items.add(new Item.Request(messageId, eventId, valid, runTask));
    } else {
      items.add(
          new Item.Failed(
              messageId,
              eventId,
              summary.resolution(),
              summary.reason() != null
                  ? summary.reason()
                  : "the dry run built no RunTask request (outcome " + summary.outcome() + ")"));
    }
  }

  /**
   * An idempotency store with no records: every claim is the first of its key, every write wins,
   * and nothing is kept, so the pipeline goes straight to the (dry-run) launch.
   */
  private static final class NoRecords implements IdempotencyStore {
    @Override
    public Claim claim(IdempotencyRecord record, Instant now) {
      return new Claim.Acquired();
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
      return Optional.empty();
    }

    @Override
    public boolean replace(IdempotencyRecord next, String expectedRevision) {
      return true;
    }

    @Override
    public void release(String id, String claimId) {}
  }
}
