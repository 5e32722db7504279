package dev.batchrunner.cli;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The queue between the rule and the function, in virtual time, as SQS documents it (the benchmark
 * cannot wait real minutes, and moto forgets a FIFO deduplication id once its message is deleted,
 * where SQS keeps it for the whole 5-minute interval):
 *
 * <ul>
 *   <li>FIFO with content-based deduplication: a message whose body's SHA-256 was sent in the last
 *       5 minutes is accepted (and billed) but never delivered;
 *   <li>FIFO ordering: messages of one group are handed out in order, and none of a group while an
 *       earlier one of it is in flight or waiting out its visibility timeout;
 *   <li>a received message becomes visible again after the visibility timeout unless deleted; at
 *       the {@code maxReceiveCount}-th failed receive it moves to the dead-letter queue;
 *   <li>the event source mapping receives up to {@code batchSize} messages at once (a standard
 *       queue also waits up to its batching window for more), and deletes those the function did
 *       not report in {@code batchItemFailures}.
 * </ul>
 *
 * Billing: each SendMessage (EventBridge's delivery), each non-empty ReceiveMessage and each
 * DeleteMessageBatch is one request. The pollers' empty long polls are left out: AWS makes them
 * whatever the traffic, in every queue mode alike.
 */
final class SqsModel {
  static final Duration DEDUPLICATION_INTERVAL = Duration.ofMinutes(5);

  private final boolean fifo;
  private final Duration visibilityTimeout;
  private final int maxReceiveCount;
  private final int batchSize;
  private final Duration batchingWindow;

  private final List<Message> messages = new ArrayList<>();
  private final Map<String, Instant> deduplicationIds = new HashMap<>();
  private final List<Message> deadLetters = new ArrayList<>();
  private int nextId;
  private int requests;
  private int deduplicated;

  SqsModel(
      boolean fifo,
      Duration visibilityTimeout,
      int maxReceiveCount,
      int batchSize,
      Duration batchingWindow) {
    this.fifo = fifo;
    this.visibilityTimeout = visibilityTimeout;
    this.maxReceiveCount = maxReceiveCount;
    this.batchSize = batchSize;
    this.batchingWindow = fifo ? Duration.ZERO : batchingWindow;
  }

  /** One message in the queue: what was sent, when, and where its receives stand. */
  static final class Message {
    final String id;
    final String body;
    final String group;
    final Instant sentAt;
    final Object tag;
    Instant visibleAt;
    int receiveCount;
    boolean inFlight;

    Message(String id, String body, String group, Instant sentAt, Object tag) {
      this.id = id;
      this.body = body;
      this.group = group;
      this.sentAt = sentAt;
      this.tag = tag;
      this.visibleAt = sentAt;
    }
  }

  /**
   * EventBridge's SendMessage. Returns false when FIFO deduplication swallowed it.
   *
   * @param tag the benchmark's own marker, handed back with the message
   */
  boolean send(String body, String group, Instant at, Object tag) {
    requests++;
    if (fifo) {
      String id = sha256(body);
      Instant seen = deduplicationIds.get(id);
      if (seen != null && Duration.between(seen, at).compareTo(DEDUPLICATION_INTERVAL) < 0) {
        deduplicated++;
        return false;
      }
      deduplicationIds.put(id, at);
    }
    messages.add(new Message("m-" + ++nextId, body, group, at, tag));
    return true;
  }

  /** When the next batch can be taken, or null when nothing is left to deliver. */
  Instant nextBatchAt() {
    // The earliest moment a receive hands something out: a standard queue's first visible message;
    // a FIFO queue's first group head (a group waits for its head, whatever comes after it).
    Instant earliest = null;
    Set<String> seenGroups = new HashSet<>();
    for (Message m : messages) {
      if (fifo && !seenGroups.add(m.group)) {
        continue;
      }
      if (m.inFlight) {
        continue;
      }
      if (earliest == null || m.visibleAt.isBefore(earliest)) {
        earliest = m.visibleAt;
      }
    }
    if (earliest == null) {
      return null;
    }
    if (batchingWindow.isZero()) {
      return earliest;
    }
    // A standard queue's event source mapping waits up to its window to fill the batch.
    Instant closes = earliest.plus(batchingWindow);
    List<Message> ready = available(closes);
    if (ready.size() >= batchSize) {
      ready.sort((a, b) -> a.visibleAt.compareTo(b.visibleAt));
      Instant full = ready.get(batchSize - 1).visibleAt;
      return full.isBefore(closes) ? full : closes;
    }
    return closes;
  }

  /** One non-empty ReceiveMessage at {@code now}: up to batchSize messages, now in flight. */
  List<Message> receive(Instant now) {
    List<Message> batch = new ArrayList<>();
    for (Message m : available(now)) {
      if (batch.size() == batchSize) {
        break;
      }
      batch.add(m);
    }
    if (batch.isEmpty()) {
      return batch;
    }
    requests++;
    for (Message m : batch) {
      m.inFlight = true;
      m.receiveCount++;
    }
    return batch;
  }

  /**
   * The function's answer to {@code batch}: the reported ones wait out the visibility timeout (or
   * move to the dead-letter queue), the others are deleted in one DeleteMessageBatch.
   */
  void complete(List<Message> batch, Set<String> failedIds, Instant now) {
    boolean deletes = false;
    for (Message m : batch) {
      m.inFlight = false;
      if (!failedIds.contains(m.id)) {
        messages.remove(m);
        deletes = true;
      } else if (m.receiveCount >= maxReceiveCount) {
        messages.remove(m);
        deadLetters.add(m);
      } else {
        m.visibleAt = now.plus(visibilityTimeout);
      }
    }
    if (deletes) {
      requests++;
    }
  }

  /**
   * What a receive at {@code now} may hand out, in queue order: visible, not in flight and, in a
   * FIFO queue, only the head of each group while nothing earlier of it is pending.
   */
  private List<Message> available(Instant now) {
    List<Message> out = new ArrayList<>();
    Set<String> blockedGroups = new HashSet<>();
    for (Message m : messages) {
      boolean visible = !m.inFlight && !m.visibleAt.isAfter(now);
      if (fifo) {
        if (blockedGroups.contains(m.group)) {
          continue;
        }
        if (!visible) {
          // An earlier message of this group is in flight or waiting: the group waits too.
          blockedGroups.add(m.group);
          continue;
        }
      } else if (!visible) {
        continue;
      }
      out.add(m);
    }
    return out;
  }

  int requests() {
    return requests;
  }

  int deduplicated() {
    return deduplicated;
  }

  List<Message> deadLetters() {
    return deadLetters;
  }

  boolean isEmpty() {
    return messages.isEmpty();
  }

  /** Counts of the queue's state, for a report line. */
  Map<String, Integer> summary() {
    Map<String, Integer> out = new LinkedHashMap<>();
    out.put("requests", requests);
    out.put("deduplicated", deduplicated);
    out.put("deadLetters", deadLetters.size());
    out.put("left", messages.size());
    return out;
  }

  static String sha256(String body) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
