package dev.batchrunner.aws.sdk;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An SDK HTTP client that sends nothing: it answers each call with a canned 200 JSON body chosen by
 * the request's {@code X-Amz-Target} (the operation), and keeps the last request body. The SDK
 * still marshals, signs and unmarshals, which is what dry runs and start-up priming need.
 */
public final class CannedHttpClient implements SdkHttpClient {
  private final Function<String, String> answers;
  private final AtomicReference<String> lastBody = new AtomicReference<>();
  private final AtomicInteger calls = new AtomicInteger();

  /**
   * @param answers the response body for an {@code X-Amz-Target} value, e.g. {@code
   *     AmazonEC2ContainerServiceV20141113.RunTask}
   */
  public CannedHttpClient(Function<String, String> answers) {
    this.answers = answers;
  }

  /** The body of the last request, as JSON text. */
  public String lastBody() {
    return lastBody.get();
  }

  /** How many calls it answered. */
  public int calls() {
    return calls.get();
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    return new ExecutableHttpRequest() {
      @Override
      public HttpExecuteResponse call() {
        try {
          byte[] body =
              request.contentStreamProvider().isPresent()
                  ? request.contentStreamProvider().get().newStream().readAllBytes()
                  : new byte[0];
          lastBody.set(new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        calls.incrementAndGet();
        String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
        byte[] answer = answers.apply(target).getBytes(StandardCharsets.UTF_8);
        return HttpExecuteResponse.builder()
            .response(
                SdkHttpResponse.builder()
                    .statusCode(200)
                    .putHeader("Content-Type", "application/x-amz-json-1.1")
                    .putHeader("Content-Length", Integer.toString(answer.length))
                    .build())
            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(answer)))
            .build();
      }

      @Override
      public void abort() {}
    };
  }

  @Override
  public void close() {}
}
