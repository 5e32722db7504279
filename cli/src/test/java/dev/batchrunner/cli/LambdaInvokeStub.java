package dev.batchrunner.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A WireMock server speaking Lambda's Invoke API ({@code POST
 * /2015-03-31/functions/{FunctionName}/invocations}): each invocation is recorded and answered by a
 * handler the test sets, with the function's payload and, for a function error, Lambda's {@code
 * X-Amz-Function-Error} header on a 200 answer, as Lambda answers a synchronous invoke whose
 * function threw. moto's Lambda runs functions in Docker, which these machines lack.
 */
final class LambdaInvokeStub implements AutoCloseable {
  /**
   * One Invoke call.
   *
   * @param functionName the path's function name, decoded (a name, an ARN, an alias ARN)
   * @param invocationType the {@code X-Amz-Invocation-Type} header (RequestResponse by default)
   */
  record Invocation(String functionName, String invocationType, String payload) {}

  /**
   * What the function answered.
   *
   * @param functionError null for a normal answer, else Lambda's {@code Unhandled}
   */
  record Answer(String payload, String functionError) {
    static Answer ok(String payload) {
      return new Answer(payload, null);
    }

    /** A function that threw, as Lambda's Java runtime reports it. */
    static Answer thrown(String type, String message) {
      return new Answer(
          JSON.createObjectNode().put("errorMessage", message).put("errorType", type).toString(),
          "Unhandled");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PATH = "/2015-03-31/functions/([^/]+)/invocations";

  private final WireMockServer server;
  private final Behaviour behaviour = new Behaviour();

  private LambdaInvokeStub() {
    server =
        new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(behaviour));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404)));
    server.stubFor(
        post(urlPathMatching(PATH)).willReturn(aResponse().withTransformers(behaviour.getName())));
  }

  static LambdaInvokeStub start() {
    return new LambdaInvokeStub();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /** From now on every invocation is answered by {@code handler}. */
  void answerWith(Function<Invocation, Answer> handler) {
    behaviour.handler = Objects.requireNonNull(handler, "handler");
  }

  /** The invocations so far, in order. */
  List<Invocation> invocations() {
    return List.copyOf(behaviour.invocations);
  }

  /** Forgets the invocations; the handler stays. */
  void clear() {
    behaviour.invocations.clear();
  }

  @Override
  public void close() {
    server.stop();
  }

  private static final class Behaviour implements ResponseDefinitionTransformerV2 {
    final List<Invocation> invocations = new CopyOnWriteArrayList<>();
    volatile Function<Invocation, Answer> handler = i -> Answer.ok("{}");

    @Override
    public String getName() {
      return "lambda-invoke";
    }

    @Override
    public boolean applyGlobally() {
      return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      String path = event.getRequest().getUrl();
      int query = path.indexOf('?');
      String name = (query < 0 ? path : path.substring(0, query)).replaceAll(PATH, "$1");
      String type = event.getRequest().getHeader("X-Amz-Invocation-Type");
      Invocation invocation =
          new Invocation(
              URLDecoder.decode(name, StandardCharsets.UTF_8),
              type == null ? "RequestResponse" : type,
              event.getRequest().getBodyAsString());
      invocations.add(invocation);
      Answer answer;
      // One invocation at a time, as the function with its reserved concurrency would run them
      // for a single caller; the in-process function the tests plug in is not thread-safe.
      synchronized (this) {
        answer = handler.apply(invocation);
      }
      var response =
          aResponse()
              .withStatus(200)
              .withHeader("Content-Type", "application/json")
              .withHeader("X-Amz-Executed-Version", "1")
              .withBody(answer.payload());
      if (answer.functionError() != null) {
        response.withHeader("X-Amz-Function-Error", answer.functionError());
      }
      return response.build();
    }
  }
}
