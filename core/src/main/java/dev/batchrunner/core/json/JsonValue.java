package dev.batchrunner.core.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON tree as {@link Json#read} builds it on Jackson's streaming parser: batch-runner's own
 * small node type, so that the domain needs jackson-core only (no jackson-databind, whose first use
 * loads hundreds of classes at a Lambda cold start). Objects keep their fields in document order;
 * numbers keep their exact text value ({@code 1.50} stays {@code 1.50}). Lookups never throw: a
 * missing field is {@code null} from {@link #get(String)} and {@link #MISSING} from {@link
 * #path(String)}.
 */
public abstract sealed class JsonValue implements Iterable<JsonValue> {
  /** What {@link #path} answers for a field that is not there, and what empty input reads as. */
  public static final JsonValue MISSING = new Missing();

  /** The JSON {@code null}. */
  public static final JsonValue NULL = new Null();

  /** The kinds of JSON value. */
  public enum Type {
    OBJECT,
    ARRAY,
    STRING,
    NUMBER,
    BOOLEAN,
    NULL,
    MISSING
  }

  private JsonValue() {}

  /** This value's kind. */
  public abstract Type type();

  /** A new, empty object. */
  public static JsonObject object() {
    return new JsonObject();
  }

  /** A new, empty array. */
  public static JsonArray array() {
    return new JsonArray();
  }

  /** A string value. */
  public static JsonValue string(String value) {
    return new JsonString(value);
  }

  /** A number value, kept exactly. */
  public static JsonValue number(BigDecimal value) {
    return new JsonNumber(value, false);
  }

  /** An integral number value. */
  public static JsonValue number(BigInteger value) {
    return new JsonNumber(new BigDecimal(value), true);
  }

  /** A boolean value. */
  public static JsonValue bool(boolean value) {
    return value ? JsonBoolean.TRUE : JsonBoolean.FALSE;
  }

  /** An object's field, or null when absent or when this is not an object. */
  public JsonValue get(String name) {
    return null;
  }

  /** An array's element, or null when out of range or when this is not an array. */
  public JsonValue get(int index) {
    return null;
  }

  /** An object's field, or {@link #MISSING}. */
  public JsonValue path(String name) {
    JsonValue value = get(name);
    return value == null ? MISSING : value;
  }

  /** Whether this is an object with that field. */
  public boolean has(String name) {
    return get(name) != null;
  }

  /** The number of fields or elements; 0 for other values. */
  public int size() {
    return 0;
  }

  /** Whether this has no fields or elements (always true for other values). */
  public boolean isEmpty() {
    return size() == 0;
  }

  /** An object's fields in document order; empty for other values. */
  public Iterator<Map.Entry<String, JsonValue>> fields() {
    return Collections.emptyIterator();
  }

  /** An object's field names in document order; empty for other values. */
  public Iterator<String> fieldNames() {
    return Collections.emptyIterator();
  }

  /** An array's elements; empty for other values. */
  @Override
  public Iterator<JsonValue> iterator() {
    return Collections.emptyIterator();
  }

  public final boolean isObject() {
    return type() == Type.OBJECT;
  }

  public final boolean isArray() {
    return type() == Type.ARRAY;
  }

  public final boolean isTextual() {
    return type() == Type.STRING;
  }

  public final boolean isNumber() {
    return type() == Type.NUMBER;
  }

  public final boolean isBoolean() {
    return type() == Type.BOOLEAN;
  }

  public final boolean isNull() {
    return type() == Type.NULL;
  }

  public final boolean isMissingNode() {
    return type() == Type.MISSING;
  }

  /** Whether this is a number written without a fraction or exponent. */
  public boolean isIntegralNumber() {
    return false;
  }

  /** A string's text, else null. */
  public String textValue() {
    return null;
  }

  /** A boolean's value, else false. */
  public boolean booleanValue() {
    return false;
  }

  /** A number's exact value, else null. */
  public BigDecimal decimalValue() {
    return null;
  }

  /** An integral number's value (a fraction is cut), else null. */
  public BigInteger bigIntegerValue() {
    BigDecimal value = decimalValue();
    return value == null ? null : value.toBigInteger();
  }

  /** Whether this is an integral number within {@code int} range. */
  public boolean canConvertToInt() {
    BigInteger value = isIntegralNumber() ? bigIntegerValue() : null;
    return value != null && value.bitLength() < 32;
  }

  /** An int number's value, else 0. */
  public int intValue() {
    return canConvertToInt() ? bigIntegerValue().intValue() : 0;
  }

  /** A JSON object, mutable while the catalog loader fills its placeholders. */
  public static final class JsonObject extends JsonValue {
    private final Map<String, JsonValue> fields = new LinkedHashMap<>();

    @Override
    public Type type() {
      return Type.OBJECT;
    }

    @Override
    public JsonValue get(String name) {
      return fields.get(name);
    }

    @Override
    public int size() {
      return fields.size();
    }

    @Override
    public Iterator<Map.Entry<String, JsonValue>> fields() {
      return Collections.unmodifiableMap(fields).entrySet().iterator();
    }

    @Override
    public Iterator<String> fieldNames() {
      return Collections.unmodifiableSet(fields.keySet()).iterator();
    }

    /** Sets a field, keeping its place if it exists; returns this object. */
    public JsonObject set(String name, JsonValue value) {
      fields.put(name, value);
      return this;
    }
  }

  /** A JSON array, mutable while the catalog loader fills its placeholders. */
  public static final class JsonArray extends JsonValue {
    private final List<JsonValue> elements = new ArrayList<>();

    @Override
    public Type type() {
      return Type.ARRAY;
    }

    @Override
    public JsonValue get(int index) {
      return index >= 0 && index < elements.size() ? elements.get(index) : null;
    }

    @Override
    public int size() {
      return elements.size();
    }

    @Override
    public Iterator<JsonValue> iterator() {
      return Collections.unmodifiableList(elements).iterator();
    }

    /** Appends an element; returns this array. */
    public JsonArray add(JsonValue value) {
      elements.add(value);
      return this;
    }

    /** Replaces an element. */
    public void set(int index, JsonValue value) {
      elements.set(index, value);
    }
  }

  private static final class JsonString extends JsonValue {
    private final String value;

    JsonString(String value) {
      this.value = value;
    }

    @Override
    public Type type() {
      return Type.STRING;
    }

    @Override
    public String textValue() {
      return value;
    }

    @Override
    public String toString() {
      return value;
    }
  }

  private static final class JsonNumber extends JsonValue {
    private final BigDecimal value;
    private final boolean integral;

    JsonNumber(BigDecimal value, boolean integral) {
      this.value = value;
      this.integral = integral;
    }

    @Override
    public Type type() {
      return Type.NUMBER;
    }

    @Override
    public boolean isIntegralNumber() {
      return integral;
    }

    @Override
    public BigDecimal decimalValue() {
      return value;
    }

    @Override
    public String toString() {
      return integral ? value.toBigInteger().toString() : value.toString();
    }
  }

  private static final class JsonBoolean extends JsonValue {
    static final JsonBoolean TRUE = new JsonBoolean(true);
    static final JsonBoolean FALSE = new JsonBoolean(false);
    private final boolean value;

    private JsonBoolean(boolean value) {
      this.value = value;
    }

    @Override
    public Type type() {
      return Type.BOOLEAN;
    }

    @Override
    public boolean booleanValue() {
      return value;
    }

    @Override
    public String toString() {
      return Boolean.toString(value);
    }
  }

  private static final class Null extends JsonValue {
    @Override
    public Type type() {
      return Type.NULL;
    }

    @Override
    public String toString() {
      return "null";
    }
  }

  private static final class Missing extends JsonValue {
    @Override
    public Type type() {
      return Type.MISSING;
    }

    @Override
    public String toString() {
      return "";
    }
  }
}
