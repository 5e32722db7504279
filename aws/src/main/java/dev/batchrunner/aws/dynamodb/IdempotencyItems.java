package dev.batchrunner.aws.dynamodb;

import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An {@link IdempotencyRecord} as a DynamoDB item, and back. Attributes: {@code id}, {@code
 * batchTypeId}, {@code status}, {@code traceId}, {@code requestHash}, {@code explicitKey}, {@code
 * parameters} (M of S), {@code attempt} (N), {@code attempts} (L of M: {@code attempt}, {@code
 * taskArn}, {@code lastStatus}, {@code version}, {@code exitCode}, {@code stopCode}, {@code
 * stoppedReason}, {@code containerReason}, {@code startedAt}, {@code stoppedAt}, {@code
 * startReason}; absent values left out), {@code taskArns} (L of S, every attempt's, for people
 * reading the table), {@code createdAt} (ISO-8601), {@code expiresAt} (N, epoch seconds: the TTL),
 * {@code inProgressUntil} and {@code completionDue} (N, epoch millis), {@code claimId}, {@code
 * revision}. An item written before records had attempts (only {@code taskArns}) reads as attempt 1
 * with its first task.
 */
public final class IdempotencyItems {
  public static final String REVISION = "revision";

  /** {@code createdAt} in epoch millis, the sort key of the table's batch-type index. */
  public static final String CREATED_AT_MS = "createdAtMs";

  private IdempotencyItems() {}

  /** The item of {@code r}. */
  public static Map<String, AttributeValue> toItem(IdempotencyRecord r) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(DynamoDbIdempotencyStore.KEY, s(r.id()));
    item.put("batchTypeId", s(r.batchTypeId()));
    item.put("status", s(r.status().name()));
    putS(item, "traceId", r.traceId());
    putS(item, "requestHash", r.requestHash());
    putS(item, "explicitKey", r.explicitKey());
    if (!r.parameters().isEmpty()) {
      Map<String, AttributeValue> parameters = new LinkedHashMap<>();
      r.parameters().forEach((name, value) -> parameters.put(name, s(value)));
      item.put("parameters", AttributeValue.builder().m(parameters).build());
    }
    item.put("attempt", n(r.attempt()));
    List<AttributeValue> attempts = new ArrayList<>();
    for (Attempt a : r.attempts()) {
      attempts.add(AttributeValue.builder().m(attemptItem(a)).build());
    }
    item.put("attempts", AttributeValue.builder().l(attempts).build());
    item.put(
        "taskArns",
        AttributeValue.builder()
            .l(r.taskArns().stream().map(IdempotencyItems::s).toList())
            .build());
    if (r.createdAt() != null) {
      item.put("createdAt", s(r.createdAt().toString()));
      item.put(CREATED_AT_MS, n(r.createdAt().toEpochMilli()));
    }
    if (r.expiresAt() != null) {
      item.put(DynamoDbIdempotencyStore.TTL_ATTRIBUTE, n(r.expiresAt().getEpochSecond()));
    }
    if (r.inProgressUntil() != null) {
      item.put("inProgressUntil", n(r.inProgressUntil().toEpochMilli()));
    }
    if (r.completionDue() != null) {
      item.put("completionDue", n(r.completionDue().toEpochMilli()));
    }
    putS(item, "claimId", r.claimId());
    putS(item, REVISION, r.revision());
    return item;
  }

  /** The record of {@code item}. */
  public static IdempotencyRecord fromItem(Map<String, AttributeValue> item) {
    Map<String, String> parameters = new LinkedHashMap<>();
    AttributeValue params = item.get("parameters");
    if (params != null && params.hasM()) {
      params.m().forEach((name, value) -> parameters.put(name, value.s()));
    }
    List<Attempt> attempts = new ArrayList<>();
    AttributeValue entries = item.get("attempts");
    if (entries != null && entries.hasL() && !entries.l().isEmpty()) {
      for (AttributeValue entry : entries.l()) {
        attempts.add(attempt(entry.m()));
      }
    } else {
      // Written before records had attempts: attempt 1 with the first task, if any.
      AttributeValue arns = item.get("taskArns");
      String first =
          arns != null && arns.hasL() && !arns.l().isEmpty() ? arns.l().get(0).s() : null;
      attempts.add(Attempt.pending(1).withTask(first));
    }
    AttributeValue attempt = item.get("attempt");
    String created = text(item, "createdAt");
    AttributeValue expires = item.get(DynamoDbIdempotencyStore.TTL_ATTRIBUTE);
    return IdempotencyRecord.builder()
        .id(text(item, DynamoDbIdempotencyStore.KEY))
        .batchTypeId(text(item, "batchTypeId"))
        .status(RequestStatus.valueOf(text(item, "status")))
        .traceId(text(item, "traceId"))
        .requestHash(text(item, "requestHash"))
        .explicitKey(text(item, "explicitKey"))
        .parameters(parameters)
        .attempts(attempt == null ? attempts.size() : Integer.parseInt(attempt.n()), attempts)
        .createdAt(created == null ? null : Instant.parse(created))
        .expiresAt(expires == null ? null : Instant.ofEpochSecond(Long.parseLong(expires.n())))
        .inProgressUntil(millis(item, "inProgressUntil"))
        .completionDue(millis(item, "completionDue"))
        .claimId(text(item, "claimId"))
        .revision(text(item, REVISION))
        .build();
  }

  private static Map<String, AttributeValue> attemptItem(Attempt a) {
    Map<String, AttributeValue> m = new LinkedHashMap<>();
    m.put("attempt", n(a.number()));
    putS(m, "taskArn", a.taskArn());
    putS(m, "lastStatus", a.lastStatus());
    m.put("version", n(a.version()));
    if (a.exitCode() != null) {
      m.put("exitCode", n(a.exitCode()));
    }
    putS(m, "stopCode", a.stopCode());
    putS(m, "stoppedReason", a.stoppedReason());
    putS(m, "containerReason", a.containerReason());
    putS(m, "startedAt", a.startedAt() == null ? null : a.startedAt().toString());
    putS(m, "stoppedAt", a.stoppedAt() == null ? null : a.stoppedAt().toString());
    putS(m, "startReason", a.startReason());
    return m;
  }

  private static Attempt attempt(Map<String, AttributeValue> m) {
    AttributeValue exit = m.get("exitCode");
    AttributeValue version = m.get("version");
    String started = text(m, "startedAt");
    String stopped = text(m, "stoppedAt");
    return new Attempt(
        Integer.parseInt(m.get("attempt").n()),
        text(m, "taskArn"),
        text(m, "lastStatus"),
        version == null ? Attempt.NO_VERSION : Long.parseLong(version.n()),
        exit == null ? null : Integer.valueOf(exit.n()),
        text(m, "stopCode"),
        text(m, "stoppedReason"),
        text(m, "containerReason"),
        started == null ? null : Instant.parse(started),
        stopped == null ? null : Instant.parse(stopped),
        text(m, "startReason"));
  }

  private static Instant millis(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value.n()));
  }

  private static String text(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null ? null : value.s();
  }

  private static void putS(Map<String, AttributeValue> item, String name, String value) {
    if (value != null) {
      item.put(name, s(value));
    }
  }

  /** A String attribute value (the store and the queries build their keys and values with it). */
  static AttributeValue s(String value) {
    return AttributeValue.builder().s(value).build();
  }

  /** A Number attribute value. */
  static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
