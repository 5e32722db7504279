package dev.batchrunner.core.request;

import dev.batchrunner.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request's idempotency key: SHA-256 of the canonical JSON of {@code {batchTypeId, parameters}}
 * (keys sorted, no whitespace), or of {@code batchTypeId + "\n" + idempotencyKey} when the
 * publisher gives one.
 *
 * @param batchTypeId the batch type
 * @param hash the 64-hex key hash, also ECS's clientToken
 * @param requestHash the 64-hex hash of the canonical request, equal to {@code hash} without an
 *     explicit key
 */
public record IdempotencyKey(String batchTypeId, String hash, String requestHash) {

  /** The DynamoDB record id, {@code <batchTypeId>#<hash>}. */
  public String id() {
    return batchTypeId + "#" + hash;
  }

  /**
   * The ECS clientToken of attempt {@code attempt} of this request: see {@link #clientToken(String,
   * int)}.
   */
  public String clientToken(int attempt) {
    return clientToken(hash, attempt);
  }

  /**
   * The ECS clientToken of one attempt of a request. Attempt 1 keeps the key's 64-hex hash (today's
   * token); attempt n &gt; 1 is the SHA-256 hex of {@code keyHash + "#" + n}. Each attempt's token
   * is thus deterministic (a retried RunTask of the same attempt returns the same task), distinct
   * from every other attempt's (ECS would otherwise return the earlier task for up to an hour after
   * it stopped), and 64 characters, ECS's limit.
   *
   * @param keyHash the key's 64-hex hash, {@link #hash()}
   * @param attempt the 1-based attempt number
   * @throws IllegalArgumentException when {@code attempt} is below 1
   */
  public static String clientToken(String keyHash, int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1, not " + attempt);
    }
    if (attempt == 1) {
      return keyHash;
    }
    return sha256Hex((keyHash + "#" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Computes the key of a request.
   *
   * @param parameters the parameters after catalog defaults
   * @param explicitKey the publisher's idempotencyKey, or null
   */
  public static IdempotencyKey of(
      String batchTypeId, Map<String, String> parameters, String explicitKey) {
    String requestHash = sha256Hex(canonicalJson(batchTypeId, parameters));
    String hash =
        explicitKey == null
            ? requestHash
            : sha256Hex((batchTypeId + "\n" + explicitKey).getBytes(StandardCharsets.UTF_8));
    return new IdempotencyKey(batchTypeId, hash, requestHash);
  }

  /**
   * The canonical JSON bytes the request hash is taken of: {@code
   * {"batchTypeId":…,"parameters":{…}}}, keys in {@link String#compareTo} order (what Jackson's
   * {@code ORDER_MAP_ENTRIES_BY_KEYS} does), no whitespace, written by Jackson's generator.
   */
  public static byte[] canonicalJson(String batchTypeId, Map<String, String> parameters) {
    Map<String, Object> request = new TreeMap<>();
    request.put("batchTypeId", batchTypeId);
    request.put("parameters", new TreeMap<>(parameters));
    return Json.write(json -> Json.writeValue(json, request));
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
