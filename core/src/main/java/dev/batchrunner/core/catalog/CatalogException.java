package dev.batchrunner.core.catalog;

import java.util.List;

/** The catalog is invalid; the message lists every problem found, one per line. */
public final class CatalogException extends RuntimeException {
  private final List<String> problems;

  public CatalogException(String source, List<String> problems) {
    super(
        "invalid batch catalog "
            + source
            + " ("
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "):\n  - "
            + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
