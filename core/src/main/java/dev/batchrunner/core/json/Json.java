package dev.batchrunner.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

/**
 * JSON reading and writing on Jackson's streaming core and its tree nodes, without an {@code
 * ObjectMapper}: building the first mapper loads some 600 classes (about 125 ms of a Lambda cold
 * start) for data binding this function never does.
 */
public final class Json {
  /** Tree nodes keep decimals exactly as written ({@code 1.50} stays {@code 1.50}). */
  public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

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
   * Reads one JSON value into a tree; empty input gives a {@link MissingNode}, anything after the
   * value is an error.
   *
   * @throws IOException for malformed JSON or a broken parser limit ({@code
   *     JsonProcessingException} and its {@code StreamConstraintsException})
   */
  public JsonNode read(byte[] bytes) throws IOException {
    try (JsonParser parser = factory.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return MissingNode.getInstance();
      }
      JsonNode root = value(parser, first);
      if (parser.nextToken() != null) {
        throw new JsonParseException(parser, "trailing content after the JSON value");
      }
      return root;
    }
  }

  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String name = parser.currentName();
          object.set(name, value(parser, parser.nextToken()));
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          array.add(value(parser, t));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        return switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(parser.getDecimalValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
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
   * Writes a value made of strings, numbers, booleans, nulls, {@link JsonNode}s, {@link RawJson},
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
    } else if (value instanceof JsonNode node) {
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

  private static void writeNode(JsonGenerator json, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        json.writeStartObject();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          json.writeFieldName(e.getKey());
          writeNode(json, e.getValue());
        }
        json.writeEndObject();
      }
      case ARRAY -> {
        json.writeStartArray();
        for (JsonNode item : node) {
          writeNode(json, item);
        }
        json.writeEndArray();
      }
      case STRING -> json.writeString(node.textValue());
      case NUMBER -> writeNumber(json, node.numberValue());
      case BOOLEAN -> json.writeBoolean(node.booleanValue());
      default -> json.writeNull();
    }
  }
}
