package dev.batchrunner.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need a tool the machine may lack (moto, cfn-lint): on a developer's machine a
 * missing tool skips the test with the reason printed; on CI ({@code CI=true}) it fails it, so a
 * broken CI image cannot turn a suite green by skipping it.
 */
public final class RequiredTool {
  /** Reasons already printed: a class of skipped tests prints its reason once. */
  private static final Set<String> PRINTED = ConcurrentHashMap.newKeySet();

  private RequiredTool() {}

  /**
   * Continues when {@code available}; otherwise fails the test on CI and skips it elsewhere.
   *
   * @param reason what is missing and how to install it, shown in both cases
   */
  public static void require(boolean available, String reason) {
    if (available) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(reason + " (CI=true: a missing tool fails the build instead of skipping)");
    }
    if (PRINTED.add(reason)) {
      System.err.println("SKIPPED: " + reason);
    }
    Assumptions.abort(reason);
  }

  /** Whether an executable of this name is on the PATH. */
  public static boolean onPath(String command) {
    return dev.batchrunner.emulators.Tools.onPath(command);
  }
}
