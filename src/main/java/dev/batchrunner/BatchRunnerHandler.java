package dev.batchrunner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.batchrunner.event.EventProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import org.slf4j.MDC;

/**
 * Lambda entry point: bytes in, bytes out. The object graph (SDK clients, catalog, JSON mapper) is
 * built once per execution environment, in the constructor, so an invalid catalog fails the
 * function's init rather than an invocation.
 */
public final class BatchRunnerHandler implements RequestStreamHandler {
  private final EventProcessor processor;

  /** Used by the Lambda runtime. */
  public BatchRunnerHandler() {
    this(Wiring.fromEnvironment(System.getenv()));
  }

  /** Builds the function from the given environment variables instead of the process's. */
  public BatchRunnerHandler(java.util.Map<String, String> environment) {
    this(Wiring.fromEnvironment(environment));
  }

  BatchRunnerHandler(EventProcessor processor) {
    this.processor = processor;
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
