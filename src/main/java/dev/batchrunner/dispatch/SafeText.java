package dev.batchrunner.dispatch;

/** Renders untrusted text for error messages and logs: quoted, escaped, short. */
public final class SafeText {
  private static final int MAX = 80;

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
}
