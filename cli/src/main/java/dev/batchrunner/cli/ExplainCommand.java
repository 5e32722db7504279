package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.catalog.RetryAction;
import dev.batchrunner.core.catalog.RetryPolicy;
import dev.batchrunner.core.catalog.TaskFailure;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.EnvironmentRequest;
import dev.batchrunner.core.request.RequestResolver;
import dev.batchrunner.core.request.Resolution;
import dev.batchrunner.core.text.SafeText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code batch-runner explain EVENT_FILE}: what the function would make of an event, offline: its
 * input shape, each request with its batch type, trace id, parameters, key, clientToken and the
 * exact RunTask request, or its rejection; each ECS task state change with what it says.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    versionProvider = BatchRunnerCli.Version.class,
    sortOptions = false,
    header = "Explains what the function would do with an event file (offline).",
    description = {
      "Reads the event with the function's own parser and resolves each request against the"
          + " catalog with the function's own resolver, in dry run: nothing is sent to AWS and no"
          + " record is read or written, so each request is explained as the first of its key"
          + " (the deployed function answers DUPLICATE for one it has seen inside the window).",
      "",
      "Shows the input shape (EventBridge envelope, bare request, SQS batch, ECS task state"
          + " change); for each request its batch type, trace id (and where it came from),"
          + " parameters after catalog defaults (sensitive ones masked), record id (the"
          + " idempotency key), clientToken and the RunTask request the ECS adapter builds, or"
          + " the rejection with its field and reason; for a task state change the task, its"
          + " status, version, exit codes and whether batch-runner started it.",
      "",
      "The catalog's placeholders are filled as for validate: from this shell, or --env."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  batch-runner explain events/monolith-put-events.json --catalog batches.json",
      "  batch-runner explain events/sqs-batch.json --json | jq '.items[].valid'"
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:every request in the file is valid (task state changes included)",
      "1:EVENT_FILE or the catalog exists but cannot be read",
      "2:bad argument (EVENT_FILE missing or a folder), invalid catalog, a request rejected, or"
          + " the file is not an event"
    })
final class ExplainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7e]*");
  private static final String INDENT = "  ";

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "EVENT_FILE",
      description =
          "the event, as the function receives it: an EventBridge envelope, a bare request, an SQS"
              + " batch or an ECS task state change (see events/)")
  Path eventFile;

  @Mixin CatalogOption catalog;

  @Mixin CatalogCheck check;

  @Mixin Output output;

  private final Map<String, String> environment;

  ExplainCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    byte[] event = readEvent();
    CatalogCheck.Result loaded = check.run(catalog, environment);
    loaded.warnings().forEach(w -> err.println(spec.qualifiedName() + ": " + w));
    if (!loaded.valid()) {
      throw loaded.failure(spec.qualifiedName());
    }
    RawEvent raw = RawEvent.read(event);
    OfflineFunction.Explained explained = OfflineFunction.explain(loaded.catalog(), event);
    Explanation explanation =
        new Explanation(eventFile.toString(), loaded.source(), loaded.catalog(), raw, explained);
    if (output.json) {
      Output.printJson(out, explanation.document());
    } else {
      out.print(explanation.text());
    }
    out.flush();
    return explanation.exitCode();
  }

  private byte[] readEvent() {
    return EventFile.read(eventFile);
  }

  /** Where a request's trace id came from. */
  enum TraceIdSource {
    REQUEST("request", "given in the request"),
    ENVELOPE_ID("envelope-id", "none given: the envelope's id, as the function defaults it"),
    MESSAGE_ID(
        "message-id",
        "none given: the SQS message id, as the function defaults it for an envelope without id"),
    GENERATED(
        "generated",
        "none given and no envelope id: the function draws a fresh UUID for each delivery; this"
            + " one was drawn now");

    private final String id;
    private final String text;

    TraceIdSource(String id, String text) {
      this.id = id;
      this.text = text;
    }

    static TraceIdSource of(String trace, RawEvent.Part part, String messageId) {
      if (part.givesTraceId()) {
        return REQUEST;
      }
      if (part.id() != null && trace.equals(part.id())) {
        return ENVELOPE_ID;
      }
      if (messageId != null && trace.equals(messageId) && part.shape() == RawEvent.Shape.ENVELOPE) {
        return MESSAGE_ID;
      }
      return GENERATED;
    }
  }

  /** One event file explained: rendered as text or as one JSON document. */
  static final class Explanation {
    private final String file;
    private final String catalogSource;
    private final BatchCatalog catalog;
    private final RawEvent raw;
    private final List<OfflineFunction.Item> items;
    private final String answer;

    Explanation(
        String file,
        String catalogSource,
        BatchCatalog catalog,
        RawEvent raw,
        OfflineFunction.Explained explained) {
      this.file = file;
      this.catalogSource = catalogSource;
      this.catalog = catalog;
      this.raw = raw;
      this.items = explained.items();
      this.answer = explained.answer();
    }

    /** The whole event as read: an SQS batch refused as such (no message id) is not one. */
    private RawEvent.Shape shape() {
      if (raw.shape() == RawEvent.Shape.SQS_BATCH
          && items.size() == 1
          && items.get(0).messageId() == null) {
        return RawEvent.Shape.NOT_AN_EVENT;
      }
      if (items.size() == 1
          && items.get(0) instanceof OfflineFunction.Item.Rejected r
          && r.rejection().field().equals("event")) {
        return RawEvent.Shape.NOT_AN_EVENT;
      }
      return raw.shape();
    }

    private boolean sqs() {
      return shape() == RawEvent.Shape.SQS_BATCH;
    }

    private long rejected() {
      return items.stream().filter(i -> !(isValid(i))).count();
    }

    int exitCode() {
      if (items.stream().anyMatch(i -> i instanceof OfflineFunction.Item.Failed)) {
        throw new CliException(
            ExitCode.FAILURE,
            "EVENT_FILE "
                + file
                + ": the offline pipeline failed on a valid request: "
                + items.stream()
                    .filter(i -> i instanceof OfflineFunction.Item.Failed)
                    .map(i -> ((OfflineFunction.Item.Failed) i).message())
                    .toList());
      }
      List<String> rejections = new ArrayList<>();
      for (OfflineFunction.Item item : items) {
        if (item instanceof OfflineFunction.Item.Rejected r) {
          rejections.add(
              (r.messageId() == null ? "" : "message " + r.messageId() + ": ")
                  + r.rejection().message());
        }
      }
      if (rejections.isEmpty()) {
        return ExitCode.OK;
      }
      String message =
          rejections.size() == 1 && !sqs()
              ? "EVENT_FILE " + file + ": rejected: " + rejections.get(0)
              : "EVENT_FILE "
                  + file
                  + ": "
                  + rejections.size()
                  + " of "
                  + items.size()
                  + " records rejected:\n  - "
                  + String.join("\n  - ", rejections);
      throw new CliException(ExitCode.USAGE, message);
    }

    // ---- text ----------------------------------------------------------------------------

    String text() {
      StringBuilder text = new StringBuilder();
      List<List<String>> head = new ArrayList<>();
      head.add(List.of("event file", file));
      head.add(List.of("shape", shapeLine()));
      head.add(List.of("catalog", catalogSource));
      head.add(List.of("result", resultLine()));
      String failures = batchItemFailures();
      if (failures != null) {
        head.add(List.of("answer", failures));
      }
      fields(text, "", head);
      if (sqs() && !items.isEmpty()) {
        text.append('\n');
        List<List<String>> rows = new ArrayList<>();
        for (OfflineFunction.Item item : items) {
          rows.add(
              List.of(
                  item.messageId(),
                  raw.part(item.messageId()).shape().label(),
                  isValid(item) ? "valid" : "rejected",
                  orDash(batchTypeId(item)),
                  orDash(recordId(item))));
        }
        text.append(
            Output.table(List.of("MESSAGE ID", "BODY", "RESULT", "BATCH TYPE", "RECORD ID"), rows));
      }
      for (int i = 0; i < items.size(); i++) {
        text.append('\n');
        item(text, items.get(i), i + 1);
      }
      return text.toString();
    }

    private String shapeLine() {
      RawEvent.Shape shape = shape();
      if (shape == RawEvent.Shape.SQS_BATCH) {
        return "SQS batch of "
            + raw.records()
            + (raw.records() == 1 ? " record" : " records")
            + " (one request or task state change per record body)";
      }
      if (shape == RawEvent.Shape.NOT_AN_EVENT) {
        return raw.shape() == RawEvent.Shape.SQS_BATCH
            ? "not an event (an SQS batch refused as a whole)"
            : "not an event";
      }
      return raw.part(null).describe();
    }

    private String resultLine() {
      long requests =
          items.stream().filter(i -> !(i instanceof OfflineFunction.Item.TaskEvent)).count();
      long tasks = items.size() - requests;
      long rejected = rejected();
      List<String> parts = new ArrayList<>();
      if (requests > 0) {
        parts.add(requests + (requests == 1 ? " request" : " requests"));
      }
      if (tasks > 0) {
        parts.add(tasks + (tasks == 1 ? " task state change" : " task state changes"));
      }
      if (parts.isEmpty()) {
        return "nothing to do (no records)";
      }
      String verdict =
          rejected == 0
              ? "valid"
              : rejected == items.size()
                  ? "rejected"
                  : (items.size() - rejected) + " valid, " + rejected + " rejected";
      return String.join(" and ", parts) + ": " + verdict;
    }

    /** An SQS batch's answer: the records reported as failed (they reach the queue's DLQ). */
    private String batchItemFailures() {
      if (!sqs() || answer == null) {
        return null;
      }
      List<String> ids = new ArrayList<>();
      try {
        JsonNode failures = JSON.readTree(answer).path("batchItemFailures");
        failures.forEach(f -> ids.add(f.path("itemIdentifier").asText()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return ids.isEmpty()
          ? "batchItemFailures [] (every record is taken)"
          : "batchItemFailures ["
              + String.join(", ", ids)
              + "] (reported back to SQS: redelivered, then the DLQ)";
    }

    private void item(StringBuilder text, OfflineFunction.Item item, int index) {
      String title =
          item.messageId() != null
              ? "message " + item.messageId()
              : (item instanceof OfflineFunction.Item.TaskEvent ? "task state change" : "request");
      RawEvent.Part part = raw.part(item.messageId());
      List<List<String>> rows = new ArrayList<>();
      if (item.messageId() != null) {
        rows.add(List.of("body", part.describe()));
      }
      if (item instanceof OfflineFunction.Item.Request request) {
        text.append(title).append(": valid").append('\n');
        request(text, rows, request, part);
      } else if (item instanceof OfflineFunction.Item.Rejected rejected) {
        text.append(title).append(": rejected").append('\n');
        rejected(text, rows, rejected);
      } else if (item instanceof OfflineFunction.Item.TaskEvent task) {
        text.append(item.messageId() != null ? title + ": task state change" : title).append('\n');
        task(text, rows, task.change());
      } else {
        OfflineFunction.Item.Failed failed = (OfflineFunction.Item.Failed) item;
        text.append(title).append(": not dispatched (offline)").append('\n');
        rows.add(List.of("failure", failed.message()));
        fields(text, INDENT, rows);
      }
    }

    private void request(
        StringBuilder text,
        List<List<String>> rows,
        OfflineFunction.Item.Request item,
        RawEvent.Part part) {
      Resolution.Valid valid = item.resolution();
      BatchRequest request = valid.request();
      BatchDefinition batch = valid.batch();
      rows.add(
          List.of(
              "batch type",
              batch.id()
                  + " (task definition "
                  + batch.taskDefinition()
                  + ", container "
                  + batch.container().name()
                  + ")"));
      rows.add(
          List.of(
              "trace id",
              request.traceId()
                  + " ("
                  + TraceIdSource.of(request.traceId(), part, item.messageId()).text
                  + ")"));
      rows.add(List.of("record id", valid.key().id() + " (the idempotency key)"));
      rows.add(
          List.of(
              "key from",
              request.idempotencyKey() == null
                  ? "SHA-256 of batchTypeId and the parameters after defaults (not the trace id)"
                  : "SHA-256 of batchTypeId and the explicit idempotencyKey "
                      + SafeText.quote(request.idempotencyKey())));
      rows.add(List.of("clientToken", valid.launch().clientToken() + " (attempt 1)"));
      rows.add(
          List.of(
              "window",
              valid.batch().idempotencyWindow()
                  + " (the same request again within it is a DUPLICATE)"));
      fields(text, INDENT, rows);
      text.append(INDENT).append("parameters (after catalog defaults):\n");
      if (valid.parameters().isEmpty()) {
        text.append(INDENT).append(INDENT).append("none\n");
      } else {
        List<List<String>> params = new ArrayList<>();
        for (Map<String, Object> p : parameters(valid)) {
          params.add(
              List.of(
                  (String) p.get("name"),
                  display((String) p.get("value")),
                  String.valueOf(p.get("env")),
                  (String) p.get("from")));
        }
        indent(text, Output.table(List.of("NAME", "VALUE", "ENV", "FROM"), params), 2);
      }
      text.append(INDENT)
          .append("RunTask request (as the ECS adapter builds it; sensitive values masked):\n");
      indent(text, Output.json(runTask(item)) + "\n", 2);
    }

    private void rejected(
        StringBuilder text, List<List<String>> rows, OfflineFunction.Item.Rejected item) {
      rows.add(
          List.of(
              "batch type",
              item.batchTypeId() == null ? "-" : SafeText.fieldName(item.batchTypeId())));
      rows.add(
          List.of(
              "trace id",
              item.traceId() == null
                  ? "-"
                  : item.traceId()
                      + " ("
                      + TraceIdSource.of(
                              item.traceId(), raw.part(item.messageId()), item.messageId())
                          .text
                      + ")"));
      if (item.resolution() != null && !item.resolution().maskedParameters().isEmpty()) {
        List<String> given = new ArrayList<>();
        item.resolution().maskedParameters().forEach((k, v) -> given.add(k + "=" + display(v)));
        rows.add(
            List.of(
                "parameters",
                String.join(", ", given) + " (as given; sensitive and undeclared ones masked)"));
      }
      rows.add(List.of("field", item.rejection().field()));
      rows.add(List.of("reason", item.rejection().reason()));
      rows.add(
          List.of(
              "refused",
              item.resolution() == null
                  ? "as read, before the catalog (the function's parser)"
                  : "by the catalog (the function's resolver), before any AWS call"));
      fields(text, INDENT, rows);
    }

    private void task(StringBuilder text, List<List<String>> rows, TaskStateChange change) {
      TaskStateChange.Task task = change.task();
      TaskStateChange.Status status = change.status();
      rows.add(List.of("task", task.taskArn()));
      rows.add(List.of("cluster", task.clusterArn()));
      rows.add(List.of("task definition", orDash(task.taskDefinitionArn())));
      rows.add(
          List.of(
              "lastStatus",
              status.lastStatus()
                  + (status.desiredStatus() == null
                      ? ""
                      : " (desired " + status.desiredStatus() + ")")));
      rows.add(
          List.of(
              "version",
              task.version()
                  + " (orders this task's events: an older or repeated one is ignored)"));
      if (status.stopCode() != null) {
        rows.add(List.of("stopCode", status.stopCode()));
      }
      if (status.stoppedReason() != null) {
        rows.add(List.of("stoppedReason", status.stoppedReason()));
      }
      rows.add(List.of("startedBy", orDash(task.startedBy())));
      rows.add(List.of("IDEMPOTENCY_KEY", orDash(change.idempotencyKey())));
      TaskView view = TaskView.of(change, catalog);
      if (view.traceId() != null) {
        rows.add(List.of("trace id", view.traceId() + " (" + view.traceIdEnv() + " override)"));
      }
      rows.add(List.of("batch-runner task", view.ours()));
      if (view.verdict() != null) {
        rows.add(List.of("verdict", view.verdict()));
      }
      fields(text, INDENT, rows);
      text.append(INDENT).append("containers:\n");
      List<List<String>> containers = new ArrayList<>();
      for (TaskStateChange.Container c : change.containers()) {
        containers.add(
            List.of(
                c.name(),
                orDash(c.lastStatus()),
                c.exitCode() == null ? "-" : c.exitCode().toString(),
                orDash(c.reason())));
      }
      if (containers.isEmpty()) {
        text.append(INDENT).append(INDENT).append("none listed\n");
      } else {
        indent(
            text,
            Output.table(List.of("NAME", "LAST STATUS", "EXIT CODE", "REASON"), containers),
            2);
      }
    }

    // ---- JSON ----------------------------------------------------------------------------

    Map<String, Object> document() {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("eventFile", file);
      doc.put("catalog", catalogSource);
      doc.put("shape", shape().id());
      doc.put("valid", rejected() == 0);
      if (sqs()) {
        doc.put("records", raw.records());
        List<String> failures = new ArrayList<>();
        if (answer != null) {
          try {
            JSON.readTree(answer)
                .path("batchItemFailures")
                .forEach(f -> failures.add(f.path("itemIdentifier").asText()));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        doc.put("batchItemFailures", failures);
      }
      List<Object> list = new ArrayList<>();
      for (OfflineFunction.Item item : items) {
        list.add(itemDocument(item));
      }
      doc.put("items", list);
      return doc;
    }

    private Map<String, Object> itemDocument(OfflineFunction.Item item) {
      RawEvent.Part part = raw.part(item.messageId());
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("messageId", item.messageId());
      doc.put("eventId", item.eventId());
      doc.put("shape", part.shape().id());
      if (item instanceof OfflineFunction.Item.Request request) {
        Resolution.Valid valid = request.resolution();
        doc.put("kind", "request");
        doc.put("valid", true);
        doc.put("batchTypeId", valid.batch().id());
        doc.put("traceId", valid.request().traceId());
        doc.put(
            "traceIdSource",
            TraceIdSource.of(valid.request().traceId(), part, item.messageId()).id);
        doc.put("parameters", parameters(valid));
        doc.put("idempotencyKey", valid.key().id());
        doc.put("explicitIdempotencyKey", valid.request().idempotencyKey());
        doc.put("clientToken", valid.launch().clientToken());
        doc.put("idempotencyWindow", valid.batch().idempotencyWindow().toString());
        doc.put("runTask", runTask(request));
      } else if (item instanceof OfflineFunction.Item.Rejected rejected) {
        doc.put(
            "kind",
            part.shape() == RawEvent.Shape.TASK_STATE_CHANGE
                ? "task-state-change"
                : item.messageId() == null && shape() == RawEvent.Shape.NOT_AN_EVENT
                    ? "event"
                    : "request");
        doc.put("valid", false);
        doc.put("batchTypeId", rejected.batchTypeId());
        doc.put("traceId", rejected.traceId());
        doc.put(
            "traceIdSource",
            rejected.traceId() == null
                ? null
                : TraceIdSource.of(rejected.traceId(), part, item.messageId()).id);
        Map<String, Object> rejection = new LinkedHashMap<>();
        rejection.put("field", rejected.rejection().field());
        rejection.put("reason", rejected.rejection().reason());
        rejection.put("stage", rejected.resolution() == null ? "parse" : "catalog");
        doc.put("rejection", rejection);
      } else if (item instanceof OfflineFunction.Item.TaskEvent task) {
        doc.put("kind", "task-state-change");
        doc.put("valid", true);
        doc.put("task", taskDocument(task.change()));
      } else {
        doc.put("kind", "request");
        doc.put("valid", false);
        doc.put("failure", ((OfflineFunction.Item.Failed) item).message());
      }
      return doc;
    }

    private Map<String, Object> taskDocument(TaskStateChange change) {
      TaskView view = TaskView.of(change, catalog);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("taskArn", change.task().taskArn());
      doc.put("clusterArn", change.task().clusterArn());
      doc.put("taskDefinitionArn", change.task().taskDefinitionArn());
      doc.put("lastStatus", change.status().lastStatus());
      doc.put("desiredStatus", change.status().desiredStatus());
      doc.put("version", change.task().version());
      doc.put("stopCode", change.status().stopCode());
      doc.put("stoppedReason", change.status().stoppedReason());
      doc.put("startedBy", change.task().startedBy());
      doc.put("idempotencyKey", view.idempotencyKey());
      doc.put(
          "startedByBatchRunner", change.startedByBatchRunner() && change.idempotencyKey() != null);
      doc.put("followed", view.followed());
      doc.put("batchTypeId", view.batchTypeId());
      doc.put("traceId", view.traceId());
      doc.put("attemptResult", view.attemptResult());
      List<Object> containers = new ArrayList<>();
      for (TaskStateChange.Container c : change.containers()) {
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", c.name());
        container.put("lastStatus", c.lastStatus());
        container.put("exitCode", c.exitCode());
        container.put("reason", c.reason());
        containers.add(container);
      }
      doc.put("containers", containers);
      doc.put("note", view.ours());
      return doc;
    }

    // ---- shared --------------------------------------------------------------------------

    /** The parameters after defaults: name, value (masked when sensitive), env, from. */
    private static List<Map<String, Object>> parameters(Resolution.Valid valid) {
      Map<String, String> masked = RequestResolver.mask(valid.batch(), valid.parameters());
      List<Map<String, Object>> list = new ArrayList<>();
      valid
          .parameters()
          .keySet()
          .forEach(
              name -> {
                ParameterSpec spec = valid.batch().parameters().get(name);
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("name", name);
                p.put("value", masked.get(name));
                p.put("env", spec == null ? null : spec.env());
                p.put(
                    "from", valid.request().parameters().containsKey(name) ? "request" : "default");
                list.add(p);
              });
      return list;
    }

    private static JsonNode runTask(OfflineFunction.Item.Request request) {
      try {
        return JSON.readTree(request.runTask());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static boolean isValid(OfflineFunction.Item item) {
      return item instanceof OfflineFunction.Item.Request
          || item instanceof OfflineFunction.Item.TaskEvent;
    }

    private static String batchTypeId(OfflineFunction.Item item) {
      if (item instanceof OfflineFunction.Item.Request r) {
        return r.resolution().batch().id();
      }
      if (item instanceof OfflineFunction.Item.Rejected r) {
        return r.batchTypeId() == null ? null : SafeText.fieldName(r.batchTypeId());
      }
      return null;
    }

    private String recordId(OfflineFunction.Item item) {
      if (item instanceof OfflineFunction.Item.Request r) {
        return r.resolution().key().id();
      }
      if (item instanceof OfflineFunction.Item.TaskEvent t) {
        return TaskView.of(t.change(), catalog).idempotencyKey();
      }
      return null;
    }
  }

  /**
   * What a task state change means to batch-runner, offline.
   *
   * @param followed whether the function looks for its record and applies it there
   * @param ours for people: whether batch-runner started it, and what the function does with it
   * @param batchTypeId the batch type its IDEMPOTENCY_KEY names, or null
   * @param idempotencyKey the record it is matched to: its IDEMPOTENCY_KEY, or, for an EcsDirect
   *     rule's task, the key of the request in its environment; null when there is none
   * @param traceIdEnv the catalog's traceIdEnv of that batch type, or null when unknown
   * @param traceId the task's value of traceIdEnv, or null
   * @param attemptResult SUCCEEDED or FAILED once stopped (by the catalog's containerName), else
   *     null
   * @param verdict for people: what the event makes of its attempt, or null when not followed
   */
  record TaskView(
      boolean followed,
      String ours,
      String batchTypeId,
      String idempotencyKey,
      String traceIdEnv,
      String traceId,
      String attemptResult,
      String verdict) {

    static TaskView of(TaskStateChange change, BatchCatalog catalog) {
      TaskView view = read(change, catalog);
      if (!change.startedByEcsDirectRule() || view.verdict() == null) {
        return view;
      }
      return new TaskView(
          view.followed(),
          view.ours(),
          view.batchTypeId(),
          view.idempotencyKey(),
          view.traceIdEnv(),
          view.traceId(),
          view.attemptResult(),
          "if its guard claimed the record (else IGNORED): " + view.verdict());
    }

    private static TaskView read(TaskStateChange change, BatchCatalog catalog) {
      String key;
      String follows;
      if (change.startedByEcsDirectRule()) {
        Resolution request =
            EnvironmentRequest.resolve(
                new RequestResolver(catalog), change.overrideEnvironment(), () -> "none");
        if (request instanceof Resolution.Invalid invalid) {
          return new TaskView(
              false,
              "no: started by an EcsDirect rule, but the request in its environment is refused ("
                  + invalid.rejection().message()
                  + "): its guard exits 2 and claims nothing; the function answers IGNORED",
              null,
              null,
              null,
              null,
              null,
              null);
        }
        key = ((Resolution.Valid) request).key().id();
        follows =
            "yes: started by an EcsDirect rule ("
                + SafeText.quote(change.task().startedBy())
                + "), without IDEMPOTENCY_KEY: the function computes the key from the request in"
                + " its environment, "
                + key
                + ", and applies the event only if that record lists this task (its guard claimed"
                + " it); a duplicate's task (its guard exited 10) is IGNORED, never adopted";
      } else if (!change.startedByBatchRunner()) {
        return new TaskView(
            false,
            "no: not started by batch-runner (startedBy "
                + SafeText.quote(change.task().startedBy())
                + "): the function answers IGNORED and changes nothing",
            null,
            null,
            null,
            null,
            null,
            null);
      } else if (change.idempotencyKey() == null) {
        return new TaskView(
            false,
            "no: startedBy says batch-runner but there is no IDEMPOTENCY_KEY override: the"
                + " function answers IGNORED and changes nothing",
            null,
            null,
            null,
            null,
            null,
            null);
      } else {
        key = change.idempotencyKey();
        follows =
            "yes: startedBy batch-runner, with its IDEMPOTENCY_KEY: the function applies it to"
                + " record "
                + key
                + " if that record holds this task (or adopts it while the record is IN_PROGRESS)";
      }
      int hash = key.indexOf('#');
      String batchTypeId = hash > 0 ? key.substring(0, hash) : null;
      BatchDefinition batch = batchTypeId == null ? null : catalog.find(batchTypeId).orElse(null);
      if (batch == null) {
        return new TaskView(
            false,
            follows
                + "; but this catalog has no batch type "
                + SafeText.quote(String.valueOf(batchTypeId))
                + ", so the function would ignore it",
            batchTypeId,
            key,
            null,
            null,
            null,
            null);
      }
      String traceIdEnv = batch.container().traceIdEnv();
      String traceId = change.environment(traceIdEnv);
      String container = batch.container().name();
      if (!change.isStopped()) {
        String state =
            "RUNNING".equals(change.status().lastStatus())
                ? "the attempt is RUNNING"
                : "the attempt is DISPATCHED (the task is not running yet)";
        return new TaskView(
            true, follows, batchTypeId, key, traceIdEnv, traceId, null, "not stopped: " + state);
      }
      TaskStateChange.Container decisive = change.container(container);
      Integer exitCode = decisive == null ? null : decisive.exitCode();
      if (exitCode != null && exitCode == 0) {
        return new TaskView(
            true,
            follows,
            batchTypeId,
            key,
            traceIdEnv,
            traceId,
            "SUCCEEDED",
            "STOPPED and container " + container + " exited 0: the attempt SUCCEEDED");
      }
      RetryPolicy policy = batch.lifecycle().retry();
      String why =
          exitCode != null
              ? "container " + container + " exited " + exitCode
              : "container " + container + " has no exit code";
      String retry;
      if (policy.attempts() == 1) {
        retry = "no automatic retry (1 attempt)";
      } else {
        TaskFailure failure =
            new TaskFailure(
                exitCode,
                change.status().stopCode(),
                change.status().stoppedReason(),
                decisive == null ? null : decisive.reason());
        RetryAction action = policy.decide(1, failure);
        retry =
            "as attempt 1 of "
                + policy.attempts()
                + " the retry policy says "
                + action
                + (action == RetryAction.RETRY ? " (attempt 2 starts at once)" : "");
      }
      return new TaskView(
          true,
          follows,
          batchTypeId,
          key,
          traceIdEnv,
          traceId,
          "FAILED",
          "STOPPED and " + why + ": the attempt FAILED; " + retry);
    }
  }

  /** Aligned {@code key value} lines. */
  private static void fields(StringBuilder text, String indent, List<List<String>> rows) {
    int width = rows.stream().mapToInt(r -> r.get(0).length()).max().orElse(0);
    for (List<String> row : rows) {
      text.append(indent)
          .append(row.get(0))
          .append(" ".repeat(width - row.get(0).length() + 2))
          .append(row.get(1))
          .append('\n');
    }
  }

  private static void indent(StringBuilder text, String block, int levels) {
    String prefix = INDENT.repeat(levels);
    block.lines().forEach(line -> text.append(line.isEmpty() ? "" : prefix + line).append('\n'));
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }

  /** A value as is when it is plain printable ASCII, else quoted and escaped. */
  private static String display(String value) {
    if (value == null) {
      return "-";
    }
    return PRINTABLE.matcher(value).matches() ? value : SafeText.quote(value);
  }
}
