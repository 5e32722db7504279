package dev.batchrunner.function.observability.jsonlog;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.NormalizedParameters;
import org.slf4j.spi.LoggingEventAware;

/**
 * One named logger at a fixed level. It takes the fluent API's events whole ({@link
 * LoggingEventAware}): otherwise SLF4J would fold their key-value pairs into the message. A
 * throwable as the last argument is the event's error, as in logback; markers are ignored.
 */
final class JsonLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  private final int threshold;
  // Not serialised: a deserialised logger resolves to the factory's (AbstractLogger.readResolve).
  private final transient JsonLineWriter writer;

  JsonLogger(String name, int threshold, JsonLineWriter writer) {
    this.name = name;
    this.threshold = threshold;
    this.writer = writer;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null; // no caller data in the lines
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String message, Object[] arguments, Throwable throwable) {
    // AbstractLogger leaves a throwable as the only argument in the arguments: logback takes it.
    NormalizedParameters event = NormalizedParameters.normalize(message, arguments, throwable);
    writer.write(level, name, event.getMessage(), event.getArguments(), null, event.getThrowable());
  }

  @Override
  public void log(LoggingEvent event) {
    if (!enabled(event.getLevel())) {
      return;
    }
    NormalizedParameters normalized = NormalizedParameters.normalize(event);
    writer.write(
        event.getLevel(),
        name,
        normalized.getMessage(),
        normalized.getArguments(),
        event.getKeyValuePairs(),
        normalized.getThrowable());
  }
}
