package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.request.RequestResolver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record as the operator commands show it: the JSON document of {@code status --json}
 * (CONTRACT.md, "Operator CLI") and the lines and rows of the tables. Sensitive and undeclared
 * parameter values are masked, as in the function's log lines.
 */
final class RecordView {
  private RecordView() {}

  /**
   * {@code idempotencyKey}, {@code batchTypeId}, {@code status}, {@code attempt}, {@code traceId},
   * {@code taskArns}, {@code attempts[]} ({@code attempt}, {@code taskArn}, {@code lastStatus},
   * {@code exitCode}, {@code stopCode}, {@code stoppedReason}, {@code startedAt}, {@code
   * stoppedAt}, {@code startReason}), {@code parameters}, {@code createdAt}, {@code expiresAt}.
   */
  static Map<String, Object> json(IdempotencyRecord r, BatchCatalog catalog) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("idempotencyKey", r.id());
    json.put("batchTypeId", r.batchTypeId());
    json.put("status", r.status().name());
    json.put("attempt", r.attempt());
    json.put("traceId", r.traceId());
    json.put("taskArns", r.taskArns());
    List<Map<String, Object>> attempts = new ArrayList<>();
    for (Attempt a : r.attempts()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("attempt", a.number());
      entry.put("taskArn", a.taskArn());
      entry.put("lastStatus", a.lastStatus());
      entry.put("exitCode", a.exitCode());
      entry.put("stopCode", a.stopCode());
      entry.put("stoppedReason", a.stoppedReason());
      entry.put("startedAt", text(a.startedAt()));
      entry.put("stoppedAt", text(a.stoppedAt()));
      entry.put("startReason", a.startReason());
      attempts.add(entry);
    }
    json.put("attempts", attempts);
    json.put("parameters", masked(r, catalog));
    json.put("createdAt", text(r.createdAt()));
    json.put("expiresAt", text(r.expiresAt()));
    return json;
  }

  /** The record's parameters as they may be shown. */
  static Map<String, String> masked(IdempotencyRecord r, BatchCatalog catalog) {
    return RequestResolver.mask(catalog.find(r.batchTypeId()).orElse(null), r.parameters());
  }

  /** {@code status}'s text for people: the record, then one row per attempt. */
  static String text(IdempotencyRecord r, BatchCatalog catalog, Instant now) {
    StringBuilder text = new StringBuilder();
    List<List<String>> fields = new ArrayList<>();
    fields.add(List.of("idempotencyKey", r.id()));
    fields.add(List.of("batchTypeId", r.batchTypeId()));
    fields.add(List.of("status", r.status() + " (attempt " + r.attempt() + ")"));
    fields.add(List.of("traceId", String.valueOf(r.traceId())));
    fields.add(
        List.of("createdAt", text(r.createdAt()) + " (" + age(r.createdAt(), now) + " ago)"));
    fields.add(List.of("expiresAt", String.valueOf(text(r.expiresAt()))));
    StringBuilder parameters = new StringBuilder();
    masked(r, catalog)
        .forEach(
            (name, value) ->
                parameters
                    .append(parameters.length() == 0 ? "" : ", ")
                    .append(name)
                    .append('=')
                    .append(value));
    fields.add(List.of("parameters", parameters.length() == 0 ? "(none)" : parameters.toString()));
    for (List<String> field : fields) {
      text.append(String.format("%-15s %s%n", field.get(0), field.get(1)));
    }
    text.append('\n');
    List<List<String>> rows = new ArrayList<>();
    for (Attempt a : r.attempts()) {
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(a.number()));
      row.add(a.lastStatus());
      row.add(a.exitCode() == null ? null : a.exitCode().toString());
      row.add(a.stopCode());
      row.add(text(a.startedAt()));
      row.add(text(a.stoppedAt()));
      row.add(a.startReason());
      row.add(a.stoppedReason());
      row.add(a.taskArn());
      rows.add(row);
    }
    text.append(
        Output.table(
            List.of(
                "ATTEMPT",
                "TASK STATUS",
                "EXIT",
                "STOP CODE",
                "STARTED",
                "STOPPED",
                "STARTED BECAUSE",
                "STOPPED REASON",
                "TASK"),
            rows));
    return text.toString();
  }

  /** {@code list}'s row: age, batch type, status, attempt, exit code, trace id, task. */
  static List<String> row(IdempotencyRecord r, Instant now) {
    Attempt current = r.current();
    List<String> row = new ArrayList<>();
    row.add(age(r.createdAt(), now));
    row.add(r.batchTypeId());
    row.add(r.status().name());
    row.add(Integer.toString(r.attempt()));
    row.add(current.exitCode() == null ? null : current.exitCode().toString());
    row.add(r.traceId());
    row.add(current.taskArn());
    row.add(r.id());
    return row;
  }

  static final List<String> ROW_HEADER =
      List.of("AGE", "BATCH TYPE", "STATUS", "ATTEMPT", "EXIT", "TRACE ID", "TASK", "KEY");

  /** A short age: {@code 45s}, {@code 12m}, {@code 5h}, {@code 3d}. */
  static String age(Instant then, Instant now) {
    if (then == null) {
      return "?";
    }
    Duration d = Duration.between(then, now);
    if (d.isNegative()) {
      return "0s";
    }
    long s = d.toSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + "m";
    }
    if (s < 2 * 86400) {
      return (s / 3600) + "h";
    }
    return (s / 86400) + "d";
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
