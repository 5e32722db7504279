package dev.batchrunner.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

/**
 * JSON reading and writing on Jackson's streaming core (jackson-core only) into batch-runner's own
 * {@link JsonValue} trees, without an {@code ObjectMapper}: building the first mapper loads some
 * 600 classes (about 125 ms of a Lambda cold start) for data binding this function never does.
 */
public final class Json {
  private static final JsonFactory WRITER = new JsonFactory();

  private final JsonFactory factory;

  private Json(JsonFactory factory) {
    this.factory = factory;
  }

  /** A reader that refuses duplicate keys and nesting deeper than {@code maxNestingDepth}. */
  public static Json reader(int maxNestingDepth) {
    return new Json(
        JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build())
            .build());
  }

  /**
   * Reads one JSON value into a tree; empty input gives {@link JsonValue#MISSING}, anything after
   * the value is an error.
   *
   * @throws IOException for malformed JSON or a broken parser limit ({@code
   *     JsonProcessingException} and its {@code StreamConstraintsException})
   */
  public JsonValue read(byte[] bytes) throws IOException {
    try (JsonParser parser = factory.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return JsonValue.MISSING;
      }
      JsonValue root = value(parser, first);
      if (parser.nextToken() != null) {
        throw new JsonParseException(parser, "trailing content after the JSON value");
      }
      return root;
    }
  }

  private static JsonValue value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        JsonValue.JsonObject object = JsonValue.object();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String name = parser.currentName();
          object.set(name, value(parser, parser.nextToken()));
        }
        return object;
      case START_ARRAY:
        JsonValue.JsonArray array = JsonValue.array();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          array.add(value(parser, t));
        }
        return array;
      case VALUE_STRING:
        return JsonValue.string(parser.getText());
      case VALUE_NUMBER_INT:
        return JsonValue.number(parser.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT:
        return JsonValue.number(parser.getDecimalValue());
      case VALUE_TRUE:
        return JsonValue.bool(true);
      case VALUE_FALSE:
        return JsonValue.bool(false);
      case VALUE_NULL:
        return JsonValue.NULL;
      default:
        throw new JsonParseException(parser, "unexpected token " + token);
    }
  }

  /** What a {@link #write} body does with the generator. */
  @FunctionalInterface
  public interface Body {
    void write(JsonGenerator json) throws IOException;
  }

  /** Runs {@code body} on a compact generator and returns the bytes it wrote. */
  public static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = WRITER.createGenerator(out)) {
      body.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Runs {@code body} on a compact character generator and returns the text. Unlike the byte
   * generator of {@link #write}, it leaves characters outside the BMP unescaped (one emoji is two
   * characters, not a twelve-character escape).
   */
  public static String writeText(Body body) {
    java.io.StringWriter out = new java.io.StringWriter(256);
    try (JsonGenerator json = WRITER.createGenerator(out)) {
      body.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Writes a value made of strings, numbers, booleans, nulls, {@link JsonValue}s, {@link RawJson},
   * maps (in their own order) and collections; anything else as its {@code toString()}.
   */
  public static void writeValue(JsonGenerator json, Object value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof String s) {
      json.writeString(s);
    } else if (value instanceof Number n) {
      writeNumber(json, n);
    } else if (value instanceof Boolean b) {
      json.writeBoolean(b);
    } else if (value instanceof RawJson raw) {
      json.writeRawValue(raw.json());
    } else if (value instanceof JsonValue node) {
      writeNode(json, node);
    } else if (value instanceof Map<?, ?> map) {
      json.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        json.writeFieldName(String.valueOf(e.getKey()));
        writeValue(json, e.getValue());
      }
      json.writeEndObject();
    } else if (value instanceof Collection<?> items) {
      json.writeStartArray();
      for (Object item : items) {
        writeValue(json, item);
      }
      json.writeEndArray();
    } else {
      json.writeString(value.toString());
    }
  }

  private static void writeNumber(JsonGenerator json, Number n) throws IOException {
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
      json.writeNumber(n.longValue());
    } else if (n instanceof java.math.BigDecimal d) {
      json.writeNumber(d);
    } else if (n instanceof java.math.BigInteger i) {
      json.writeNumber(i);
    } else {
      json.writeNumber(n.doubleValue());
    }
  }

  private static void writeNode(JsonGenerator json, JsonValue node) throws IOException {
    switch (node.type()) {
      case OBJECT -> {
        json.writeStartObject();
        for (var it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonValue> e = it.next();
          json.writeFieldName(e.getKey());
          writeNode(json, e.getValue());
        }
        json.writeEndObject();
      }
      case ARRAY -> {
        json.writeStartArray();
        for (JsonValue item : node) {
          writeNode(json, item);
        }
        json.writeEndArray();
      }
      case STRING -> json.writeString(node.textValue());
      case NUMBER -> {
        if (node.isIntegralNumber()) {
          json.writeNumber(node.bigIntegerValue());
        } else {
          json.writeNumber(node.decimalValue());
        }
      }
      case BOOLEAN -> json.writeBoolean(node.booleanValue());
      case NULL, MISSING -> json.writeNull();
    }
  }
}
