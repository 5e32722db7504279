package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.batchrunner.core.lifecycle.TaskStateChange;
import dev.batchrunner.core.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/** The placeholder handler: one INFO line per task state change, {@code IGNORED}, no change. */
class IgnoringTaskEventHandlerTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("batch-runner.task");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final IgnoringTaskEventHandler handler = new IgnoringTaskEventHandler();

  @BeforeEach
  void capture() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
  }

  @Test
  void handle_whenOurTaskStopped_logsOneInfoLineWithEachContainersExitCode() {
    TaskEventResult result =
        handler.handle(
            change("stopped-exit-1.json"), new RequestSummary.Delivery("event-1", "message-1"));

    assertEquals(TaskEventResult.Outcome.IGNORED, result.outcome());
    assertEquals(IgnoringTaskEventHandler.NOT_TRACKED, result.reason());
    assertEquals(1, appender.list.size());
    ILoggingEvent line = appender.list.get(0);
    assertEquals(Level.INFO, line.getLevel());
    Map<String, Object> fields = fields(line);
    assertEquals(result.taskArn(), fields.get("taskArn"));
    assertEquals("STOPPED", fields.get("lastStatus"));
    assertEquals(5L, fields.get("version"));
    assertEquals(
        "daily-report#838f1a124fc277bb2f383b1b2740b9487818fe6d2b34922759023a2458f096a8",
        fields.get("idempotencyKey"));
    assertEquals("EssentialContainerExited", fields.get("stopCode"));
    Map<String, Integer> exitCodes = new LinkedHashMap<>();
    exitCodes.put("app", 1);
    exitCodes.put("log-router", 0);
    assertEquals(exitCodes, fields.get("exitCodes"));
    assertEquals("event-1", fields.get("eventId"));
    assertEquals("message-1", fields.get("messageId"));
    assertFalse(
        fields.toString().contains("acme-reports") || line.getFormattedMessage().contains("acme"),
        "the override environment is not logged: " + fields);
  }

  @Test
  void handle_whenTheContainerNeverRan_logsItsExitCodeAsNull() {
    handler.handle(change("failed-to-start.json"), new RequestSummary.Delivery("event-2", null));

    Map<String, Object> fields = fields(appender.list.get(0));
    @SuppressWarnings("unchecked")
    Map<String, Integer> exitCodes = (Map<String, Integer>) fields.get("exitCodes");
    assertEquals(List.of("app"), List.copyOf(exitCodes.keySet()));
    assertNull(exitCodes.get("app"));
    assertFalse(fields.containsKey("messageId"));
  }

  @Test
  void handle_whenNotOurs_saysSo() {
    TaskEventResult result =
        handler.handle(change("not-ours.json"), new RequestSummary.Delivery("event-3", null));

    assertEquals(IgnoringTaskEventHandler.NOT_OURS, result.reason());
    assertNull(fields(appender.list.get(0)).get("idempotencyKey"));
  }

  @Test
  void handle_whenStartedByBatchRunnerWithoutAKey_saysSo() {
    TaskStateChange ours = change("running.json");
    TaskStateChange keyless =
        new TaskStateChange(ours.task(), ours.status(), ours.times(), ours.containers(), List.of());

    TaskEventResult result = handler.handle(keyless, new RequestSummary.Delivery("event-4", null));

    assertEquals(IgnoringTaskEventHandler.NO_KEY, result.reason());
  }

  private static TaskStateChange change(String name) {
    Invocation.Direct direct =
        (Invocation.Direct)
            new EventParser(() -> "trace").parse(Fixtures.event("task-state-change/" + name));
    return ((ParsedRequest.TaskEvent) direct.request()).change();
  }

  private static Map<String, Object> fields(ILoggingEvent line) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (KeyValuePair pair : line.getKeyValuePairs()) {
      fields.put(pair.key, pair.value);
    }
    return fields;
  }
}
