package dev.batchrunner.function;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The function's one source of random ids (trace ids, claim ids): random UUIDs from a {@link
 * SecureRandom} that {@link #reseed()} replaces after a SnapStart restore, so that environments
 * restored from one snapshot never share a random sequence.
 */
public final class RandomIds implements Supplier<String> {
  private final Supplier<? extends Random> generators;
  private volatile Random random;

  /** Ids from a new {@link SecureRandom}, seeded by the operating system. */
  public RandomIds() {
    this(SecureRandom::new);
  }

  /**
   * Ids from the generators {@code generators} supplies: one now and a new one on each {@link
   * #reseed()}. For tests, {@code () -> new Random(42)} gives a repeatable sequence.
   */
  public RandomIds(Supplier<? extends Random> generators) {
    this.generators = Objects.requireNonNull(generators, "generators");
    this.random = Objects.requireNonNull(generators.get(), "generator");
  }

  @Override
  public String get() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // IETF variant
    long most = 0;
    long least = 0;
    for (int i = 0; i < 8; i++) {
      most = (most << 8) | (bytes[i] & 0xff);
      least = (least << 8) | (bytes[i + 8] & 0xff);
    }
    return new UUID(most, least).toString();
  }

  /** The current generator (for tests of the SnapStart hooks). */
  Random source() {
    return random;
  }

  /** Starts a new random sequence: with the default generators, seeded from the system now. */
  public void reseed() {
    random = Objects.requireNonNull(generators.get(), "generator");
  }
}
