package dev.batchrunner.core.catalog;

import java.util.Objects;

/**
 * What a batch does once its task has failed: retry automatically, and whether a re-sent request
 * runs it again.
 *
 * @param retry the automatic retry policy ({@link RetryPolicy#NONE} by default)
 * @param rerunFailed whether a re-sent request whose record is {@code FAILED}, with no automatic
 *     retry left, starts a new attempt (true by default) or answers {@code DUPLICATE}
 */
public record Lifecycle(RetryPolicy retry, boolean rerunFailed) {
  /** No automatic retry; a re-sent request re-runs a failed one. */
  public static final Lifecycle DEFAULT = new Lifecycle(RetryPolicy.NONE, true);

  public Lifecycle {
    Objects.requireNonNull(retry, "retry");
  }
}
