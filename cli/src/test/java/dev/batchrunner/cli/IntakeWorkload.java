package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The comparison's workload, the same for every intake mode: the monolith's "Batch Requested"
 * events against the shipped catalog, seeded so that every run is the same.
 *
 * <p>Of 1,000 deliveries: 850 distinct valid requests (daily-report and invoice-export, some with
 * parameters left to their defaults), 100 duplicates (10%) and 50 invalid requests (5%):
 *
 * <ul>
 *   <li>50 EventBridge redeliveries: the very same event (same id, same bytes) 20 s to 2 min after
 *       the first, as EventBridge's at-least-once delivery produces;
 *   <li>25 monolith re-sends inside 5 minutes: its PutEvents retried after a timeout, so a new
 *       event (new id and time) with the same detail, trace id included;
 *   <li>25 monolith re-sends two hours later (a person or a replay sends the request again): a new
 *       event, the same parameters, a new trace id;
 *   <li>50 invalid, 10 of each: an unknown batch type, a missing required parameter, a value
 *       outside an enumeration ({@code format: xlsx}), a value failing a regex ({@code reportDate:
 *       23/11/2036}), a parameter the catalog does not declare.
 * </ul>
 *
 * The first requests come every 3 seconds (850 in 42.5 minutes).
 */
final class IntakeWorkload {
  static final int DISTINCT = 850;
  static final int REDELIVERIES = 50;
  static final int RESENDS_SOON = 25;
  static final int RESENDS_LATE = 25;
  static final int INVALID_EACH = 10;
  static final int TOTAL = DISTINCT + REDELIVERIES + RESENDS_SOON + RESENDS_LATE + 5 * INVALID_EACH;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant EPOCH = Instant.parse("2036-11-23T02:00:00Z");
  private static final LocalDate FIRST_DATE = LocalDate.parse("2030-01-01");

  enum Kind {
    FIRST,
    EVENTBRIDGE_REDELIVERY,
    MONOLITH_RESEND_SOON,
    MONOLITH_RESEND_LATE,
    INVALID_UNKNOWN_TYPE,
    INVALID_MISSING_REQUIRED,
    INVALID_ENUMERATION,
    INVALID_PATTERN,
    INVALID_UNDECLARED;

    boolean invalid() {
      return name().startsWith("INVALID");
    }

    boolean duplicate() {
      return this == EVENTBRIDGE_REDELIVERY
          || this == MONOLITH_RESEND_SOON
          || this == MONOLITH_RESEND_LATE;
    }
  }

  /**
   * One delivery to the intake.
   *
   * @param at when, from the workload's start
   * @param request which distinct request it carries (0..849), or -1 for an invalid one
   * @param envelope the EventBridge event as a rule target receives it
   * @param detail its {@code detail}, compact, as an input transformer's {@code <detail>} gives it
   */
  record Delivery(Kind kind, Duration at, int request, String envelope, String detail) {
    Instant instant() {
      return EPOCH.plus(at);
    }
  }

  private IntakeWorkload() {}

  static Instant epoch() {
    return EPOCH;
  }

  static List<Delivery> generate(long seed) {
    Random random = new Random(seed);
    List<Delivery> out = new ArrayList<>();
    List<Delivery> firsts = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      Duration at = Duration.ofSeconds(3L * i);
      ObjectNode detail = valid(i, uuid(random));
      Delivery first = delivery(Kind.FIRST, at, i, uuid(random), detail);
      firsts.add(first);
      out.add(first);
    }
    List<Integer> picks = distinctPicks(random, REDELIVERIES + RESENDS_SOON + RESENDS_LATE);
    int p = 0;
    for (int n = 0; n < REDELIVERIES; n++) {
      Delivery first = firsts.get(picks.get(p++));
      Duration at = first.at().plusSeconds(20 + random.nextInt(100));
      out.add(
          new Delivery(
              Kind.EVENTBRIDGE_REDELIVERY, at, first.request(), first.envelope(), first.detail()));
    }
    for (int n = 0; n < RESENDS_SOON; n++) {
      Delivery first = firsts.get(picks.get(p++));
      Duration at = first.at().plusSeconds(5 + random.nextInt(55));
      out.add(
          delivery(
              Kind.MONOLITH_RESEND_SOON, at, first.request(), uuid(random), tree(first.detail())));
    }
    for (int n = 0; n < RESENDS_LATE; n++) {
      Delivery first = firsts.get(picks.get(p++));
      Duration at = first.at().plusHours(2);
      ObjectNode detail = tree(first.detail());
      detail.put("traceId", uuid(random));
      out.add(delivery(Kind.MONOLITH_RESEND_LATE, at, first.request(), uuid(random), detail));
    }
    Kind[] invalidKinds = {
      Kind.INVALID_UNKNOWN_TYPE,
      Kind.INVALID_MISSING_REQUIRED,
      Kind.INVALID_ENUMERATION,
      Kind.INVALID_PATTERN,
      Kind.INVALID_UNDECLARED
    };
    for (Kind kind : invalidKinds) {
      for (int n = 0; n < INVALID_EACH; n++) {
        Duration at = Duration.ofMillis(random.nextInt(3 * DISTINCT * 1000));
        out.add(delivery(kind, at, -1, uuid(random), invalid(kind, n, uuid(random))));
      }
    }
    out.sort(Comparator.comparing(Delivery::at));
    if (out.size() != TOTAL) {
      throw new IllegalStateException(out.size() + " deliveries");
    }
    return List.copyOf(out);
  }

  /**
   * Request i: even ones a daily report (tenant left to its default every third), odd ones an
   * export.
   */
  private static ObjectNode valid(int i, String traceId) {
    ObjectNode detail = JSON.createObjectNode();
    ObjectNode parameters = JSON.createObjectNode();
    if (i % 2 == 0) {
      detail.put("batchTypeId", "daily-report");
      parameters.put("reportDate", FIRST_DATE.plusDays(i / 2).toString());
      if (i % 3 != 0) {
        parameters.put("tenant", "t" + (i % 7));
      }
    } else {
      detail.put("batchTypeId", "invoice-export");
      parameters.put("customerId", "C" + (1_000_000 + i));
      if (i % 3 == 1) {
        parameters.put("format", "parquet");
      } else if (i % 3 == 2) {
        parameters.put("format", "csv");
      }
    }
    detail.put("traceId", traceId);
    detail.set("parameters", parameters);
    return detail;
  }

  private static ObjectNode invalid(Kind kind, int n, String traceId) {
    ObjectNode detail = JSON.createObjectNode();
    ObjectNode parameters = JSON.createObjectNode();
    switch (kind) {
      case INVALID_UNKNOWN_TYPE -> {
        detail.put("batchTypeId", "weekly-report");
        parameters.put("reportDate", "2036-11-2" + n % 10);
      }
      case INVALID_MISSING_REQUIRED -> {
        detail.put("batchTypeId", "invoice-export");
        parameters.put("format", "csv");
      }
      case INVALID_ENUMERATION -> {
        detail.put("batchTypeId", "invoice-export");
        parameters.put("customerId", "C" + (9_000_000 + n));
        parameters.put("format", "xlsx");
      }
      case INVALID_PATTERN -> {
        detail.put("batchTypeId", "daily-report");
        parameters.put("reportDate", (10 + n) + "/11/2036");
      }
      case INVALID_UNDECLARED -> {
        detail.put("batchTypeId", "daily-report");
        parameters.put("reportDate", "2036-12-" + (10 + n));
        parameters.put("colour", "blue");
      }
      default -> throw new IllegalArgumentException(kind.name());
    }
    detail.put("traceId", traceId);
    detail.set("parameters", parameters);
    return detail;
  }

  private static Delivery delivery(
      Kind kind, Duration at, int request, String id, ObjectNode detail) {
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("version", "0");
    envelope.put("id", id);
    envelope.put("detail-type", "Batch Requested");
    envelope.put("source", "legacy.monolith");
    envelope.put("account", "111122223333");
    envelope.put("time", EPOCH.plus(at).toString());
    envelope.put("region", "eu-west-1");
    envelope.putArray("resources");
    envelope.set("detail", detail);
    return new Delivery(kind, at, request, envelope.toString(), detail.toString());
  }

  private static List<Integer> distinctPicks(Random random, int count) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      all.add(i);
    }
    java.util.Collections.shuffle(all, random);
    return all.subList(0, count);
  }

  private static ObjectNode tree(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String uuid(Random random) {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }
}
