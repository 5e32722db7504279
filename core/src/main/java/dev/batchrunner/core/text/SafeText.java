package dev.batchrunner.core.text;

/** Renders untrusted text for error messages and logs: quoted, escaped, short. */
public final class SafeText {
  private static final java.util.regex.Pattern PLAIN_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final int MAX = 80;

  /** What logs, events and dry runs show instead of a sensitive or undeclared parameter's value. */
  public static final String MASK = "****";

  private SafeText() {}

  /**
   * {@code 'value'} with control and format characters (bidi overrides, zero-width) and lone
   * surrogates escaped, and cut so that the result stays short whatever the input.
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("'");
    int i = 0;
    while (i < value.length() && out.length() <= MAX) {
      int c = value.codePointAt(i);
      if (Character.isISOControl(c)
          || Character.getType(c) == Character.FORMAT
          || Character.getType(c) == Character.SURROGATE
          || c == '\''
          || c == '\\') {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
      i += Character.charCount(c);
    }
    out.append('\'');
    if (i < value.length()) {
      out.append("… (").append(value.length()).append(" chars)");
    }
    return out.toString();
  }

  /** A request field name as given when it is plain, else quoted and escaped (it is untrusted). */
  public static String fieldName(String name) {
    return PLAIN_NAME.matcher(name).matches() ? name : quote(name);
  }

  /** The field of a business parameter, e.g. {@code parameters.reportDate}. */
  public static String parameterField(String name) {
    return "parameters." + fieldName(name);
  }
}
