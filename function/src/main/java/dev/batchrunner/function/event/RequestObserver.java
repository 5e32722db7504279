package dev.batchrunner.function.event;

/** Port: told once about every request, to write its log line and metrics. */
public interface RequestObserver {

  void completed(RequestSummary summary);
}
