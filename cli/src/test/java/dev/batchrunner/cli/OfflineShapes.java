package dev.batchrunner.cli;

import static dev.batchrunner.cli.JsonShape.anyObject;
import static dev.batchrunner.cli.JsonShape.arrayOf;
import static dev.batchrunner.cli.JsonShape.bool;
import static dev.batchrunner.cli.JsonShape.integer;
import static dev.batchrunner.cli.JsonShape.object;
import static dev.batchrunner.cli.JsonShape.oneOf;
import static dev.batchrunner.cli.JsonShape.string;

/** The {@code --json} documents of {@code validate} and {@code explain}, as scripts read them. */
final class OfflineShapes {
  private OfflineShapes() {}

  static final JsonShape PLACEHOLDER =
      object().field("name", string()).field("from", oneOf("environment", "--env", "unset"));

  static final JsonShape PARAMETER_SPEC =
      object()
          .field("name", string())
          .field("env", string())
          .field("required", bool())
          .field("default", string().orNull())
          .field("pattern", string().orNull())
          .field("maxLength", integer().orNull())
          .field("sensitive", bool());

  static final JsonShape EXIT_RULE =
      object()
          .field("action", oneOf("RETRY", "EXIT"))
          .field("onExitCode", string().orNull())
          .field("onStopCode", string().orNull())
          .field("onStatusReason", string().orNull())
          .field("onReason", string().orNull());

  static final JsonShape BATCH_TYPE =
      object()
          .field("batchTypeId", string())
          .field("enabled", bool())
          .field("taskDefinition", string())
          .field("containerName", string())
          .field("cluster", string())
          .field("launchType", string().orNull())
          .field("idempotencyWindow", string())
          .field("parameters", arrayOf(PARAMETER_SPEC))
          .field(
              "retry",
              object().field("attempts", integer()).field("evaluateOnExit", arrayOf(EXIT_RULE)))
          .field("rerunFailed", bool());

  /** {@code validate --json} of a valid catalog. */
  static final JsonShape VALID_CATALOG =
      object()
          .field("valid", bool())
          .field("source", string())
          .field("batchTypes", arrayOf(BATCH_TYPE))
          .field("placeholders", arrayOf(PLACEHOLDER));

  /** {@code validate --json} of an invalid catalog. */
  static final JsonShape INVALID_CATALOG =
      object()
          .field("valid", bool())
          .field("source", string())
          .field("problems", arrayOf(string()))
          .field("placeholders", arrayOf(PLACEHOLDER));

  private static final JsonShape SHAPE =
      oneOf(
          "eventbridge-envelope", "bare-request", "task-state-change", "sqs-batch", "not-an-event");

  private static final JsonShape ITEM_SHAPE =
      oneOf("eventbridge-envelope", "bare-request", "task-state-change", "not-an-event");

  static final JsonShape REQUEST_PARAMETER =
      object()
          .field("name", string())
          .field("value", string())
          .field("env", string())
          .field("from", oneOf("request", "default"));

  /** An item of {@code explain --json}: a valid request. */
  static final JsonShape REQUEST =
      object()
          .field("messageId", string().orNull())
          .field("eventId", string().orNull())
          .field("shape", ITEM_SHAPE)
          .field("kind", oneOf("request"))
          .field("valid", bool())
          .field("batchTypeId", string())
          .field("traceId", string())
          .field("traceIdSource", oneOf("request", "envelope-id", "message-id", "generated"))
          .field("parameters", arrayOf(REQUEST_PARAMETER))
          .field("idempotencyKey", string())
          .field("explicitIdempotencyKey", string().orNull())
          .field("clientToken", string())
          .field("idempotencyWindow", string())
          .field("runTask", anyObject());

  /** An item of {@code explain --json}: a rejected request or event. */
  static final JsonShape REJECTED =
      object()
          .field("messageId", string().orNull())
          .field("eventId", string().orNull())
          .field("shape", ITEM_SHAPE)
          .field("kind", oneOf("request", "task-state-change", "event"))
          .field("valid", bool())
          .field("batchTypeId", string().orNull())
          .field("traceId", string().orNull())
          .field(
              "traceIdSource", oneOf("request", "envelope-id", "message-id", "generated").orNull())
          .field(
              "rejection",
              object()
                  .field("field", string())
                  .field("reason", string())
                  .field("stage", oneOf("parse", "catalog")));

  static final JsonShape CONTAINER =
      object()
          .field("name", string())
          .field("lastStatus", string().orNull())
          .field("exitCode", integer().orNull())
          .field("reason", string().orNull());

  /** An item of {@code explain --json}: an ECS task state change. */
  static final JsonShape TASK_EVENT =
      object()
          .field("messageId", string().orNull())
          .field("eventId", string().orNull())
          .field("shape", oneOf("task-state-change"))
          .field("kind", oneOf("task-state-change"))
          .field("valid", bool())
          .field(
              "task",
              object()
                  .field("taskArn", string())
                  .field("clusterArn", string())
                  .field("taskDefinitionArn", string().orNull())
                  .field("lastStatus", string())
                  .field("desiredStatus", string().orNull())
                  .field("version", integer())
                  .field("stopCode", string().orNull())
                  .field("stoppedReason", string().orNull())
                  .field("startedBy", string().orNull())
                  .field("idempotencyKey", string().orNull())
                  .field("startedByBatchRunner", bool())
                  .field("followed", bool())
                  .field("batchTypeId", string().orNull())
                  .field("traceId", string().orNull())
                  .field("attemptResult", oneOf("SUCCEEDED", "FAILED").orNull())
                  .field("containers", arrayOf(CONTAINER))
                  .field("note", string()));

  /** {@code explain --json} of a direct event (envelope, bare request, task state change). */
  static JsonShape explanation(JsonShape item) {
    return object()
        .field("eventFile", string())
        .field("catalog", string())
        .field("shape", SHAPE)
        .field("valid", bool())
        .field("items", arrayOf(item));
  }

  /** {@code explain --json} of an SQS batch; each item is checked against its own kind's shape. */
  static JsonShape sqsExplanation() {
    return object()
        .field("eventFile", string())
        .field("catalog", string())
        .field("shape", oneOf("sqs-batch"))
        .field("valid", bool())
        .field("records", integer())
        .field("batchItemFailures", arrayOf(string()))
        .field("items", arrayOf(anyObject()));
  }
}
