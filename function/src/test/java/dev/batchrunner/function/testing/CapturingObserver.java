package dev.batchrunner.function.testing;

import dev.batchrunner.function.event.RequestObserver;
import dev.batchrunner.function.event.RequestSummary;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every request summary. */
public final class CapturingObserver implements RequestObserver {
  private final List<RequestSummary> summaries = new CopyOnWriteArrayList<>();

  @Override
  public void completed(RequestSummary summary) {
    summaries.add(summary);
  }

  public List<RequestSummary> summaries() {
    return List.copyOf(summaries);
  }

  public RequestSummary last() {
    return summaries.get(summaries.size() - 1);
  }

  public void clear() {
    summaries.clear();
  }
}
