package dev.batchrunner.function.observability.jsonlog;

import dev.batchrunner.core.json.Json;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * Writes each log event as one JSON line: {@code timestamp}, {@code level}, {@code logger}, {@code
 * message}, then the MDC and the event's key-value pairs as top-level fields (what CloudWatch Logs
 * Insights queries directly), and for a throwable its {@code errorType} and {@code stackTrace}.
 * Each line is one write to the stream, looked up per line: concurrent lines never interleave, and
 * a test that replaces {@code System.out} sees them.
 */
public final class JsonLineWriter {
  private static final PrintStream NOWHERE =
      new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

  private final Supplier<PrintStream> out;
  private final Clock clock;
  private final ThreadMdcAdapter mdc;

  JsonLineWriter(Supplier<PrintStream> out, Clock clock, ThreadMdcAdapter mdc) {
    this.out = out;
    this.clock = clock;
    this.mdc = mdc;
  }

  /** Lines to the stream {@code out} gives at each line, with an MDC of their own. */
  public static JsonLineWriter to(Supplier<PrintStream> out) {
    return new JsonLineWriter(out, Clock.systemUTC(), new ThreadMdcAdapter());
  }

  /** Lines encoded and dropped (priming). */
  public static JsonLineWriter nowhere() {
    return to(() -> NOWHERE);
  }

  /**
   * Writes one event.
   *
   * @param arguments the message's {@code {}} arguments (null: the message is taken as it is)
   * @param pairs the fluent API's key-value pairs, or null
   * @param error the event's throwable, or null
   */
  void write(
      Level level,
      String logger,
      String message,
      Object[] arguments,
      List<KeyValuePair> pairs,
      Throwable error) {
    String text =
        arguments == null ? message : MessageFormatter.basicArrayFormat(message, arguments);
    byte[] line = line(clock.millis(), level, logger, text, pairs, error);
    PrintStream stream = out.get();
    stream.write(line, 0, line.length);
    stream.flush();
  }

  byte[] line(
      long timestamp,
      Level level,
      String logger,
      String message,
      List<KeyValuePair> pairs,
      Throwable error) {
    byte[] object =
        Json.write(
            json -> {
              json.writeStartObject();
              json.writeStringField("timestamp", Instant.ofEpochMilli(timestamp).toString());
              json.writeStringField("level", level.toString());
              json.writeStringField("logger", logger);
              json.writeStringField("message", message);
              for (Map.Entry<String, String> entry : mdc.current().entrySet()) {
                json.writeStringField(entry.getKey(), entry.getValue());
              }
              if (pairs != null) {
                for (KeyValuePair pair : pairs) {
                  json.writeFieldName(pair.key);
                  Json.writeValue(json, pair.value);
                }
              }
              if (error != null) {
                json.writeStringField("errorType", error.getClass().getName());
                json.writeStringField("stackTrace", stackTrace(error));
              }
              json.writeEndObject();
            });
    byte[] line = Arrays.copyOf(object, object.length + 1);
    line[object.length] = '\n';
    return line;
  }

  private static String stackTrace(Throwable error) {
    StringWriter text = new StringWriter(1024);
    try (PrintWriter printer = new PrintWriter(text)) {
      error.printStackTrace(printer);
    }
    return text.toString();
  }
}
