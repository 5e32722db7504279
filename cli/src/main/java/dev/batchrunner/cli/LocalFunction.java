package dev.batchrunner.cli;

import dev.batchrunner.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.batchrunner.aws.ecs.EcsTaskLauncher;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.emulators.MotoEcsFixture;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.event.RequestSummary;
import dev.batchrunner.function.observability.EmfMetricsObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * The function as {@code local} runs it: where {@code local} assembles the function's request
 * pipeline from core, aws and function types, and turns its answers and exceptions into the CLI's
 * own values ({@code explain} has OfflineFunction, {@code rerun} the factory's dispatcher; all
 * three go through {@link FunctionFactory}). When the function's assembly changes, re-point these
 * classes, not the commands.
 *
 * <p>It assembles through {@link FunctionFactory}, as the handler does, but never takes the
 * Lambda's start-up path (priming, SnapStart hooks), which the CLI jar does not carry.
 */
final class LocalFunction {
  /** Invocations wait at most this long, as a function with a 1-minute timeout would. */
  private static final Duration INVOCATION_TIME = Duration.ofMinutes(1);

  /** How the function reaches ECS. */
  sealed interface Ecs {
    /** Builds each RunTask request and hands its JSON to {@code requests}; sends nothing. */
    record DryRun(Region region, Consumer<String> requests) implements Ecs {}

    /** Sends RunTask with this client. */
    record Client(EcsClient client) implements Ecs {}
  }

  /**
   * What one request came to, as the function's log line tells it.
   *
   * @param outcome DISPATCHED, DUPLICATE, REJECTED or FAILED
   * @param messageId the SQS message id, or null outside an SQS batch
   * @param reason for REJECTED the field and reason, for FAILED the failure; else null
   */
  record Request(
      String outcome,
      String messageId,
      String batchTypeId,
      String traceId,
      String idempotencyKey,
      List<String> taskArns,
      String reason,
      boolean retryable,
      boolean dryRun) {}

  /** How one invocation ended, with each request it carried. */
  sealed interface Result {
    List<Request> requests();

    /** The function answered (a direct request's outcome, or an SQS batch's failures). */
    record Answered(String answer, List<Request> requests) implements Result {}

    /** A direct request was rejected before any AWS call. */
    record Rejected(String field, String reason, List<Request> requests) implements Result {}

    /** A direct request could not be dispatched (DynamoDB or ECS failed). */
    record Failed(String message, boolean retryable, List<Request> requests) implements Result {}
  }

  private final EventProcessor processor;
  private final List<Request> requests = new ArrayList<>();

  private LocalFunction(BatchCatalog catalog, DynamoDbClient dynamo, String table, Ecs ecs) {
    // Through the function's own factory, as the handler assembles it (minus the start-up tricks):
    // DynamoDB Local's client replaces the store's, and a dry run is the factory's DRY_RUN path.
    // The factory builds no SDK client from this connection (the store and the ECS client are
    // given); only a dry run reads its region, to sign the request it shows.
    Region region = ecs instanceof Ecs.DryRun dryRun ? dryRun.region() : LocalCommand.REGION;
    FunctionConfig config =
        new FunctionConfig(
            table,
            catalog,
            ecs instanceof Ecs.DryRun,
            EmfMetricsObserver.DEFAULT_NAMESPACE,
            false,
            new AwsConnection(
                region, AnonymousCredentialsProvider.create(), AwsConnection.Endpoints.AWS));
    FunctionFactory.Options.Builder options =
        FunctionFactory.Options.builder()
            .store(new DynamoDbIdempotencyStore(dynamo, table))
            .observer(summary -> requests.add(request(summary)));
    if (ecs instanceof Ecs.DryRun dryRun) {
      options.dryRunSink(dryRun.requests());
    } else {
      options.launcher(new EcsTaskLauncher(((Ecs.Client) ecs).client()));
    }
    this.processor = FunctionFactory.assemble(config, options.build()).processor();
  }

  /**
   * Validates the catalog the environment names ({@code BATCH_CATALOG}, else the shipped {@code
   * batches.json}), filling its placeholders from {@code env}, and answers the task definition
   * families it runs with their container names (what moto must have registered).
   *
   * @throws CliException (exit 2) listing every problem of an invalid catalog
   */
  static Map<String, Set<String>> taskDefinitions(Map<String, String> env) {
    return MotoEcsFixture.containersByFamily(catalog(env));
  }

  /**
   * The function over the given DynamoDB table and ECS, with the catalog {@code env} names.
   *
   * @throws CliException (exit 2) listing every problem of an invalid catalog
   */
  static LocalFunction assemble(
      Map<String, String> env, DynamoDbClient dynamo, String table, Ecs ecs) {
    return new LocalFunction(catalog(env), dynamo, table, ecs);
  }

  /** Runs one invocation with this event, as the Lambda handler would. */
  Result invoke(byte[] event) {
    requests.clear();
    try {
      byte[] answer = processor.process(event, INVOCATION_TIME);
      return new Result.Answered(new String(answer, StandardCharsets.UTF_8), List.copyOf(requests));
    } catch (RequestRejectedException e) {
      return new Result.Rejected(
          e.rejection().field(), e.rejection().reason(), List.copyOf(requests));
    } catch (DispatchFailedException e) {
      return new Result.Failed(e.getMessage(), e.retryable(), List.copyOf(requests));
    }
  }

  private static BatchCatalog catalog(Map<String, String> env) {
    try {
      return CatalogLoader.fromEnvironment(env);
    } catch (CatalogException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
  }

  private static Request request(RequestSummary summary) {
    return new Request(
        summary.outcome().name(),
        summary.delivery().messageId(),
        summary.batchTypeId(),
        summary.traceId(),
        summary.idempotencyKey(),
        List.copyOf(summary.taskArns()),
        summary.reason(),
        summary.failure() != null && summary.failure().retryable(),
        summary.dryRun());
  }
}
