package dev.batchrunner.function.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The cold-start floor: the least a Java function can do under the same runtime interface client,
 * answer with its input. {@link ColdStartBenchmark} packages it alone in a jar of its own.
 */
public final class EchoHandler implements RequestStreamHandler {
  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    input.transferTo(output);
  }
}
