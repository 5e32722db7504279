package dev.batchrunner.function.event;

import java.util.List;

/** The shape one Lambda invocation arrived in. */
public sealed interface Invocation {

  /** An EventBridge envelope or a bare request: one request, answered with its outcome. */
  record Direct(ParsedRequest request) implements Invocation {}

  /**
   * An SQS batch: one request per record, answered with the failed records' ids.
   *
   * @param fifo whether it comes from a FIFO queue: then processing stops at the first failed
   *     record, which is reported with every record after it, as Lambda requires for FIFO
   */
  record SqsBatch(List<SqsMessage> messages, boolean fifo) implements Invocation {
    public SqsBatch {
      messages = List.copyOf(messages);
    }
  }

  /** One SQS record. */
  record SqsMessage(String messageId, ParsedRequest request) {}
}
