package dev.batchrunner.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Runtime API of one execution environment, served on a loopback port: what the runtime
 * interface client (RIC) in a {@link LambdaProcess} talks to. Events are queued with {@link
 * #submit}; {@code GET /next} hands them out one at a time with the request id, deadline, function
 * ARN and trace id headers; {@code /response}, {@code /error} and {@code /init/error} complete the
 * corresponding futures, stamped with {@link System#nanoTime()} for the benchmarks.
 *
 * <p>{@code /next} is never answered without a request id (the RIC's native client crashes on
 * that): with nothing queued the request is held open. Close the process first, then this API:
 * {@link #close()} drops a held request without answering it.
 */
public final class LocalRuntimeApi implements AutoCloseable {
  public static final String FUNCTION_ARN =
      "arn:aws:lambda:eu-west-1:123456789012:function:batch-runner";

  /** The template's function timeout: the deadline given with each event. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final String BASE = "/2018-06-01/runtime";
  private static final Pattern INVOCATION_ANSWER =
      Pattern.compile(BASE + "/invocation/([^/]+)/(response|error)");
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // The JDK server leaves Nagle's algorithm on: a response written in two parts then waits for
    // the client's delayed ACK (~40 ms on Linux), which would be measured as the function's time.
    // Read once, when the first JDK HttpServer of this JVM starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
  private final Map<String, Invocation> byId = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> firstNext = new CompletableFuture<>();
  private final CompletableFuture<Answer> initError = new CompletableFuture<>();
  private final AtomicInteger nextCalls = new AtomicInteger();
  private volatile boolean closed;

  private LocalRuntimeApi(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts the API on a free loopback port. */
  public static LocalRuntimeApi start() {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the local Runtime API", e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "runtime-api-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    LocalRuntimeApi api = new LocalRuntimeApi(server, executor);
    server.setExecutor(executor);
    server.createContext(BASE, api::handle);
    server.start();
    return api;
  }

  /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
  public String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues an event with the default 30 s deadline. */
  public Invocation submit(byte[] event) {
    return submit(event, DEFAULT_TIMEOUT);
  }

  /** Queues an event; its deadline is {@code timeout} after it is handed out. */
  public Invocation submit(byte[] event, Duration timeout) {
    Invocation invocation = new Invocation(UUID.randomUUID().toString(), event.clone(), timeout);
    byId.put(invocation.requestId(), invocation);
    queue.add(invocation);
    return invocation;
  }

  /** Completes with the {@link System#nanoTime()} of the first {@code GET /next}: init is over. */
  public CompletableFuture<Long> firstNext() {
    return firstNext;
  }

  /** Completes when the runtime reports an init error. */
  public CompletableFuture<Answer> initError() {
    return initError;
  }

  /** How many times {@code GET /next} was called. */
  public int nextCalls() {
    return nextCalls.get();
  }

  /** Stops serving; a held {@code /next} is dropped unanswered. Stop the process before this. */
  @Override
  public void close() {
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      if ("GET".equals(method) && path.equals(BASE + "/invocation/next")) {
        next(exchange);
        return;
      }
      if ("POST".equals(method) && path.equals(BASE + "/init/error")) {
        Answer answer = answer(exchange, Answer.Kind.INIT_ERROR);
        reply(exchange, 202, "{\"status\":\"OK\"}");
        initError.complete(answer);
        return;
      }
      Matcher m = INVOCATION_ANSWER.matcher(path);
      if ("POST".equals(method) && m.matches()) {
        Invocation invocation = byId.get(m.group(1));
        if (invocation == null) {
          exchange.getRequestBody().readAllBytes();
          reply(exchange, 400, "{\"errorType\":\"InvalidRequestID\"}");
          return;
        }
        Answer answer =
            answer(
                exchange, "response".equals(m.group(2)) ? Answer.Kind.RESPONSE : Answer.Kind.ERROR);
        reply(exchange, 202, "{\"status\":\"OK\"}");
        invocation.answer.complete(answer);
        return;
      }
      reply(exchange, 404, "{\"errorType\":\"NotFound\",\"path\":\"" + path + "\"}");
    } finally {
      exchange.close();
    }
  }

  private void next(HttpExchange exchange) throws IOException {
    long arrived = System.nanoTime();
    firstNext.complete(arrived);
    nextCalls.incrementAndGet();
    Invocation invocation = null;
    try {
      while (invocation == null && !closed) {
        invocation = queue.poll(20, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (invocation == null) {
      return; // shutting down: the connection is dropped, never answered without a request id
    }
    long deadline = System.currentTimeMillis() + invocation.timeout.toMillis();
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", "application/json");
    headers.set("Lambda-Runtime-Aws-Request-Id", invocation.requestId());
    headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
    headers.set("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN);
    headers.set("Lambda-Runtime-Trace-Id", invocation.traceHeader());
    invocation.delivered.complete(System.nanoTime());
    exchange.sendResponseHeaders(200, invocation.event.length == 0 ? -1 : invocation.event.length);
    exchange.getResponseBody().write(invocation.event);
  }

  private static Answer answer(HttpExchange exchange, Answer.Kind kind) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    long received = System.nanoTime();
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
    return new Answer(kind, body, headers, received);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** One queued event and what became of it. */
  public static final class Invocation {
    private final String requestId;
    private final byte[] event;
    private final Duration timeout;
    private final String traceId;
    private final CompletableFuture<Long> delivered = new CompletableFuture<>();
    private final CompletableFuture<Answer> answer = new CompletableFuture<>();

    private Invocation(String requestId, byte[] event, Duration timeout) {
      this.requestId = requestId;
      this.event = event;
      this.timeout = timeout;
      String hex = requestId.replace("-", "");
      this.traceId =
          "1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + hex.substring(0, 24);
    }

    public String requestId() {
      return requestId;
    }

    /** The X-Ray trace header sent with the event. */
    public String traceHeader() {
      return "Root="
          + traceId
          + ";Parent="
          + requestId.replace("-", "").substring(0, 16)
          + ";Sampled=0";
    }

    /** Completes with the {@link System#nanoTime()} at which {@code /next} handed it out. */
    public CompletableFuture<Long> delivered() {
      return delivered;
    }

    /** Completes with the function's response or error. */
    public CompletableFuture<Answer> answer() {
      return answer;
    }
  }

  /**
   * What the runtime posted.
   *
   * @param kind response, invocation error or init error
   * @param body the posted bytes
   * @param headers the request headers (names case-insensitive), e.g. {@code
   *     Lambda-Runtime-Function-Error-Type}
   * @param receivedNanos {@link System#nanoTime()} once the body was read
   */
  public record Answer(Kind kind, byte[] body, Map<String, String> headers, long receivedNanos) {
    /** What was posted to. */
    public enum Kind {
      RESPONSE,
      ERROR,
      INIT_ERROR
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + text(), e);
      }
    }

    @Override
    public String toString() {
      return kind + " " + text();
    }
  }
}
