package dev.batchrunner.core.dispatch;

import dev.batchrunner.core.lifecycle.RequestStatus;
import java.util.Objects;

/** What an operator's {@code rerun} of a record came to. */
public sealed interface RerunOutcome {

  /**
   * The next attempt started.
   *
   * @param dispatched its task and attempt number
   */
  record Started(DispatchOutcome.Dispatched dispatched) implements RerunOutcome {
    public Started {
      Objects.requireNonNull(dispatched, "dispatched");
    }
  }

  /**
   * Nothing started, and why: the record is in flight ({@code IN_PROGRESS}, {@code DISPATCHED},
   * {@code RUNNING}), {@code SUCCEEDED} without force, or no longer resolves against the catalog.
   *
   * @param status the record's status
   * @param reason why, naming what to do
   */
  record Refused(RequestStatus status, String reason) implements RerunOutcome {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** No record has that id. */
  record NotFound(String id) implements RerunOutcome {}
}
