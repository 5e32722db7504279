package dev.batchrunner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.startup.PrimedFunction;
import dev.batchrunner.function.startup.SnapStartHooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import org.crac.Core;
import org.slf4j.MDC;

/**
 * Lambda entry point: bytes in, bytes out. The function ({@link PrimedFunction}: configuration,
 * assembly, priming) is built once per execution environment, in the constructor, so an invalid
 * catalog fails the function's init rather than an invocation.
 */
public final class BatchRunnerHandler implements RequestStreamHandler {
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
    PrimedFunction function = PrimedFunction.assemble(config);
    this.processor = function.processor();
    this.snapStart = function.hooks();
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
