package dev.batchrunner.function.testing;

import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.lifecycle.RequestStatus;
import dev.batchrunner.core.testing.ForwardingIdempotencyStore;

/** An invocation that dies right after RunTask returned, before its record says DISPATCHED. */
public final class CrashAfterRunTask {
  private CrashAfterRunTask() {}

  /** The store of such an invocation: claims, reads and releases as {@code real}, then "dies". */
  public static IdempotencyStore crashOnUpdate(IdempotencyStore real) {
    return new ForwardingIdempotencyStore(real) {
      @Override
      public boolean replace(IdempotencyRecord next, String expectedRevision) {
        if (next.status() == RequestStatus.DISPATCHED) {
          throw new Crash();
        }
        return super.replace(next, expectedRevision);
      }
    };
  }

  /** Stands for the process dying: nothing after it runs. */
  public static final class Crash extends RuntimeException {
    Crash() {
      super("simulated crash after RunTask", null, false, false);
    }
  }
}
