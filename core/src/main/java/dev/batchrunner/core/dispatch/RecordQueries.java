package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Port: the operator's reads of the records (the CLI's {@code status} and {@code list}). */
public interface RecordQueries {

  /** The record with this id, expired or not. */
  Optional<IdempotencyRecord> find(String id);

  /** The records whose first request had this trace id, at most {@code limit}. */
  List<IdempotencyRecord> byTraceId(String traceId, int limit);

  /**
   * The records of one batch type, newest first, at most {@code limit}.
   *
   * @param since only records created at or after it; null for all
   * @param status only records with this status; null for all
   */
  List<IdempotencyRecord> byBatchType(
      String batchTypeId, Instant since, RequestStatus status, int limit);
}
