package dev.batchrunner.function;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The function's one source of random ids (trace ids, claim ids): random UUIDs from a {@link
 * SecureRandom} that {@link #reseed()} replaces after a SnapStart restore, so that environments
 * restored from one snapshot never share a random sequence.
 */
public final class RandomIds implements Supplier<String> {
  private volatile SecureRandom random = new SecureRandom();

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

  /** The current source (for tests of the SnapStart hooks). */
  SecureRandom source() {
    return random;
  }

  /** Starts a new random sequence, seeded from the operating system now. */
  public void reseed() {
    random = new SecureRandom();
  }
}
