package dev.batchrunner.function.startup;

import dev.batchrunner.aws.sdk.CannedHttpClient;
import java.util.function.Function;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The real HTTP client, which can be switched, while the function primes itself during init, to
 * canned answers: the real SDK clients then run their whole request path (marshalling, endpoint
 * rules, signing, unmarshalling) with no network call and no second set of clients to build.
 */
public final class PrimableHttpClient implements SdkHttpClient {
  private final SdkHttpClient real;
  private final CannedHttpClient canned;
  private volatile boolean priming;

  /**
   * @param real the client for real requests
   * @param answers the canned response body per {@code X-Amz-Target}, while priming
   */
  public PrimableHttpClient(SdkHttpClient real, Function<String, String> answers) {
    this.real = real;
    this.canned = new CannedHttpClient(answers);
  }

  /** Answers every call from the canned responses until {@link #endPriming()}. */
  public void startPriming() {
    priming = true;
  }

  public void endPriming() {
    priming = false;
  }

  /** How many calls were answered canned. */
  public int cannedCalls() {
    return canned.calls();
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    return priming ? canned.prepareRequest(request) : real.prepareRequest(request);
  }

  @Override
  public String clientName() {
    return real.clientName();
  }

  @Override
  public void close() {
    real.close();
  }
}
