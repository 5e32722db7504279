package dev.batchrunner.ecs;

import dev.batchrunner.dispatch.LaunchResult;
import dev.batchrunner.dispatch.TaskLaunch;
import dev.batchrunner.dispatch.TaskLauncher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * DRY_RUN: builds the RunTask request through the real SDK marshaller and hands its exact JSON body
 * to a sink (the log, the local runner), without sending it anywhere.
 */
public final class DryRunTaskLauncher implements TaskLauncher, AutoCloseable {
  private final EcsClient ecs;
  private final CapturingHttpClient http = new CapturingHttpClient();
  private final Consumer<String> sink;

  /**
   * @param region the region the request would be signed for
   * @param sink receives the RunTask request body, as JSON text
   */
  public DryRunTaskLauncher(Region region, Consumer<String> sink) {
    this.sink = sink;
    this.ecs =
        EcsClient.builder()
            .region(region)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("dry-run", "dry-run")))
            .endpointOverride(URI.create("http://dry-run.invalid"))
            .httpClient(http)
            .build();
  }

  @Override
  public synchronized LaunchResult launch(TaskLaunch launch) {
    ecs.runTask(EcsTaskLauncher.toRequest(launch));
    sink.accept(http.lastBody.get());
    return new LaunchResult(List.of(), true);
  }

  @Override
  public void close() {
    ecs.close();
  }

  /** Answers every call with an empty RunTask response and keeps the request body. */
  private static final class CapturingHttpClient implements SdkHttpClient {
    private static final byte[] EMPTY_RESPONSE =
        "{\"tasks\":[],\"failures\":[]}".getBytes(StandardCharsets.UTF_8);
    private final AtomicReference<String> lastBody = new AtomicReference<>();

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
          return HttpExecuteResponse.builder()
              .response(
                  SdkHttpResponse.builder()
                      .statusCode(200)
                      .putHeader("Content-Type", "application/x-amz-json-1.1")
                      .build())
              .responseBody(AbortableInputStream.create(new ByteArrayInputStream(EMPTY_RESPONSE)))
              .build();
        }

        @Override
        public void abort() {}
      };
    }

    @Override
    public void close() {}
  }
}
