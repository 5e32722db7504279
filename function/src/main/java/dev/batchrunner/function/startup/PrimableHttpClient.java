package dev.batchrunner.function.startup;

import dev.batchrunner.aws.sdk.CannedHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * The real HTTP client, which can be switched, while the function primes itself during init, to
 * canned answers: the real SDK clients then run their whole request path (marshalling, endpoint
 * rules, signing, the real HTTP client, unmarshalling) with no second set of clients to build and
 * nothing leaving the machine.
 *
 * <p>While priming, each request goes through the real client to a {@link LoopbackResponder} on
 * 127.0.0.1 (only its scheme, host and port rewritten), which answers with the canned body of its
 * {@code X-Amz-Target}; so the first real request also finds the HTTP layer (sockets,
 * HttpURLConnection, the keep-alive cache, the SDK's adapter) loaded. Where the responder cannot
 * start or be reached (a sandbox, a configured proxy), the answers come from memory ({@link
 * CannedHttpClient}) instead, as before: logged once at DEBUG, never a failure. At the end of
 * priming the connection the client kept alive is ended and the responder closed: no socket or
 * thread of it outlives priming (nor gets into a SnapStart snapshot). The JDK's own {@code
 * Keep-Alive-Timer} daemon, started when the first connection was kept, can still be sleeping (up
 * to 5 s; the first real request would start it anyway): it holds no connection.
 *
 * <p>In AWS the first real request still resolves the endpoint's name and pays the TLS handshake:
 * priming speaks plain HTTP to 127.0.0.1.
 */
public final class PrimableHttpClient implements SdkHttpClient {
  private static final Logger LOG = LoggerFactory.getLogger(PrimableHttpClient.class);

  /** Starts the loopback responder for one priming run. */
  @FunctionalInterface
  interface Loopback {
    LoopbackResponder start(Function<String, String> answers) throws IOException;
  }

  private final SdkHttpClient real;
  private final Function<String, String> answers;
  private final CannedHttpClient canned;
  private final Loopback loopback;
  private final AtomicInteger loopbackCalls = new AtomicInteger();

  /** Why priming fell back to in-memory answers; set, and logged, once. */
  private final AtomicReference<String> fallback = new AtomicReference<>();

  private volatile boolean priming;
  // The responder of the priming under way; null when priming answers from memory.
  private volatile LoopbackResponder responder;
  private volatile LoopbackResponder lastResponder;

  /**
   * @param real the client for real requests, and for priming's over loopback
   * @param answers the canned response body per {@code X-Amz-Target}, while priming
   */
  public PrimableHttpClient(SdkHttpClient real, Function<String, String> answers) {
    this(real, answers, LoopbackResponder::start);
  }

  /**
   * @param loopback starts the responder of a priming run; null: priming answers from memory only
   */
  PrimableHttpClient(SdkHttpClient real, Function<String, String> answers, Loopback loopback) {
    this.real = real;
    this.answers = answers;
    this.canned = new CannedHttpClient(answers);
    this.loopback = loopback;
  }

  /** One whose priming never uses the network stack: every call answered from memory. */
  static PrimableHttpClient inMemory(SdkHttpClient real, Function<String, String> answers) {
    return new PrimableHttpClient(real, answers, null);
  }

  /** Answers every call with the canned responses until {@link #endPriming()}. */
  public void startPriming() {
    responder = startResponder();
    priming = true;
  }

  /** Back to real requests: ends the loopback connection and closes the responder. */
  public void endPriming() {
    priming = false;
    LoopbackResponder ending = responder;
    responder = null;
    if (ending != null) {
      if (ending.openConnections() > 0) {
        endKeptAliveConnection(ending);
      }
      ending.close();
      if (ending.forcedClosures() > 0) {
        LOG.debug(
            "priming: {} loopback connection(s) closed by the responder", ending.forcedClosures());
      }
    }
  }

  /** How many calls were answered with the canned responses, over loopback or from memory. */
  public int cannedCalls() {
    return canned.calls() + loopbackCalls.get();
  }

  /** How many of them went through the real client to the loopback responder. */
  int loopbackCalls() {
    return loopbackCalls.get();
  }

  /** The {@code X-Amz-Target}s the last priming run's responder answered (none: from memory). */
  List<String> loopbackTargets() {
    LoopbackResponder last = lastResponder;
    return last == null ? List.of() : last.targets();
  }

  /** The last priming run's responder, for the tests; null if it had none. */
  LoopbackResponder lastResponder() {
    return lastResponder;
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    if (!priming) {
      return real.prepareRequest(request);
    }
    if (responder == null) {
      return canned.prepareRequest(request);
    }
    return new ExecutableHttpRequest() {
      private volatile ExecutableHttpRequest current;

      @Override
      public HttpExecuteResponse call() throws IOException {
        LoopbackResponder to = responder;
        if (to != null) {
          try {
            current = real.prepareRequest(toLoopback(request, to.port()));
            HttpExecuteResponse response = current.call();
            loopbackCalls.incrementAndGet();
            return response;
          } catch (IOException | RuntimeException e) {
            fallBack(to, e);
          }
        }
        current = canned.prepareRequest(request);
        return current.call();
      }

      @Override
      public void abort() {
        ExecutableHttpRequest running = current;
        if (running != null) {
          running.abort();
        }
      }
    };
  }

  @Override
  public String clientName() {
    return real.clientName();
  }

  @Override
  public void close() {
    real.close();
  }

  /** The responder of this priming run, or null to answer from memory. */
  private LoopbackResponder startResponder() {
    if (loopback == null) {
      return null;
    }
    String proxy = LoopbackResponder.proxySetting(System.getenv(), System.getProperties());
    if (proxy != null) {
      logFallback("{} is set, and a request to 127.0.0.1 could go through its proxy", proxy);
      return null;
    }
    try {
      LoopbackResponder started = loopback.start(answers);
      lastResponder = started;
      return started;
    } catch (IOException | RuntimeException e) {
      logFallback("the loopback responder did not start: {}", e.toString());
      return null;
    }
  }

  /** From now on in this priming run, answers from memory. */
  private void fallBack(LoopbackResponder failed, Exception e) {
    if (responder == failed) {
      responder = null;
      failed.close();
    }
    logFallback("a request over loopback failed: {}", e.toString());
  }

  private void logFallback(String why, String detail) {
    String reason =
        "priming answers from memory instead of over loopback: " + why.replace("{}", detail);
    if (fallback.compareAndSet(null, reason)) {
      LOG.debug(reason);
    }
  }

  /** Why priming fell back to in-memory answers (the DEBUG line's text); null if it never did. */
  public String fallbackReason() {
    return fallback.get();
  }

  /**
   * A request without an {@code X-Amz-Target}: the responder answers it with {@code Connection:
   * close}, so the connection the client kept alive (taken from its cache for this request) is
   * closed rather than put back, and no later request can be handed it.
   */
  private void endKeptAliveConnection(LoopbackResponder to) {
    SdkHttpRequest close =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.GET)
            .protocol("http")
            .host(LoopbackResponder.HOST)
            .port(to.port())
            .encodedPath("/")
            .build();
    try {
      HttpExecuteResponse response =
          real.prepareRequest(HttpExecuteRequest.builder().request(close).build()).call();
      if (response.responseBody().isPresent()) {
        try (InputStream body = response.responseBody().get()) {
          body.readAllBytes();
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("priming: ending the loopback connection failed: {}", e.toString());
    }
  }

  /** {@code request} with only its scheme, host and port rewritten to the responder's. */
  private static HttpExecuteRequest toLoopback(HttpExecuteRequest request, int port) {
    return HttpExecuteRequest.builder()
        .request(
            request.httpRequest().toBuilder()
                .protocol("http")
                .host(LoopbackResponder.HOST)
                .port(port)
                .build())
        .contentStreamProvider(request.contentStreamProvider().orElse(null))
        .metricCollector(request.metricCollector().orElse(null))
        .build();
  }
}
