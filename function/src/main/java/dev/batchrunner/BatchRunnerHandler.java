package dev.batchrunner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.startup.PrimableHttpClient;
import dev.batchrunner.function.startup.Primer;
import dev.batchrunner.function.startup.SnapStartHooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Core;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Lambda entry point: bytes in, bytes out. The object graph (SDK clients, catalog, JSON mapper) is
 * built once per execution environment, in the constructor, so an invalid catalog fails the
 * function's init rather than an invocation.
 */
public final class BatchRunnerHandler implements RequestStreamHandler {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunnerHandler.class);

  private final EventProcessor processor;
  // Held here: the CRaC context keeps only a weak reference to its resources.
  private final SnapStartHooks snapStart;

  /** Used by the Lambda runtime. */
  public BatchRunnerHandler() {
    this(System.getenv());
  }

  /** Builds the function from the given environment variables instead of the process's. */
  public BatchRunnerHandler(Map<String, String> environment) {
    this(FunctionConfig.fromEnvironment(environment));
  }

  private BatchRunnerHandler(FunctionConfig config) {
    // The SDK clients' HTTP client, switchable to canned answers while priming.
    List<PrimableHttpClient> http = new CopyOnWriteArrayList<>();
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .wrapHttpClient(
                    real -> {
                      PrimableHttpClient primable = new PrimableHttpClient(real, Primer.ANSWERS);
                      http.add(primable);
                      return primable;
                    })
                .build());
    // A dry run's launcher logs each request it builds: prime without it.
    TaskLauncher primingLauncher =
        config.dryRun() ? launch -> new LaunchResult(List.of(), true) : assembly.launcher();
    Runnable prime =
        () -> {
          try {
            Primer.prime(assembly.catalog(), assembly.store(), primingLauncher, http);
          } catch (RuntimeException e) {
            // Priming only saves time: a failure (e.g. no credentials yet) must not fail the start.
            LOG.atWarn().setCause(e).log("priming skipped: {}", e.toString());
          }
        };
    if (config.primeOnInit()) {
      prime.run();
    }
    this.processor = assembly.processor();
    this.snapStart = new SnapStartHooks(prime, assembly.ids());
    Core.getGlobalContext().register(snapStart);
  }

  BatchRunnerHandler(EventProcessor processor) {
    this.processor = processor;
    this.snapStart = null;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    Duration remaining =
        context == null ? Duration.ZERO : Duration.ofMillis(context.getRemainingTimeInMillis());
    if (context != null && context.getAwsRequestId() != null) {
      MDC.put("awsRequestId", context.getAwsRequestId());
    }
    try {
      output.write(processor.process(input.readAllBytes(), remaining));
    } finally {
      MDC.remove("awsRequestId");
    }
  }
}
