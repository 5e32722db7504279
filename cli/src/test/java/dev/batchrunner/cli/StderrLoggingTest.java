package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI logs through logback, configured by {@link StderrLogging}, in its tests as in its jar:
 * the Lambda's own SLF4J provider, which comes with function's classes, is not the one SLF4J binds.
 */
class StderrLoggingTest {

  @Test
  void slf4j_inTheCli_bindsLogbackConfiguredByStderrLogging() {
    LoggerContext context =
        assertInstanceOf(LoggerContext.class, LoggerFactory.getILoggerFactory());

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertEquals(Level.WARN, root.getLevel());
    assertEquals(
        "stderr", root.iteratorForAppenders().next().getName(), "StderrLogging's appender");
  }
}
