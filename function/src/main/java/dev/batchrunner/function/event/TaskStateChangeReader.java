package dev.batchrunner.function.event;

import dev.batchrunner.core.json.JsonValue;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.lifecycle.TaskStateChange.Container;
import dev.batchrunner.core.lifecycle.TaskStateChange.EnvironmentOverride;
import dev.batchrunner.core.text.SafeText;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code detail} of an ECS "Task State Change" event into a {@link TaskStateChange}. It
 * needs what identifies and orders the event ({@code taskArn}, {@code clusterArn}, {@code
 * lastStatus}, {@code version}) and takes everything else ECS may leave out as absent; a field of
 * the wrong type is refused by its path, e.g. {@code detail.containers[0].exitCode}. Fields it does
 * not use (attachments, CPU, ...) are ignored: ECS adds fields over time.
 */
final class TaskStateChangeReader {
  private TaskStateChangeReader() {}

  /** The value of one event's detail; throws {@link Refused} naming the field. */
  static TaskStateChange read(JsonValue detail) {
    if (detail == null || !detail.isObject()) {
      throw new Refused("detail", "must be a JSON object (the task)");
    }
    TaskStateChange.Task task =
        new TaskStateChange.Task(
            requiredText(detail, "taskArn"),
            requiredText(detail, "clusterArn"),
            text(detail, "taskDefinitionArn"),
            version(detail),
            text(detail, "startedBy"),
            text(detail, "group"));
    TaskStateChange.Status status =
        new TaskStateChange.Status(
            requiredText(detail, "lastStatus"),
            text(detail, "desiredStatus"),
            text(detail, "stopCode"),
            text(detail, "stoppedReason"));
    TaskStateChange.Times times =
        new TaskStateChange.Times(
            time(detail, "createdAt"),
            time(detail, "startedAt"),
            time(detail, "stoppingAt"),
            time(detail, "stoppedAt"));
    return new TaskStateChange(task, status, times, containers(detail), overrides(detail));
  }

  private static long version(JsonValue detail) {
    JsonValue node = detail.get("version");
    if (node == null || node.isNull()) {
      throw new Refused("detail.version", "required: it orders the task's state changes");
    }
    BigInteger value = node.isIntegralNumber() ? node.bigIntegerValue() : null;
    if (value == null || value.signum() < 0 || value.bitLength() >= Long.SIZE) {
      throw new Refused("detail.version", "must be a whole number of 0 or more, got " + show(node));
    }
    return value.longValue();
  }

  private static List<Container> containers(JsonValue detail) {
    List<Container> containers = new ArrayList<>();
    JsonValue array = detail.get("containers");
    if (array == null || array.isNull()) {
      return containers;
    }
    if (!array.isArray()) {
      throw new Refused("detail.containers", "must be an array, got " + show(array));
    }
    for (int i = 0; i < array.size(); i++) {
      String path = "detail.containers[" + i + "]";
      JsonValue node = object(array.get(i), path);
      containers.add(
          new Container(
              requiredText(node, path, "name"),
              text(node, path, "lastStatus"),
              exitCode(node, path),
              text(node, path, "reason")));
    }
    return containers;
  }

  private static Integer exitCode(JsonValue container, String path) {
    JsonValue node = container.get("exitCode");
    if (node == null || node.isNull()) {
      return null; // the container never ran, or has not exited yet
    }
    if (!node.canConvertToInt()) {
      throw new Refused(path + ".exitCode", "must be a whole number, got " + show(node));
    }
    return node.intValue();
  }

  private static List<EnvironmentOverride> overrides(JsonValue detail) {
    List<EnvironmentOverride> overrides = new ArrayList<>();
    JsonValue node = detail.get("overrides");
    if (node == null || node.isNull()) {
      return overrides;
    }
    object(node, "detail.overrides");
    JsonValue array = node.get("containerOverrides");
    if (array == null || array.isNull()) {
      return overrides;
    }
    if (!array.isArray()) {
      throw new Refused(
          "detail.overrides.containerOverrides", "must be an array, got " + show(array));
    }
    for (int i = 0; i < array.size(); i++) {
      String path = "detail.overrides.containerOverrides[" + i + "]";
      JsonValue override = object(array.get(i), path);
      // RunTask does not require an override's name; a foreign task may leave it out.
      overrides.add(
          new EnvironmentOverride(text(override, path, "name"), environment(override, path)));
    }
    return overrides;
  }

  private static Map<String, String> environment(JsonValue override, String path) {
    Map<String, String> environment = new LinkedHashMap<>();
    JsonValue array = override.get("environment");
    if (array == null || array.isNull()) {
      return environment;
    }
    if (!array.isArray()) {
      throw new Refused(path + ".environment", "must be an array, got " + show(array));
    }
    for (int i = 0; i < array.size(); i++) {
      String entryPath = path + ".environment[" + i + "]";
      JsonValue entry = object(array.get(i), entryPath);
      String value = text(entry, entryPath, "value");
      // A repeated name: the container sees the last one, so the value does too.
      environment.put(requiredText(entry, entryPath, "name"), value == null ? "" : value);
    }
    return environment;
  }

  private static Instant time(JsonValue detail, String name) {
    String text = text(detail, name);
    if (text == null) {
      return null;
    }
    try {
      return isoInstant(text);
    } catch (DateTimeException e) {
      throw new Refused(
          "detail." + name,
          "must be an ISO-8601 timestamp such as 2026-11-23T02:00:41.226Z, got "
              + SafeText.quote(text));
    }
  }

  /**
   * An ISO-8601 date-time with an offset, as {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME} reads
   * it. The form ECS writes ({@code 2026-11-23T02:00:41.226Z}: four-digit year, UTC, one to nine
   * fraction digits or none) is read by hand, the formatter being a measurable part of a task
   * event's cost on the C1-only runtime; anything else goes to the formatter.
   * TaskStateChangeReaderTimeTest holds both paths to the formatter's answers.
   *
   * @throws DateTimeException when the text is no such date-time, or names no valid one
   */
  static Instant isoInstant(String text) {
    int length = text.length();
    if (length >= 20
        && length <= 30
        && text.charAt(4) == '-'
        && text.charAt(7) == '-'
        && text.charAt(10) == 'T'
        && text.charAt(13) == ':'
        && text.charAt(16) == ':'
        && text.charAt(length - 1) == 'Z'
        && (length == 20 || (length >= 22 && text.charAt(19) == '.'))) {
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 7);
      int day = digits(text, 8, 10);
      int hour = digits(text, 11, 13);
      int minute = digits(text, 14, 16);
      int second = digits(text, 17, 19);
      int nanos = length == 20 ? 0 : digits(text, 20, length - 1);
      if (year >= 0
          && month >= 0
          && day >= 0
          && hour >= 0
          && minute >= 0
          && second >= 0
          && nanos >= 0) {
        for (int scale = length - 21; scale < 9 && length > 20; scale++) {
          nanos *= 10;
        }
        return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
            .toInstant(ZoneOffset.UTC);
      }
    }
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, Instant::from);
  }

  /** The decimal number of {@code text[from, to)}, or -1 unless every character is a digit. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static JsonValue object(JsonValue node, String path) {
    if (node == null || !node.isObject()) {
      throw new Refused(path, "must be a JSON object, got " + show(node));
    }
    return node;
  }

  private static String requiredText(JsonValue detail, String name) {
    return requiredText(detail, "detail", name);
  }

  private static String requiredText(JsonValue node, String path, String name) {
    String value = text(node, path, name);
    if (value == null || value.isBlank()) {
      throw new Refused(path + "." + name, "required: a non-empty string");
    }
    return value;
  }

  private static String text(JsonValue detail, String name) {
    return text(detail, "detail", name);
  }

  /** A string field, or null when absent or JSON null; any other type is refused. */
  private static String text(JsonValue node, String path, String name) {
    JsonValue value = node.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new Refused(path + "." + name, "must be a string, got " + show(value));
    }
    return value.textValue();
  }

  private static String show(JsonValue node) {
    if (node == null) {
      return "nothing";
    }
    return switch (node.type()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "the string " + SafeText.quote(node.textValue());
      case NUMBER -> "the number " + SafeText.quote(node.decimalValue().toString());
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case MISSING -> "nothing";
    };
  }

  /** A malformed task event, internal to reading; the parser turns it into a rejection. */
  static final class Refused extends RuntimeException {
    private final String field;

    Refused(String field, String reason) {
      super(reason, null, false, false);
      this.field = field;
    }

    String field() {
      return field;
    }
  }
}
