package dev.batchrunner.function.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.batchrunner.core.dispatch.DispatchOutcome.Rejected;
import dev.batchrunner.core.json.Json;
import dev.batchrunner.core.json.JsonValue;
import dev.batchrunner.core.request.BatchRequest;
import dev.batchrunner.core.request.Rejection;
import dev.batchrunner.core.request.RequestFields;
import dev.batchrunner.core.text.SafeText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads the input shapes (EventBridge envelope, bare request, SQS batch from a standard or FIFO
 * queue, and ECS "Task State Change" events directly or in an SQS record) into {@link Invocation}s.
 * Everything a publisher can get wrong becomes an {@link ParsedRequest.Invalid} that names the
 * field, never an exception.
 */
public final class EventParser {
  /** EventBridge's event size limit: a larger request is refused. */
  public static final int MAX_REQUEST_BYTES = 256 * 1024;

  /** Deeper JSON than this is refused before it can cost stack or CPU. */
  public static final int MAX_NESTING_DEPTH = 32;

  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH;

  /** A number parameter's exponent bound, so its plain text stays short. */
  static final int MAX_NUMBER_SCALE = 1000;

  /** The {@code source} and {@code detail-type} ECS gives its task state change events. */
  static final String ECS_SOURCE = "aws.ecs";

  static final String TASK_STATE_CHANGE = "ECS Task State Change";

  /** How the name of an SQS FIFO queue, and so its ARN, ends. */
  static final String FIFO_SUFFIX = ".fifo";

  private static final Map<String, String> REQUEST_FIELDS =
      Map.of(
          "batchtypeid", "batchTypeId",
          "traceid", "traceId",
          "parameters", "parameters",
          "idempotencykey", "idempotencyKey");

  private final Json json;
  private final Supplier<String> traceIds;

  /**
   * @param traceIds where trace ids come from for requests that carry none and no envelope id
   */
  public EventParser(Supplier<String> traceIds) {
    this.traceIds = traceIds;
    this.json = Json.reader(MAX_NESTING_DEPTH);
  }

  /** Reads one invocation's payload. */
  public Invocation parse(byte[] payload) {
    if (!isUtf8(payload)) {
      // Jackson decodes overlong forms (C0 80 = NUL) and encoded surrogates (ED A0 80) leniently.
      return new Invocation.Direct(invalid(null, null, null, "event", "not valid UTF-8"));
    }
    JsonValue root;
    try {
      root = readTree(payload);
    } catch (BadJson e) {
      return new Invocation.Direct(invalid(null, null, null, "event", e.getMessage()));
    }
    // Lambda's SQS event has exactly one field; a request that carries "Records" among others is
    // a request with an unknown field, not a batch to answer with an empty failure list.
    JsonValue records = root == null ? null : root.get("Records");
    if (records != null && records.isArray() && root.size() == 1) {
      return sqs(records);
    }
    if (payload.length > MAX_REQUEST_BYTES) {
      return new Invocation.Direct(invalid(null, null, null, "event", tooLarge(payload.length)));
    }
    return new Invocation.Direct(single(root, null));
  }

  private Invocation sqs(JsonValue records) {
    List<Invocation.SqsMessage> messages = new ArrayList<>();
    boolean fifo = false;
    for (int i = 0; i < records.size(); i++) {
      JsonValue record = records.get(i);
      fifo |= isFifo(record);
      JsonValue id = record.get("messageId");
      if (id == null || !id.isTextual()) {
        // Without an id the failure cannot be reported per record: fail the whole batch loudly.
        return new Invocation.Direct(
            invalid(
                null,
                null,
                null,
                "Records[" + i + "].messageId",
                "required: every SQS record has one (not an SQS event?)"));
      }
      String messageId = id.textValue();
      JsonValue body = record.get("body");
      ParsedRequest parsed;
      if (body == null || !body.isTextual()) {
        parsed = invalid(null, null, messageId, "body", "SQS record has no body text");
      } else {
        byte[] bytes = body.textValue().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_REQUEST_BYTES) {
          parsed = invalid(null, null, messageId, "body", tooLarge(bytes.length));
        } else {
          try {
            parsed = single(readTree(bytes), messageId);
          } catch (BadJson e) {
            parsed = invalid(null, null, messageId, "body", e.getMessage());
          }
        }
      }
      messages.add(new Invocation.SqsMessage(messageId, parsed));
    }
    return new Invocation.SqsBatch(messages, fifo);
  }

  /**
   * A record of a FIFO queue: its queue's ARN ends in {@code .fifo}, or it has a {@code
   * SequenceNumber}, which SQS gives FIFO messages only. Not {@code MessageGroupId}: a standard
   * queue's messages carry one too when their sender sets it (fair queues).
   */
  private static boolean isFifo(JsonValue record) {
    JsonValue arn = record.path("eventSourceARN");
    return (arn.isTextual() && arn.textValue().endsWith(FIFO_SUFFIX))
        || record.path("attributes").path("SequenceNumber").isTextual();
  }

  /** An envelope or a bare request; {@code messageId} is the SQS record it came in, or null. */
  private ParsedRequest single(JsonValue root, String messageId) {
    if (root == null || !root.isObject()) {
      return invalid(null, null, messageId, "event", "must be a JSON object");
    }
    if (isEnvelope(root)) {
      JsonValue idNode = root.get("id");
      String eventId = idNode != null && idNode.isTextual() ? idNode.textValue() : messageId;
      JsonValue kindNode = root.get("detail-type");
      if (kindNode != null
          && kindNode.isTextual()
          && asciiLowerCase(kindNode.textValue().strip())
              .equals(asciiLowerCase(TASK_STATE_CHANGE))) {
        return taskEvent(root, eventId);
      }
      JsonValue detail = root.get("detail");
      if (detail == null || detail.isNull() || (detail.isObject() && detail.isEmpty())) {
        JsonValue typeNode = root.path("detail-type");
        String detailType = typeNode.isTextual() ? SafeText.quote(typeNode.textValue()) : "";
        return invalid(
            null,
            null,
            eventId,
            "detail",
            "empty"
                + (detailType.isEmpty() ? "" : " in a " + detailType + " event")
                + ": give the rule an Input or InputTransformer that names the batch,"
                + " e.g. {\"batchTypeId\":\"daily-report\",\"parameters\":{...}}");
      }
      if (!detail.isObject()) {
        return invalid(null, null, eventId, "detail", "must be a JSON object (the request)");
      }
      String defaultTrace = RequestFields.isTraceId(eventId) ? eventId : null;
      return request(detail, eventId, defaultTrace);
    }
    return request(root, messageId, null);
  }

  /**
   * An envelope whose detail-type reads "ECS Task State Change" in any case is a task event or
   * nothing: only ECS's exact source and detail-type make one, and neither way is it read as a
   * request. A request may still come from source {@code aws.ecs} with another detail-type.
   */
  private static ParsedRequest taskEvent(JsonValue root, String eventId) {
    String detailType = root.get("detail-type").textValue();
    if (!detailType.equals(TASK_STATE_CHANGE)) {
      return invalid(
          null,
          null,
          eventId,
          "detail-type",
          "ECS task state changes have exactly '"
              + TASK_STATE_CHANGE
              + "', got "
              + SafeText.quote(detailType));
    }
    JsonValue source = root.get("source");
    if (source == null || !source.isTextual() || !source.textValue().equals(ECS_SOURCE)) {
      return invalid(
          null,
          null,
          eventId,
          "source",
          "an ECS Task State Change comes from source '"
              + ECS_SOURCE
              + "', got "
              + (source != null && source.isTextual()
                  ? SafeText.quote(source.textValue())
                  : kind(source)));
    }
    try {
      return new ParsedRequest.TaskEvent(TaskStateChangeReader.read(root.get("detail")), eventId);
    } catch (TaskStateChangeReader.Refused e) {
      return invalid(null, null, eventId, e.field(), e.getMessage());
    }
  }

  private static boolean isEnvelope(JsonValue root) {
    return root.has("detail-type") || (root.has("source") && root.has("detail"));
  }

  private ParsedRequest request(JsonValue node, String eventId, String defaultTraceId) {
    Map<String, JsonValue> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonValue>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonValue> field = it.next();
      String canonical = REQUEST_FIELDS.get(asciiLowerCase(field.getKey()));
      if (canonical == null) {
        return invalid(
            null,
            null,
            eventId,
            SafeText.fieldName(field.getKey()),
            "unknown field (allowed: batchTypeId, traceId, parameters, idempotencyKey)");
      }
      if (fields.put(canonical, field.getValue()) != null) {
        return invalid(null, null, eventId, canonical, "given twice (field names ignore case)");
      }
    }

    JsonValue batchNode = fields.get("batchTypeId");
    if (batchNode == null || batchNode.isNull()) {
      return invalid(null, null, eventId, "batchTypeId", "required");
    }
    if (!batchNode.isTextual() || batchNode.textValue().isBlank()) {
      return invalid(null, null, eventId, "batchTypeId", "must be a non-empty string");
    }
    String batchTypeId = batchNode.textValue();

    String traceId;
    JsonValue traceNode = fields.get("traceId");
    if (traceNode == null || traceNode.isNull()) {
      traceId = defaultTraceId != null ? defaultTraceId : traceIds.get();
    } else if (!traceNode.isTextual() || !RequestFields.isTraceId(traceNode.textValue())) {
      return invalid(batchTypeId, null, eventId, "traceId", RequestFields.TRACE_ID_RULE);
    } else {
      traceId = traceNode.textValue();
    }

    String idempotencyKey = null;
    JsonValue keyNode = fields.get("idempotencyKey");
    if (keyNode != null && !keyNode.isNull()) {
      if (!keyNode.isTextual() || !RequestFields.isIdempotencyKey(keyNode.textValue())) {
        return invalid(
            batchTypeId, traceId, eventId, "idempotencyKey", RequestFields.IDEMPOTENCY_KEY_RULE);
      }
      idempotencyKey = keyNode.textValue();
    }

    Map<String, String> parameters = new LinkedHashMap<>();
    JsonValue paramNode = fields.get("parameters");
    if (paramNode != null && !paramNode.isNull()) {
      if (!paramNode.isObject()) {
        return invalid(
            batchTypeId,
            traceId,
            eventId,
            "parameters",
            "must be a JSON object of name to value, got " + kind(paramNode));
      }
      for (Iterator<Map.Entry<String, JsonValue>> it = paramNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonValue> p = it.next();
        JsonValue value = p.getValue();
        String text;
        if (value.isTextual()) {
          text = value.textValue();
        } else if (value.isIntegralNumber()) {
          text = value.bigIntegerValue().toString();
        } else if (value.isNumber()) {
          java.math.BigDecimal number = value.decimalValue();
          // 1e999999999 written out is a billion characters: refuse it before building it.
          if (Math.abs((long) number.scale()) > MAX_NUMBER_SCALE) {
            return invalid(
                batchTypeId,
                traceId,
                eventId,
                SafeText.parameterField(p.getKey()),
                "number out of range (more than " + MAX_NUMBER_SCALE + " digits written out)");
          }
          text = number.toPlainString();
        } else if (value.isBoolean()) {
          text = Boolean.toString(value.booleanValue());
        } else if (value.isNull()) {
          continue; // null means "not given": the catalog default or the required check applies
        } else {
          return invalid(
              batchTypeId,
              traceId,
              eventId,
              SafeText.parameterField(p.getKey()),
              "must be a string, number or boolean, got " + kind(value));
        }
        parameters.put(p.getKey(), text);
      }
    }
    return new ParsedRequest.Valid(
        new BatchRequest(batchTypeId, traceId, parameters, idempotencyKey, eventId));
  }

  private static String kind(JsonValue node) {
    if (node == null) {
      return "nothing";
    }
    return switch (node.type()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> node.type().name().toLowerCase(Locale.ROOT);
    };
  }

  private static String tooLarge(int bytes) {
    return bytes + " bytes, over the " + (MAX_REQUEST_BYTES / 1024) + " KB limit for one request";
  }

  private static ParsedRequest invalid(
      String batchTypeId, String traceId, String eventId, String field, String reason) {
    return new ParsedRequest.Invalid(
        new Rejected(batchTypeId, traceId, new Rejection(field, reason)), eventId);
  }

  /**
   * Field names ignore ASCII case only: {@code toLowerCase} would also fold other scripts' letters
   * (the Kelvin sign U+212A becomes 'k') into ours.
   */
  private static String asciiLowerCase(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }

  /**
   * Whether {@code bytes} are well-formed UTF-8 as the JDK's strict decoder defines it (no overlong
   * form, no encoded surrogate, nothing above U+10FFFF, no cut sequence), by one scan that
   * allocates nothing: a task state change event is several KB, which decoding into a buffer only
   * to check it made a measurable part of its cost. EventParserUtf8Test holds it to the JDK's
   * decoder.
   */
  static boolean isUtf8(byte[] bytes) {
    int n = bytes.length;
    int i = 0;
    while (i < n) {
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xFF;
      if (b < 0xC2) {
        return false; // a continuation byte first, or an overlong two-byte form (C0, C1)
      }
      if (b < 0xE0) {
        if (i + 1 >= n || !continuation(bytes[i + 1])) {
          return false;
        }
        i += 2;
      } else if (b < 0xF0) {
        if (i + 2 >= n) {
          return false;
        }
        int second = bytes[i + 1] & 0xFF;
        boolean secondOk =
            b == 0xE0
                ? second >= 0xA0 && second <= 0xBF // not overlong
                : b == 0xED ? second >= 0x80 && second <= 0x9F : continuation(second);
        if (!secondOk || !continuation(bytes[i + 2])) {
          return false;
        }
        i += 3;
      } else if (b < 0xF5) {
        if (i + 3 >= n) {
          return false;
        }
        int second = bytes[i + 1] & 0xFF;
        boolean secondOk =
            b == 0xF0
                ? second >= 0x90 && second <= 0xBF // not overlong
                : b == 0xF4 ? second >= 0x80 && second <= 0x8F : continuation(second);
        if (!secondOk || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
          return false;
        }
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean continuation(int b) {
    return (b & 0xC0) == 0x80;
  }

  private JsonValue readTree(byte[] bytes) {
    try {
      return json.read(bytes);
    } catch (StreamConstraintsException e) {
      String limit = String.valueOf(e.getOriginalMessage());
      throw new BadJson(
          limit.contains("nesting depth")
              ? "nested deeper than " + MAX_NESTING_DEPTH + " levels"
              : "over a parser limit: " + SafeText.quote(limit));
    } catch (NumberFormatException e) {
      // Jackson throws it, unwrapped, for a float whose exponent BigDecimal cannot hold
      // (1e-2147483648).
      throw new BadJson("a number is out of range: " + SafeText.quote(e.getMessage()));
    } catch (JsonProcessingException e) {
      throw new BadJson("not valid JSON: " + SafeText.quote(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new BadJson("unreadable: " + e.getMessage());
    }
  }

  /** Malformed JSON, internal to parsing; surfaces as a rejection. */
  private static final class BadJson extends RuntimeException {
    BadJson(String message) {
      super(message, null, false, false);
    }
  }
}
