package dev.batchrunner.function.observability.jsonlog;

import java.time.Clock;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The function's SLF4J backend, found by SLF4J through {@code META-INF/services}: one JSON line per
 * event on stdout, at the level of {@code AWS_LAMBDA_LOG_LEVEL} or {@code LOG_LEVEL} (default
 * INFO), the AWS SDK at WARN. It replaces logback, whose start cost about 30 ms of a cold start for
 * what these few classes do.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
  /** The SLF4J API this provider is written against (SLF4J's own providers declare the same). */
  public static final String REQUESTED_API_VERSION = "2.0.99";

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final ThreadMdcAdapter mdc = new ThreadMdcAdapter();
  private ILoggerFactory loggers;

  @Override
  public void initialize() {
    loggers =
        new JsonLoggerFactory(
            System::getenv, new JsonLineWriter(() -> System.out, Clock.systemUTC(), mdc));
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return REQUESTED_API_VERSION;
  }
}
