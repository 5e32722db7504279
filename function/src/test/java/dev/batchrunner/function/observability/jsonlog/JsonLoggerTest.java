package dev.batchrunner.function.observability.jsonlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.json.RawJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventAware;

/**
 * The function's SLF4J backend: the levels from the environment (the SDK at WARN), the JSON line of
 * each event (fields and their order as logback's JsonLineEncoder wrote them), SLF4J's message
 * formatting and throwable rules, the MDC, and whole lines under concurrent writers.
 */
class JsonLoggerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-23T02:00:05.123Z");

  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(written, true, StandardCharsets.UTF_8);
  private final ThreadMdcAdapter mdc = new ThreadMdcAdapter();
  private final JsonLineWriter writer =
      new JsonLineWriter(() -> out, Clock.fixed(NOW, ZoneOffset.UTC), mdc);

  private JsonLoggerFactory loggers(Map<String, String> environment) {
    return new JsonLoggerFactory(environment::get, writer);
  }

  private Logger logger(String name) {
    return loggers(Map.of()).getLogger(name);
  }

  /** What was written, as lines; each ended by a newline. */
  private List<String> lines() {
    String text = written.toString(StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return List.of();
    }
    assertTrue(text.endsWith("\n"), text);
    return List.of(text.split("\n"));
  }

  private static int count(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }

  private JsonNode onlyLine() throws IOException {
    List<String> lines = lines();
    assertEquals(1, lines.size(), lines::toString);
    return JSON.readTree(lines.get(0));
  }

  @Test
  void fluentApi_withKeyValuePairs_writesTheFieldsInLogbacksOrder() {
    mdc.put("awsRequestId", "req-1");
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("reportDate", "2026-11-22");
    parameters.put("accountNumber", "****");
    parameters.put("nested", Map.of("n", 1.5));

    logger("batch-runner.request")
        .atWarn()
        .addKeyValue("batchTypeId", "daily-report")
        .addKeyValue("taskArns", List.of("arn:a", "arn:b"))
        .addKeyValue("parameters", parameters)
        .addKeyValue("durationMs", 42L)
        .addKeyValue("retryable", true)
        .addKeyValue("reason", (Object) null)
        .addKeyValue("runTaskRequest", new RawJson("{\"count\":1}"))
        .log("rejected: {}", "no");

    assertEquals(
        List.of(
            "{\"timestamp\":\"2026-11-23T02:00:05.123Z\",\"level\":\"WARN\","
                + "\"logger\":\"batch-runner.request\",\"message\":\"rejected: no\","
                + "\"awsRequestId\":\"req-1\",\"batchTypeId\":\"daily-report\","
                + "\"taskArns\":[\"arn:a\",\"arn:b\"],"
                + "\"parameters\":{\"reportDate\":\"2026-11-22\",\"accountNumber\":\"****\","
                + "\"nested\":{\"n\":1.5}},"
                + "\"durationMs\":42,\"retryable\":true,\"reason\":null,"
                + "\"runTaskRequest\":{\"count\":1}}"),
        lines());
  }

  @Test
  void classicApi_withPlaceholders_formatsAsSlf4jDoes() throws IOException {
    Logger log = logger("batch-runner.test");

    log.info("plain");
    log.info("one {}", 1);
    log.info("two {} {}", "a", null);
    log.info("three {} {} {}", 1, 2, 3);
    log.info("no argument {}");
    log.info("escaped \\{} {}", "x");
    log.info("array {}", (Object) new int[] {1, 2});

    List<String> messages = new ArrayList<>();
    for (String line : lines()) {
      JsonNode json = JSON.readTree(line);
      messages.add(json.get("message").asText());
      assertFalse(json.has("errorType"), line);
    }
    assertEquals(
        List.of(
            "plain",
            "one 1",
            "two a null",
            "three 1 2 3",
            "no argument {}",
            "escaped {} x",
            "array [1, 2]"),
        messages);
  }

  @Test
  void classicApi_withThrowable_writesItsTypeAndPrintedStackTrace() throws IOException {
    IllegalStateException failure =
        new IllegalStateException("outer", new java.io.IOException("inner"));

    logger("batch-runner.test").error("failed", failure);

    JsonNode line = onlyLine();
    assertEquals("ERROR", line.get("level").asText());
    assertEquals("failed", line.get("message").asText());
    assertEquals("java.lang.IllegalStateException", line.get("errorType").asText());
    assertEquals(printed(failure), line.get("stackTrace").asText());
    assertTrue(
        line.get("stackTrace").asText().contains("Caused by: java.io.IOException: inner"),
        line::toString);
  }

  @Test
  void trailingThrowable_isTheErrorNotAnArgument() throws IOException {
    Logger log = logger("batch-runner.test");
    RuntimeException failure = new RuntimeException("boom");

    log.warn("one {}", "a", failure); // two arguments, the last a throwable
    log.warn("many {} {}", 1, 2, failure); // varargs
    log.warn("only {}", failure); // one argument: logback takes it as the throwable too
    log.atWarn().log("fluent {}", "b", failure);
    log.atWarn().setCause(failure).log("cause {}", "c");

    List<String> messages = new ArrayList<>();
    for (String text : lines()) {
      JsonNode line = JSON.readTree(text);
      messages.add(line.get("message").asText());
      assertEquals("java.lang.RuntimeException", line.get("errorType").asText(), text);
      assertEquals(printed(failure), line.get("stackTrace").asText(), text);
    }
    assertEquals(List.of("one a", "many 1 2", "only {}", "fluent b", "cause c"), messages);
  }

  @Test
  void setCause_withAThrowableArgumentToo_formatsTheArgument() throws IOException {
    RuntimeException cause = new RuntimeException("cause");

    logger("batch-runner.test")
        .atInfo()
        .setCause(cause)
        .log("argument {}", new IllegalArgumentException("argument"));

    JsonNode line = onlyLine();
    assertEquals(
        "argument java.lang.IllegalArgumentException: argument", line.get("message").asText());
    assertEquals("java.lang.RuntimeException", line.get("errorType").asText());
  }

  @Test
  void levels_withoutEnvironment_areInfoAndTheSdkWarn() {
    JsonLoggerFactory loggers = loggers(Map.of());
    Logger function = loggers.getLogger("batch-runner.request");
    Logger sdk = loggers.getLogger("software.amazon.awssdk.request");

    function.debug("not written");
    function.info("function info");
    sdk.info("not written");
    sdk.warn("sdk warn");

    assertFalse(function.isDebugEnabled());
    assertTrue(function.isInfoEnabled());
    assertFalse(sdk.isInfoEnabled());
    assertTrue(sdk.isWarnEnabled());
    assertEquals(List.of("function info", "sdk warn"), messages());
  }

  @Test
  void levels_fromLambdaLogLevel_winOverLogLevel() {
    JsonLoggerFactory loggers =
        loggers(Map.of("AWS_LAMBDA_LOG_LEVEL", "DEBUG", "LOG_LEVEL", "ERROR"));
    Logger log = loggers.getLogger("batch-runner.request");

    log.trace("not written");
    log.debug("debug");

    assertEquals(List.of("debug"), messages());
    assertEquals(JsonLoggerFactory.OFF, loggers(Map.of("LOG_LEVEL", "off")).threshold("x"));
  }

  @Test
  void levels_perEnvironmentValue_readAsLogbackReadsThem() {
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("TRACE", 0);
    expected.put("all", 0);
    expected.put(" debug ", 10);
    expected.put("Info", 20);
    expected.put("warn", 30);
    expected.put("ERROR", 40);
    expected.put("OFF", JsonLoggerFactory.OFF);
    expected.put("FATAL", 20); // logback knows no FATAL: INFO
    expected.put("WARNING", 20);
    expected.put("", 20);
    for (Map.Entry<String, Integer> value : expected.entrySet()) {
      assertEquals(
          value.getValue(),
          loggers(Map.of("LOG_LEVEL", value.getKey())).threshold("batch-runner.request"),
          () -> "LOG_LEVEL=" + value.getKey());
    }
    Map<String, String> blankLambdaLevel = new HashMap<>();
    blankLambdaLevel.put("AWS_LAMBDA_LOG_LEVEL", " ");
    blankLambdaLevel.put("LOG_LEVEL", "ERROR");
    assertEquals(40, loggers(blankLambdaLevel).threshold("batch-runner.request"), "blank: unset");
  }

  @Test
  void sdkLoggers_stayAtWarn_whateverTheFunctionsLevel() {
    for (String level : List.of("TRACE", "ERROR", "OFF")) {
      JsonLoggerFactory loggers = loggers(Map.of("LOG_LEVEL", level));
      assertEquals(30, loggers.threshold("software.amazon.awssdk"), level);
      assertEquals(30, loggers.threshold("software.amazon.awssdk.core.interceptor"), level);
    }
    JsonLoggerFactory debug = loggers(Map.of("LOG_LEVEL", "DEBUG"));
    assertEquals(10, debug.threshold("software.amazon.awssdkx"), "not under the SDK's name");
    assertEquals(10, debug.threshold("software.amazon"), "above the SDK");
  }

  @Test
  void getLogger_perName_returnsTheSameLogger() {
    JsonLoggerFactory loggers = loggers(Map.of());

    assertTrue(loggers.getLogger("a.b") == loggers.getLogger("a.b"));
    assertEquals("a.b", loggers.getLogger("a.b").getName());
    assertInstanceOf(LoggingEventAware.class, loggers.getLogger("a.b"), "keeps key-value pairs");
  }

  @Test
  void mdc_isPerThreadAndNotInherited() throws Exception {
    Logger log = logger("batch-runner.test");
    mdc.put("awsRequestId", "req-1");
    AtomicReference<Map<String, String>> seenByChild = new AtomicReference<>();

    Thread child =
        new Thread(
            () -> {
              seenByChild.set(mdc.getCopyOfContextMap());
              log.info("child");
            });
    child.start();
    child.join();
    log.info("parent");
    mdc.remove("awsRequestId");
    log.info("after");

    assertNull(seenByChild.get(), "a thread started during a request keeps no request id");
    List<String> lines = lines();
    assertEquals(3, lines.size(), lines::toString);
    assertFalse(JSON.readTree(lines.get(0)).has("awsRequestId"), lines.get(0));
    assertEquals("req-1", JSON.readTree(lines.get(1)).get("awsRequestId").asText());
    assertFalse(JSON.readTree(lines.get(2)).has("awsRequestId"), lines.get(2));
  }

  @Test
  void mdcAdapter_contextMapAndStacks_behaveAsSlf4jSays() {
    assertNull(mdc.getCopyOfContextMap());
    mdc.setContextMap(Map.of("k", "v"));
    Map<String, String> copy = mdc.getCopyOfContextMap();
    copy.put("other", "x");

    assertEquals("v", mdc.get("k"));
    assertNull(mdc.get("other"), "the copy is a copy");
    mdc.clear();
    assertNull(mdc.get("k"));
    mdc.pushByKey("stack", "1");
    mdc.pushByKey("stack", "2");
    assertEquals("2", mdc.popByKey("stack"));
    assertEquals(List.of("1"), List.copyOf(mdc.getCopyOfDequeByKey("stack")));
  }

  @Test
  void write_looksUpTheStreamPerLine() {
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    AtomicReference<PrintStream> current =
        new AtomicReference<>(new PrintStream(first, true, StandardCharsets.UTF_8));
    Logger log =
        new JsonLoggerFactory(
                name -> null, new JsonLineWriter(current::get, Clock.systemUTC(), mdc))
            .getLogger("batch-runner.test");

    log.info("to the first");
    current.set(new PrintStream(second, true, StandardCharsets.UTF_8));
    log.info("to the second");

    assertEquals(1, count(first.toString(StandardCharsets.UTF_8)));
    assertTrue(first.toString(StandardCharsets.UTF_8).contains("to the first"));
    assertEquals(1, count(second.toString(StandardCharsets.UTF_8)));
    assertTrue(second.toString(StandardCharsets.UTF_8).contains("to the second"));
  }

  @Test
  void write_fromConcurrentThreads_keepsEveryLineWhole() throws Exception {
    Logger log = logger("batch-runner.test");
    int threads = 8;
    int perThread = 300;
    String padding = "x".repeat(3_000); // beyond any 8 KiB buffer every few lines
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    log.atInfo()
                        .addKeyValue("thread", thread)
                        .addKeyValue("padding", padding)
                        .log("line {}-{}", thread, i);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    Set<String> messages = new HashSet<>();
    for (String line : lines()) {
      JsonNode json;
      try {
        json = JSON.readTree(line);
      } catch (IOException e) {
        throw new UncheckedIOException("not one whole JSON line: " + line, e);
      }
      assertEquals(padding, json.get("padding").asText());
      messages.add(json.get("message").asText());
    }
    assertEquals(threads * perThread, messages.size());
    assertTrue(messages.contains("line 7-299"), "every line, each once");
  }

  @Test
  void slf4j_findsThisProviderThroughItsServicesFile() {
    assertInstanceOf(JsonLoggerFactory.class, LoggerFactory.getILoggerFactory());
    assertInstanceOf(ThreadMdcAdapter.class, MDC.getMDCAdapter());
    assertInstanceOf(JsonLogger.class, LoggerFactory.getLogger("batch-runner.request"));
  }

  private List<String> messages() {
    List<String> messages = new ArrayList<>();
    for (String line : lines()) {
      try {
        messages.add(JSON.readTree(line).get("message").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(line, e);
      }
    }
    return messages;
  }

  private static String printed(Throwable error) {
    StringWriter text = new StringWriter();
    error.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
