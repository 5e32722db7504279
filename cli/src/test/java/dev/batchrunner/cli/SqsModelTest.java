package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The benchmark's queue model against the SQS rules it claims to reproduce. */
class SqsModelTest {
  private static final Instant T0 = Instant.parse("2036-01-01T00:00:00Z");
  private static final Duration VISIBILITY = Duration.ofSeconds(180);

  private static SqsModel fifo() {
    return new SqsModel(true, VISIBILITY, 5, 10, Duration.ofSeconds(2));
  }

  private static SqsModel standard() {
    return new SqsModel(false, VISIBILITY, 5, 10, Duration.ofSeconds(2));
  }

  @Test
  void fifo_dropsTheSameBodyInsideFiveMinutes_evenAfterTheFirstWasDeleted() {
    SqsModel queue = fifo();
    assertTrue(queue.send("{\"a\":1}", "g", T0, null));
    List<SqsModel.Message> batch = queue.receive(T0);
    queue.complete(batch, Set.of(), T0);
    assertTrue(queue.isEmpty());

    assertFalse(queue.send("{\"a\":1}", "g", T0.plusSeconds(299), null), "inside the interval");
    assertTrue(queue.send("{\"a\":1}", "g", T0.plusSeconds(300), null), "5 minutes later");
    assertTrue(queue.send("{\"a\":2}", "g", T0.plusSeconds(1), null), "another body");
    assertEquals(1, queue.deduplicated());
    assertEquals(
        6, queue.requests(), "4 sends (the swallowed one billed too), 1 receive, 1 delete batch");
  }

  @Test
  void standard_neverDeduplicates() {
    SqsModel queue = standard();
    assertTrue(queue.send("x", null, T0, null));
    assertTrue(queue.send("x", null, T0, null));
    assertEquals(2, queue.receive(T0).size());
  }

  @Test
  void fifo_holdsTheWholeGroupBehindAFailedMessageUntilItsVisibilityTimeout() {
    SqsModel queue = fifo();
    queue.send("first", "g", T0, null);
    queue.send("second", "g", T0.plusSeconds(1), null);
    queue.send("other group", "h", T0.plusSeconds(1), null);

    List<SqsModel.Message> batch = queue.receive(T0.plusSeconds(1));
    assertEquals(3, batch.size());
    // The function stops at the first failure and reports it and the rest of its group.
    queue.complete(batch, Set.of(batch.get(0).id, batch.get(1).id), T0.plusSeconds(1));

    queue.send("third", "g", T0.plusSeconds(50), null);
    assertTrue(queue.receive(T0.plusSeconds(100)).isEmpty(), "group g waits, h is done");
    for (int i = 0; i < 12; i++) {
      queue.send("later " + i, "g", T0.plusSeconds(60 + i), null);
    }
    assertEquals(T0.plusSeconds(181), queue.nextBatchAt(), "the head's time, however many wait");
    List<SqsModel.Message> again = queue.receive(T0.plusSeconds(181));
    assertEquals(
        List.of("first", "second", "third", "later 0"),
        again.stream().limit(4).map(m -> m.body).toList());
    assertEquals(10, again.size());
  }

  @Test
  void aMessageFailedMaxReceiveCountTimes_movesToTheDeadLetterQueue() {
    SqsModel queue = standard();
    queue.send("bad", null, T0, null);
    Instant now = T0;
    for (int receive = 1; receive <= 5; receive++) {
      now = queue.nextBatchAt();
      List<SqsModel.Message> batch = queue.receive(now);
      assertEquals(1, batch.size(), "receive " + receive);
      queue.complete(batch, Set.of(batch.get(0).id), now);
    }
    assertTrue(queue.isEmpty());
    assertEquals(1, queue.deadLetters().size());
    assertNull(queue.nextBatchAt());
    assertEquals(
        T0.plusSeconds(2 + 4 * (180 + 2)), now, "each receive waits out the 2 s window again");
  }

  @Test
  void standard_waitsUpToTheBatchingWindow_orUntilTheBatchIsFull() {
    SqsModel queue = standard();
    queue.send("a", null, T0, null);
    assertEquals(T0.plusSeconds(2), queue.nextBatchAt());
    for (int i = 1; i < 10; i++) {
      queue.send("m" + i, null, T0.plusMillis(100L * i), null);
    }
    assertEquals(T0.plusMillis(900), queue.nextBatchAt(), "full at the tenth message");
    assertEquals(10, queue.receive(T0.plusMillis(900)).size());
  }

  @Test
  void contentBasedDeduplicationId_isTheBodysSha256() {
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        SqsModel.sha256("abc"),
        "the FIPS 180-2 test vector");
  }
}
