package dev.batchrunner.dispatch;

/** Renders untrusted text for error messages and logs: quoted, escaped, short. */
public final class SafeText {
  private static final int MAX = 80;

  private SafeText() {}

  /** {@code 'value'} with control characters escaped and long values cut. */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("'");
    int limit = Math.min(value.length(), MAX);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || c == '\'' || c == '\\') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('\'');
    if (value.length() > MAX) {
      out.append("… (").append(value.length()).append(" chars)");
    }
    return out.toString();
  }
}
