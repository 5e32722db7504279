package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.request.BatchRequest;

/** The request a record was made for, as a new attempt resolves it again. */
final class RequestRecords {
  private RequestRecords() {}

  /**
   * The record's request: its batch type, first trace id, parameters after defaults and explicit
   * key. A record written before records kept their parameters has none: it resolves as a request
   * without parameters, which a batch with required parameters refuses.
   */
  static BatchRequest request(IdempotencyRecord record) {
    return new BatchRequest(
        record.batchTypeId(), record.traceId(), record.parameters(), record.explicitKey(), null);
  }
}
