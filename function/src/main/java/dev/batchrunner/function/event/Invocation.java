package dev.batchrunner.function.event;

import java.util.List;

/** The shape one Lambda invocation arrived in. */
public sealed interface Invocation {

  /** An EventBridge envelope or a bare request: one request, answered with its outcome. */
  record Direct(ParsedRequest request) implements Invocation {}

  /** An SQS batch: one request per record, answered with the failed records' ids. */
  record SqsBatch(List<SqsMessage> messages) implements Invocation {
    public SqsBatch {
      messages = List.copyOf(messages);
    }
  }

  /** One SQS record. */
  record SqsMessage(String messageId, ParsedRequest request) {}
}
