package dev.batchrunner.function.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;

/**
 * Configures logback in code (no XML parsing at cold start): JSON lines on stdout at the level of
 * {@code AWS_LAMBDA_LOG_LEVEL} or {@code LOG_LEVEL} (default INFO), AWS SDK at WARN.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogbackJsonConfigurator extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    JsonLineEncoder encoder = new JsonLineEncoder();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("json-stdout");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    root.setLevel(level());
    context.getLogger("software.amazon.awssdk").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static Level level() {
    String configured = System.getenv("AWS_LAMBDA_LOG_LEVEL");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("LOG_LEVEL");
    }
    return configured == null
        ? Level.INFO
        : Level.toLevel(configured.toUpperCase(Locale.ROOT), Level.INFO);
  }
}
