package dev.batchrunner.core.dispatch;

/**
 * What became of one request, as results, log lines and metrics name it. Switches over it are
 * checked by the compiler: a new outcome cannot silently fall into another's metric.
 */
public enum Outcome {
  /** A task was launched now (or, in a dry run, its RunTask request built and logged). */
  DISPATCHED,
  /** The same request was dispatched before, inside its window; nothing was launched now. */
  DUPLICATE,
  /** Refused before any DynamoDB write or ECS call: the field and the reason are known. */
  REJECTED,
  /** A valid request could not be dispatched now (see {@link FailureReason}). */
  FAILED
}
