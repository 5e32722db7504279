package dev.batchrunner.function.testing;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import java.time.Instant;
import java.util.List;

/** An invocation that dies right after RunTask returned, before its record says DISPATCHED. */
public final class CrashAfterRunTask {
  private CrashAfterRunTask() {}

  /** The store of such an invocation: claims and releases as {@code real}, then "dies". */
  public static IdempotencyStore crashOnUpdate(IdempotencyStore real) {
    return new IdempotencyStore() {
      @Override
      public Claim claim(IdempotencyRecord record, Instant now) {
        return real.claim(record, now);
      }

      @Override
      public void markDispatched(String id, List<String> taskArns, Instant now) {
        throw new Crash();
      }

      @Override
      public void release(String id, String claimId) {
        real.release(id, claimId);
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
