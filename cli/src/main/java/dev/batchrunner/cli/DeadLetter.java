package dev.batchrunner.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchrunner.core.text.SafeText;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One dead-letter message of the stack, read for {@code replay}: the event it holds, what kind it
 * is and how it is handed on, or why it is not replayable.
 *
 * @param kind what the message holds
 * @param from where the event is in the body: the body itself, or a Lambda failure record's {@code
 *     requestPayload}; null when unreplayable
 * @param batchTypeId the request's batch type, or the task's {@code BATCH_TYPE_ID}; null if unknown
 * @param traceId the request's trace id (for an envelope without one, the envelope id the function
 *     takes instead), or the task's {@code TRACE_ID}; null if unknown
 * @param payload the event as the function is invoked with it (JSON text); null when unreplayable
 * @param busEntry for {@link Kind#BATCH_REQUESTED}, the PutEvents entry that puts it back on the
 *     requests bus; else null
 * @param reason for {@link Kind#UNREPLAYABLE}, why; else null
 * @param error why it is in a dead-letter queue, when the message says so (a failure record's
 *     error, EventBridge's {@code ERROR_CODE} / {@code ERROR_MESSAGE} attributes); else null
 */
record DeadLetter(
    DeadLetter.Kind kind,
    DeadLetter.From from,
    String batchTypeId,
    String traceId,
    String payload,
    BusEntry busEntry,
    String reason,
    String error) {

  /** What a dead-letter message holds. */
  enum Kind {
    /** A "Batch Requested" envelope, as the requests rule delivered it: back to the bus. */
    BATCH_REQUESTED,
    /** A bare request (the schedule's input, a direct invoke): to the function. */
    REQUEST,
    /**
     * An ECS "Task State Change" (source aws.ecs, which no one may put on a bus): to the function.
     */
    TASK_STATE_CHANGE,
    /** Anything else: left in the queue, never deleted by replay. */
    UNREPLAYABLE
  }

  /** Where in the message body the event is. */
  enum From {
    /** The body is the event (EventBridge's and the scheduler's DLQ, the intake queue's DLQ). */
    BODY,
    /** The body is a Lambda on-failure destination record; the event is its requestPayload. */
    REQUEST_PAYLOAD
  }

  /** A PutEvents entry's fields, as the original envelope had them. */
  record BusEntry(String source, String detailType, String detail) {}

  /** The detail-type of the monolith's requests, which the requests rule matches. */
  static final String BATCH_REQUESTED = "Batch Requested";

  static final String ECS_SOURCE = "aws.ecs";
  static final String TASK_STATE_CHANGE = "ECS Task State Change";

  /**
   * What the function accepts as a trace id (EventParser): an envelope id outside it is no trace.
   */
  private static final Pattern TRACE_ID = Pattern.compile("[A-Za-z0-9+\\-=._:/@]{1,128}");

  private static final int MAX_ERROR_LENGTH = 300;

  // Exact decimals and no duplicate fields: a replayed request must carry the very values the
  // publisher sent (a double would turn 0.1 into 0.1000000000000000055…).
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  /**
   * Reads one message body.
   *
   * @param attributes the message's attributes (EventBridge and the scheduler add {@code
   *     ERROR_CODE} and {@code ERROR_MESSAGE} to their dead letters)
   */
  static DeadLetter classify(String body, Map<String, String> attributes) {
    String attributeError = attributeError(attributes);
    if (body == null || body.isBlank()) {
      return unreplayable("empty body", attributeError);
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return unreplayable(
          "not JSON: " + SafeText.quote(String.valueOf(e.getOriginalMessage())), attributeError);
    }
    if (root == null || !root.isObject()) {
      return unreplayable("not a JSON object", attributeError);
    }
    if (root.has("requestPayload") && root.path("requestContext").isObject()) {
      String error = failureError(root);
      JsonNode payload = root.get("requestPayload");
      if (!payload.isObject()) {
        return unreplayable(
            "a Lambda failure record whose requestPayload is not an event object", error);
      }
      return event((ObjectNode) payload, From.REQUEST_PAYLOAD, write(payload), error);
    }
    return event((ObjectNode) root, From.BODY, body, attributeError);
  }

  /** {@link #classify(String, Map)} of a message without attributes. */
  static DeadLetter classify(String body) {
    return classify(body, Map.of());
  }

  private static DeadLetter event(ObjectNode event, From from, String payload, String error) {
    if (event.has("Records")) {
      return unreplayable(
          "an SQS event (Records): no rule of the stack delivers one; replay its records' bodies",
          error);
    }
    if (isEnvelope(event)) {
      String detailType = text(event, "detail-type");
      String source = text(event, "source");
      JsonNode detail = event.get("detail");
      if (TASK_STATE_CHANGE.equals(detailType)) {
        if (!ECS_SOURCE.equals(source)) {
          return unreplayable(
              "an " + TASK_STATE_CHANGE + " from source " + quote(source) + ", not aws.ecs", error);
        }
        if (detail == null || !detail.isObject()) {
          return unreplayable("an " + TASK_STATE_CHANGE + " without a detail object", error);
        }
        return new DeadLetter(
            Kind.TASK_STATE_CHANGE,
            from,
            taskEnvironment(detail, "BATCH_TYPE_ID"),
            taskEnvironment(detail, "TRACE_ID"),
            payload,
            null,
            null,
            error);
      }
      if (!BATCH_REQUESTED.equals(detailType)) {
        return unreplayable(
            "an event of detail-type "
                + quote(detailType)
                + " from source "
                + quote(source)
                + ": neither '"
                + BATCH_REQUESTED
                + "' nor an "
                + TASK_STATE_CHANGE,
            error);
      }
      if (source == null || source.isBlank()) {
        return unreplayable("a '" + BATCH_REQUESTED + "' envelope without a source", error);
      }
      if (source.startsWith("aws.")) {
        // EventBridge refuses PutEvents of aws.* sources, and the monolith's is none of them.
        return unreplayable(
            "a '" + BATCH_REQUESTED + "' envelope from AWS's reserved source " + quote(source),
            error);
      }
      if (detail == null || !detail.isObject() || requestField(detail, "batchTypeId") == null) {
        return unreplayable(
            "a '" + BATCH_REQUESTED + "' envelope whose detail has no batchTypeId", error);
      }
      ObjectNode request = ((ObjectNode) detail).deepCopy();
      String traceId = requestField(request, "traceId");
      String eventId = text(event, "id");
      if (traceId == null && eventId != null && TRACE_ID.matcher(eventId).matches()) {
        // The function takes the envelope id for a request without a trace id; the bus gives the
        // replayed event a new id, so the replay carries the original one as the trace id.
        traceId = eventId;
        request.put(fieldName(request, "traceId"), eventId);
      }
      return new DeadLetter(
          Kind.BATCH_REQUESTED,
          from,
          requestField(request, "batchTypeId"),
          traceId,
          payload,
          new BusEntry(source, detailType, write(request)),
          null,
          error);
    }
    String batchTypeId = requestField(event, "batchTypeId");
    if (batchTypeId == null) {
      return unreplayable("no batchTypeId: neither a request nor an event of the stack", error);
    }
    return new DeadLetter(
        Kind.REQUEST,
        from,
        batchTypeId,
        requestField(event, "traceId"),
        payload,
        null,
        null,
        error);
  }

  /** The function's own test (EventParser): what has a detail-type, or a source and a detail. */
  private static boolean isEnvelope(JsonNode node) {
    return node.has("detail-type") || (node.has("source") && node.has("detail"));
  }

  /** A request field's text, its name matched ignoring ASCII case as the function does. */
  private static String requestField(JsonNode request, String name) {
    for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equalsIgnoreCase(name)) {
        JsonNode value = field.getValue();
        return value.isTextual() && !value.textValue().isBlank() ? value.textValue() : null;
      }
    }
    return null;
  }

  /** The name under which the request has this field (any case), else the canonical one. */
  private static String fieldName(JsonNode request, String name) {
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (key.equalsIgnoreCase(name)) {
        return key;
      }
    }
    return name;
  }

  /** A variable batch-runner set on the task's container, from the event's overrides. */
  private static String taskEnvironment(JsonNode detail, String name) {
    for (JsonNode container : detail.path("overrides").path("containerOverrides")) {
      for (JsonNode variable : container.path("environment")) {
        if (name.equals(variable.path("name").asText(null)) && variable.path("value").isTextual()) {
          return variable.get("value").textValue();
        }
      }
    }
    return null;
  }

  /** What a Lambda failure record says went wrong: the error, else the condition. */
  private static String failureError(JsonNode record) {
    JsonNode response = record.path("responsePayload");
    String type = text(response, "errorType");
    String message = text(response, "errorMessage");
    String condition = text(record.path("requestContext"), "condition");
    String error;
    if (message != null) {
      error = type == null ? message : type + ": " + message;
    } else if (text(record.path("responseContext"), "functionError") != null) {
      error = "function error " + text(record.path("responseContext"), "functionError");
    } else {
      error = condition;
    }
    if (error != null && condition != null && !error.equals(condition)) {
      error = condition + ": " + error;
    }
    return cut(error);
  }

  private static String attributeError(Map<String, String> attributes) {
    String code = attributes.get("ERROR_CODE");
    String message = attributes.get("ERROR_MESSAGE");
    if (code == null && message == null) {
      return null;
    }
    return cut(code == null ? message : message == null ? code : code + ": " + message);
  }

  private static String cut(String text) {
    if (text == null) {
      return null;
    }
    // Untrusted text for a terminal: one line, no control or format characters (escapes, bidi).
    String line = text.replaceAll("\\s+", " ").replaceAll("[\\p{Cc}\\p{Cf}]", "?").strip();
    return line.length() <= MAX_ERROR_LENGTH ? line : line.substring(0, MAX_ERROR_LENGTH) + "…";
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private static String quote(String text) {
    return text == null ? "(none)" : SafeText.quote(text);
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that cannot be written: " + e, e);
    }
  }

  private static DeadLetter unreplayable(String reason, String error) {
    return new DeadLetter(Kind.UNREPLAYABLE, null, null, null, null, null, reason, error);
  }

  /** The kind's name for people. */
  static String describe(Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
