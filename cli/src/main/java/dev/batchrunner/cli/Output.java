package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --json}, and the two ways a command prints its answer: one JSON document (indented, for
 * {@code jq} and scripts) or a table for people. Either way stdout holds only the answer.
 */
final class Output {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(names = "--json", description = "print one JSON document instead of a table")
  boolean json;

  /** {@code value} (maps, lists, strings, numbers, booleans, nulls) as indented JSON. */
  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints {@code value} as JSON. */
  static void printJson(PrintWriter out, Object value) {
    out.println(json(value));
  }

  /**
   * A table for people: the header, a rule, then the rows, each column as wide as its widest cell
   * (null cells print as {@code -}), two spaces apart, no trailing spaces.
   */
  static String table(List<String> header, List<List<String>> rows) {
    int[] widths = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], cell(row, i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    line(text, header, widths);
    List<String> rule = new ArrayList<>();
    for (int width : widths) {
      rule.add("-".repeat(width));
    }
    line(text, rule, widths);
    for (List<String> row : rows) {
      line(text, row, widths);
    }
    return text.toString();
  }

  private static void line(StringBuilder text, List<String> row, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String cell = cell(row, i);
      line.append(cell);
      if (i < widths.length - 1) {
        line.append(" ".repeat(widths[i] - cell.length() + 2));
      }
    }
    text.append(line.toString().stripTrailing()).append('\n');
  }

  private static String cell(List<String> row, int i) {
    String value = i < row.size() ? row.get(i) : null;
    return value == null ? "-" : value;
  }
}
