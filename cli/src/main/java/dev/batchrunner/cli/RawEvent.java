package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What an event file looks like on its face, for {@code explain}'s labels only: which input shape
 * each part is (envelope, bare request, task state change) and whether a request gave its own trace
 * id. What the function does with the event is the function's parser's business ({@link
 * OfflineFunction}); this reads the same JSON with the parser's rules for telling the shapes apart
 * (CONTRACT.md "Input shapes") so that the explanation can say where a value came from.
 */
final class RawEvent {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TASK_STATE_CHANGE = "ecs task state change";

  /** An input shape, as {@code explain} names it. */
  enum Shape {
    ENVELOPE("EventBridge envelope", "eventbridge-envelope"),
    BARE_REQUEST("bare request", "bare-request"),
    TASK_STATE_CHANGE("ECS task state change", "task-state-change"),
    SQS_BATCH("SQS batch", "sqs-batch"),
    NOT_AN_EVENT("not an event", "not-an-event");

    private final String label;
    private final String id;

    Shape(String label, String id) {
      this.label = label;
      this.id = id;
    }

    /** For people. */
    String label() {
      return label;
    }

    /** For {@code --json}. */
    String id() {
      return id;
    }
  }

  /**
   * One event (the file, or an SQS record's body).
   *
   * @param shape its shape
   * @param id the envelope's {@code id}, or null
   * @param source the envelope's {@code source}, or null
   * @param detailType the envelope's {@code detail-type}, or null
   * @param givesTraceId whether the request has a non-null {@code traceId} (any case)
   */
  record Part(Shape shape, String id, String source, String detailType, boolean givesTraceId) {
    static final Part NONE = new Part(Shape.NOT_AN_EVENT, null, null, null, false);

    /** {@code EventBridge envelope (id …, source …, detail-type '…')}, or the shape alone. */
    String describe() {
      if (shape != Shape.ENVELOPE && shape != Shape.TASK_STATE_CHANGE) {
        return shape.label();
      }
      StringBuilder text = new StringBuilder(shape.label()).append(" (");
      if (shape == Shape.TASK_STATE_CHANGE) {
        text.append("EventBridge envelope, ");
      }
      text.append("id ").append(id == null ? "-" : id);
      if (source != null) {
        text.append(", source ").append(source);
      }
      if (detailType != null && shape == Shape.ENVELOPE) {
        text.append(", detail-type '").append(detailType).append('\'');
      }
      return text.append(')').toString();
    }
  }

  private final Shape shape;
  private final Part direct;
  private final Map<String, Part> bodies;
  private final int records;

  private RawEvent(Shape shape, Part direct, Map<String, Part> bodies, int records) {
    this.shape = shape;
    this.direct = direct;
    this.bodies = bodies;
    this.records = records;
  }

  /** Reads an event file's bytes; never throws (what is no JSON is {@link Shape#NOT_AN_EVENT}). */
  static RawEvent read(byte[] bytes) {
    JsonNode root = tree(bytes);
    if (root == null || !root.isObject()) {
      return new RawEvent(Shape.NOT_AN_EVENT, Part.NONE, Map.of(), 0);
    }
    JsonNode records = root.get("Records");
    // The parser's rule: Lambda's SQS event has exactly one field.
    if (records != null && records.isArray() && root.size() == 1) {
      Map<String, Part> bodies = new HashMap<>();
      for (JsonNode record : records) {
        JsonNode id = record.get("messageId");
        JsonNode body = record.get("body");
        if (id != null && id.isTextual() && !bodies.containsKey(id.textValue())) {
          bodies.put(
              id.textValue(),
              body != null && body.isTextual() ? part(tree(body.textValue())) : Part.NONE);
        }
      }
      return new RawEvent(Shape.SQS_BATCH, Part.NONE, bodies, records.size());
    }
    Part part = part(root);
    return new RawEvent(part.shape(), part, Map.of(), 0);
  }

  /** The file's shape. */
  Shape shape() {
    return shape;
  }

  /** An SQS batch's record count; 0 for other shapes. */
  int records() {
    return records;
  }

  /** The part an item came in: an SQS record's body by message id, else the file. */
  Part part(String messageId) {
    if (shape == Shape.SQS_BATCH) {
      return messageId == null ? Part.NONE : bodies.getOrDefault(messageId, Part.NONE);
    }
    return direct;
  }

  private static Part part(JsonNode root) {
    if (root == null || !root.isObject()) {
      return Part.NONE;
    }
    boolean envelope = root.has("detail-type") || (root.has("source") && root.has("detail"));
    if (!envelope) {
      return new Part(Shape.BARE_REQUEST, null, null, null, givesTraceId(root));
    }
    String detailType = text(root.get("detail-type"));
    Shape shape =
        detailType != null && asciiLowerCase(detailType.strip()).equals(TASK_STATE_CHANGE)
            ? Shape.TASK_STATE_CHANGE
            : Shape.ENVELOPE;
    return new Part(
        shape,
        text(root.get("id")),
        text(root.get("source")),
        detailType,
        shape == Shape.ENVELOPE && givesTraceId(root.get("detail")));
  }

  private static boolean givesTraceId(JsonNode request) {
    if (request == null || !request.isObject()) {
      return false;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (asciiLowerCase(field.getKey()).equals("traceid") && !field.getValue().isNull()) {
        return true;
      }
    }
    return false;
  }

  /** As the parser folds field names: ASCII letters only. */
  private static String asciiLowerCase(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }

  private static String text(JsonNode node) {
    return node != null && node.isTextual() ? node.textValue() : null;
  }

  private static JsonNode tree(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static JsonNode tree(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
