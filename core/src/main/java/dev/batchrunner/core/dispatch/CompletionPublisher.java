package dev.batchrunner.core.dispatch;

/**
 * Port: where the end of a request is announced ({@code COMPLETION_EVENT_BUS}). The lifecycle calls
 * it after the record's final state is written, and marks the record announced only once it
 * returns: a publisher that throws leaves the announcement pending, and the next delivery of the
 * task's state change publishes it again.
 */
public interface CompletionPublisher {

  /**
   * Puts one completion event on the bus.
   *
   * @throws CompletionPublishException when the bus did not take it (the caller has the event
   *     delivered again)
   */
  void publish(Completion completion);
}
