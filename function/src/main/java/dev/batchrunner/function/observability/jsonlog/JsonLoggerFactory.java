package dev.batchrunner.function.observability.jsonlog;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.UnaryOperator;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * The loggers, one per name, each with its level decided once: the AWS SDK's ({@value #SDK} and
 * below) at WARN, every other at {@code AWS_LAMBDA_LOG_LEVEL}, else {@code LOG_LEVEL}, else INFO.
 * Level names are read as logback read them: any case, {@code ALL} and {@code OFF} included,
 * anything else INFO.
 */
public final class JsonLoggerFactory implements ILoggerFactory {
  /** The AWS SDK's loggers, at WARN whatever the function's level. */
  static final String SDK = "software.amazon.awssdk";

  /** A threshold no event reaches. */
  static final int OFF = Integer.MAX_VALUE;

  private final int rootThreshold;
  private final JsonLineWriter writer;
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

  /**
   * @param environment looks up an environment variable (null when unset)
   * @param writer where every logger's lines go
   */
  public JsonLoggerFactory(UnaryOperator<String> environment, JsonLineWriter writer) {
    this.rootThreshold = rootThreshold(environment);
    this.writer = writer;
  }

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> new JsonLogger(n, threshold(n), writer));
  }

  /** The lowest level {@code name} writes, as a {@link Level#toInt()} ({@link #OFF}: none). */
  int threshold(String name) {
    boolean sdk =
        name.startsWith(SDK) && (name.length() == SDK.length() || name.charAt(SDK.length()) == '.');
    return sdk ? Level.WARN.toInt() : rootThreshold;
  }

  private static int rootThreshold(UnaryOperator<String> environment) {
    String configured = environment.apply("AWS_LAMBDA_LOG_LEVEL");
    if (configured == null || configured.isBlank()) {
      configured = environment.apply("LOG_LEVEL");
    }
    if (configured == null) {
      return Level.INFO.toInt();
    }
    return switch (configured.trim().toUpperCase(Locale.ROOT)) {
      case "ALL", "TRACE" -> Level.TRACE.toInt();
      case "DEBUG" -> Level.DEBUG.toInt();
      case "WARN" -> Level.WARN.toInt();
      case "ERROR" -> Level.ERROR.toInt();
      case "OFF" -> OFF;
      default -> Level.INFO.toInt();
    };
  }
}
