package dev.batchrunner.aws.ecs;

import dev.batchrunner.aws.sdk.CannedHttpClient;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.core.request.TaskLaunch;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * DRY_RUN: builds the RunTask request through the real SDK marshaller and hands its exact JSON body
 * to a sink (the log, the local runner), without sending it anywhere. Values of parameters the
 * catalog marks sensitive are masked in it.
 */
public final class DryRunTaskLauncher implements TaskLauncher, AutoCloseable {
  private final EcsClient ecs;
  private final CannedHttpClient http =
      new CannedHttpClient(target -> "{\"tasks\":[],\"failures\":[]}");
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
    // The request as it would be sent, but logged: sensitive parameter values masked.
    ecs.runTask(EcsTaskLauncher.toRequest(launch.masked()));
    sink.accept(http.lastBody());
    return new LaunchResult(List.of(), true);
  }

  @Override
  public void close() {
    ecs.close();
  }
}
