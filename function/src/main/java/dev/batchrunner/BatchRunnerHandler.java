package dev.batchrunner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.batchrunner.function.Wiring;
import dev.batchrunner.function.event.EventProcessor;
import dev.batchrunner.function.startup.SnapStartHooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import org.crac.Core;
import org.slf4j.MDC;

/**
 * Lambda entry point: bytes in, bytes out. The object graph (SDK clients, catalog, JSON mapper) is
 * built once per execution environment, in the constructor, so an invalid catalog fails the
 * function's init rather than an invocation.
 */
public final class BatchRunnerHandler implements RequestStreamHandler {
  private final EventProcessor processor;
  // Held here: the CRaC context keeps only a weak reference to its resources.
  private final SnapStartHooks snapStart;

  /** Used by the Lambda runtime. */
  public BatchRunnerHandler() {
    this(Wiring.assemble(System.getenv()));
  }

  /** Builds the function from the given environment variables instead of the process's. */
  public BatchRunnerHandler(Map<String, String> environment) {
    this(Wiring.assemble(environment));
  }

  private BatchRunnerHandler(Wiring.Assembly assembly) {
    this.processor = assembly.processor();
    this.snapStart = new SnapStartHooks(assembly.prime(), assembly.ids());
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
