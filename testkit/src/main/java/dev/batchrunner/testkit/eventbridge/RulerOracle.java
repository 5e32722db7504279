package dev.batchrunner.testkit.eventbridge;

import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.Ruler;

/**
 * What aws/event-ruler, the open-source matching library EventBridge's event patterns come from
 * (https://github.com/aws/event-ruler), answers for a pattern and an event: the second opinion
 * {@link EventPattern}'s tests and the direct-rules tests check the evaluator against. It is the
 * library, not EventBridge: the service may run another version, and refuses some patterns the
 * library takes (limits on a rule's size and complexity).
 */
public final class RulerOracle {
  private RulerOracle() {}

  /**
   * Whether event-ruler matches {@code event} with {@code pattern} ({@code Ruler.matchesRule}, the
   * array-consistent matching of {@code rulesForJSONEvent}).
   *
   * @throws IllegalArgumentException when event-ruler refuses the pattern
   */
  public static boolean matches(String pattern, String event) {
    try {
      return Ruler.matchesRule(event, pattern);
    } catch (Exception e) {
      throw new IllegalArgumentException("event-ruler refuses " + pattern + ": " + e, e);
    }
  }

  /** Whether event-ruler compiles {@code pattern} into a machine. */
  public static boolean accepts(String pattern) {
    try {
      new Machine().addRule("pattern", pattern);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
