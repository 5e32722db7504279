package dev.batchrunner.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

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

  // Jackson sorts map keys itself and writes no whitespace by default: the canonical form.
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** The DynamoDB record id, {@code <batchTypeId>#<hash>}. */
  public String id() {
    return batchTypeId + "#" + hash;
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

  /** The canonical JSON bytes the request hash is taken of. */
  public static byte[] canonicalJson(String batchTypeId, Map<String, String> parameters) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("batchTypeId", batchTypeId);
    request.put("parameters", parameters);
    try {
      return CANONICAL.writeValueAsBytes(request);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a map of strings", e);
    }
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
