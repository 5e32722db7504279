package dev.batchrunner.core.testing;

import static dev.batchrunner.core.lifecycle.RequestStatus.DISPATCHED;
import static dev.batchrunner.core.lifecycle.RequestStatus.IN_PROGRESS;
import static java.time.temporal.ChronoUnit.MILLIS;
import static java.time.temporal.ChronoUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.core.dispatch.Claim;
import dev.batchrunner.core.dispatch.IdempotencyRecord;
import dev.batchrunner.core.dispatch.IdempotencyStore;
import dev.batchrunner.core.lifecycle.Attempt;
import dev.batchrunner.core.lifecycle.RequestStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the dispatcher relies on from every {@link IdempotencyStore}, run against each one (the
 * in-memory fake and the DynamoDB adapter) so that the fake the unit tests use cannot drift from
 * the store production uses. A subclass supplies a new, empty store per test; time is the
 * contract's {@link #clock}, passed as {@code now} the way the dispatcher passes it. Every record
 * is read back through the port itself: a later claim of the same key answers with the stored
 * record.
 */
public abstract class IdempotencyStoreContract {
  /**
   * Ahead of the wall clock, so that a store which also expires items in real time (DynamoDB TTL)
   * can never race the contract's own clock.
   */
  protected static final Instant START = Instant.parse("2040-01-01T00:00:00Z");

  /** How long a record blocks duplicates (a batch's idempotency window). */
  protected static final Duration WINDOW = Duration.ofHours(24);

  /** How long an IN_PROGRESS claim holds before it counts as abandoned. */
  protected static final Duration HOLD = Duration.ofSeconds(40);

  protected static final String KEY = "daily-report#" + "0f".repeat(32);
  private static final String OTHER_KEY = "daily-report#" + "a1".repeat(32);

  private static final String TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/batch/0aaa";
  private static final String TASK_ARN_2 = "arn:aws:ecs:eu-west-1:123456789012:task/batch/0bbb";
  private static final List<String> TASK_ARNS = List.of(TASK_ARN);

  protected final MutableClock clock = new MutableClock(START);
  private IdempotencyStore store;

  /** A new, empty store; called before each test. */
  protected abstract IdempotencyStore newStore();

  /**
   * The IN_PROGRESS record that the invocation {@code claimId} writes to claim {@code id} at {@code
   * now}, as the dispatcher builds it (trace id and request hash told apart by the claim id). The
   * only place this contract constructs a record: if IdempotencyRecord's construction changes,
   * change it here.
   */
  protected static IdempotencyRecord claimRecord(String id, String claimId, Instant now) {
    return IdempotencyRecord.builder()
        .id(id)
        .batchTypeId("daily-report")
        .status(IN_PROGRESS)
        .traceId("trace-" + claimId)
        .requestHash("hash-" + claimId)
        .createdAt(now)
        .expiresAt(now.plus(WINDOW))
        .inProgressUntil(now.plus(HOLD))
        .claimId(claimId)
        .revision("rev-" + claimId)
        .build();
  }

  @BeforeEach
  final void createStore() {
    store = newStore();
  }

  // --- claim ---------------------------------------------------------------------------------

  @Test
  void claim_whenNoRecordExists_acquiresAndStoresTheRecordAsWritten() {
    IdempotencyRecord first = claimOf("first");

    assertEquals(new Claim.Acquired(), claim(first));
    assertEquals(new Claim.Existing(first), claim(claimOf("second")));
  }

  @Test
  void claim_whenAnotherKeyIsClaimed_acquires() {
    claim(claimOf("first"));
    IdempotencyRecord other = claimRecord(OTHER_KEY, "second", clock.instant());

    assertEquals(new Claim.Acquired(), claim(other));
    assertEquals(
        new Claim.Existing(other), claim(claimRecord(OTHER_KEY, "third", clock.instant())));
  }

  @Test
  void claim_whenALiveRecordIsDispatched_returnsTheFirstDispatchAndWritesNothing() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    markDispatched(TASK_ARN);
    // Past the claim's hold: only the window keeps a DISPATCHED record live.
    clock.advance(HOLD.plusMinutes(5));

    assertDispatched(first, TASK_ARNS, claim(claimOf("second")));
    // The duplicate replaced nothing: a third writer still sees the first dispatch.
    assertDispatched(first, TASK_ARNS, claim(claimOf("third")));
  }

  @Test
  void claim_whenAnInProgressClaimIsWithinItsHold_returnsItInProgress() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    // Exactly at inProgressUntil: the holder may still be starting the task.
    clock.advance(HOLD);

    Claim duplicate = claim(claimOf("second"));

    assertEquals(new Claim.Existing(first), duplicate);
    assertEquals(IN_PROGRESS, ((Claim.Existing) duplicate).record().status());
  }

  @Test
  void claim_whenAnInProgressClaimIsPastItsHold_stillReturnsItForTheDispatcherToTakeOver() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    // The holder died (timeout, crash): the record keeps its attempts; the dispatcher replaces it.
    clock.advance(HOLD.plusSeconds(1));

    assertEquals(new Claim.Existing(first), claim(claimOf("second")));
  }

  @Test
  void claim_whenTheRecordIsPastExpiresAt_takesItOverWithTheNewRecord() {
    claim(claimOf("first"));
    markDispatched(TASK_ARN);
    // TTL deletion is lazy (DynamoDB: up to days later): the expired record is still there.
    clock.advance(WINDOW.plusSeconds(1));
    IdempotencyRecord second = claimOf("second");

    assertEquals(new Claim.Acquired(), claim(second));
    // Replaced whole: IN_PROGRESS again, the new trace id and hash, no task ARN of the first.
    assertEquals(new Claim.Existing(second), claim(claimOf("third")));
  }

  @Test
  void claim_untilTheSecondOfExpiresAtHasPassed_stillBlocks() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    markDispatched(TASK_ARN);
    // expiresAt is DynamoDB's TTL attribute, in whole seconds: live through its whole second.
    clock.advance(WINDOW.plusMillis(999));

    assertDispatched(first, TASK_ARNS, claim(claimOf("second")));

    clock.advance(Duration.ofMillis(1));
    assertEquals(new Claim.Acquired(), claim(claimOf("third")));
  }

  @Test
  void claim_withSubSecondTimes_readsBackAtTheStoredPrecision() {
    clock.advance(Duration.ofNanos(123_456_789));
    IdempotencyRecord first = claimOf("first");
    claim(first);

    IdempotencyRecord stored =
        assertInstanceOf(Claim.Existing.class, claim(claimOf("second"))).record();

    // What a DynamoDB item holds: expiresAt in epoch seconds (TTL), inProgressUntil in epoch
    // millis, createdAt as ISO-8601 text. A duplicate sees the same times on every store.
    assertAll(
        () -> assertEquals(first.expiresAt().truncatedTo(SECONDS), stored.expiresAt()),
        () -> assertEquals(first.inProgressUntil().truncatedTo(MILLIS), stored.inProgressUntil()),
        () -> assertEquals(first.createdAt(), stored.createdAt()));
  }

  @Test
  void claim_whenManyWritersRace_acquiresForExactlyOne() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Claim>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        IdempotencyRecord mine = claimOf("writer-" + i);
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return claim(mine);
                }));
      }
      go.countDown();
      List<Claim> claims = new ArrayList<>();
      for (Future<Claim> future : futures) {
        claims.add(future.get(30, TimeUnit.SECONDS));
      }

      List<String> winners = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (claims.get(i) instanceof Claim.Acquired) {
          winners.add("writer-" + i);
        }
      }
      assertEquals(1, winners.size(), "winners " + winners + " of " + claims);
      for (Claim claim : claims) {
        if (claim instanceof Claim.Existing existing) {
          assertEquals(winners.get(0), existing.record().claimId(), "every loser sees the winner");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- release -------------------------------------------------------------------------------

  @Test
  void release_byTheHolder_deletesTheClaim() {
    claim(claimOf("first"));

    store.release(KEY, "first");

    // Free for the redelivery at once, without waiting for the hold.
    assertEquals(new Claim.Acquired(), claim(claimOf("second")));
  }

  @Test
  void release_withAnotherClaimId_leavesTheClaim() {
    IdempotencyRecord first = claimOf("first");
    claim(first);

    store.release(KEY, "someone-else");

    assertEquals(new Claim.Existing(first), claim(claimOf("second")));
  }

  @Test
  void release_byTheFirstHolderAfterATakeover_leavesTheNewClaim() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    clock.advance(HOLD.plusSeconds(1));
    IdempotencyRecord second = first.toBuilder().claimId("second").revision("rev-second").build();
    assertTrue(store.replace(second, first.revision()));

    // The first holder's launch failed late: it must not free the key the second is launching.
    store.release(KEY, "first");

    assertEquals(new Claim.Existing(second), claim(claimOf("third")));
  }

  @Test
  void release_ofADispatchedRecord_doesNothing() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    markDispatched(TASK_ARN);

    store.release(KEY, "first");

    assertDispatched(first, TASK_ARNS, claim(claimOf("second")));
  }

  @Test
  void release_whenNoRecordExists_doesNothing() {
    assertDoesNotThrow(() -> store.release(KEY, "first"));

    assertEquals(new Claim.Acquired(), claim(claimOf("first")));
  }

  // --- find ----------------------------------------------------------------------------------

  @Test
  void find_whenNoRecordExists_isEmpty() {
    assertEquals(Optional.empty(), store.find(KEY));
  }

  @Test
  void find_returnsTheStoredRecordEvenPastItsWindow() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    clock.advance(WINDOW.plusHours(1));

    assertEquals(Optional.of(first), store.find(KEY));
  }

  // --- replace -------------------------------------------------------------------------------

  @Test
  void replace_withTheRevisionRead_writesTheWholeRecord() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    IdempotencyRecord full = lifecycleRecord(first);

    assertTrue(store.replace(full, first.revision()));

    assertEquals(Optional.of(full), store.find(KEY));
  }

  @Test
  void replace_withAStaleRevision_writesNothing() {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    IdempotencyRecord winner = first.toBuilder().revision("rev-winner").claimId("winner").build();
    assertTrue(store.replace(winner, first.revision()));

    boolean written =
        store.replace(first.toBuilder().revision("rev-loser").build(), first.revision());

    assertFalse(written);
    assertEquals(Optional.of(winner), store.find(KEY));
  }

  @Test
  void replace_whenTheRecordIsGone_writesNothing() {
    assertFalse(store.replace(claimOf("first"), "rev-nobody"));

    assertEquals(Optional.empty(), store.find(KEY));
  }

  @Test
  void replace_whenManyWritersReadTheSameRevision_writesExactlyOne() throws Exception {
    IdempotencyRecord first = claimOf("first");
    claim(first);
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        IdempotencyRecord mine = first.toBuilder().revision("rev-" + i).claimId("w-" + i).build();
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return store.replace(mine, first.revision());
                }));
      }
      go.countDown();
      List<Integer> winners = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (futures.get(i).get(30, TimeUnit.SECONDS)) {
          winners.add(i);
        }
      }
      assertEquals(1, winners.size(), "winners " + winners);
      assertEquals(
          "w-" + winners.get(0), store.find(KEY).orElseThrow().claimId(), "the winner's write");
    } finally {
      pool.shutdownNow();
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * {@code claimed} after two attempts, with every lifecycle component set, at the stored
   * precision: what a store must keep whole.
   */
  protected static IdempotencyRecord lifecycleRecord(IdempotencyRecord claimed) {
    Instant t = claimed.createdAt();
    Attempt first =
        new Attempt(
            1,
            TASK_ARN,
            "STOPPED",
            6,
            1,
            "EssentialContainerExited",
            "Essential container in task exited",
            null,
            t.plusSeconds(30),
            t.plusSeconds(90));
    Attempt second =
        new Attempt(
            2, TASK_ARN_2, "RUNNING", 3, null, null, null, "pulled", t.plusSeconds(100), null);
    return claimed.toBuilder()
        .status(RequestStatus.RUNNING)
        .explicitKey("daily-report/2026-11-23")
        .parameters(Map.of("reportDate", "2026-11-23", "tenant", "all"))
        .attempts(2, List.of(first, second))
        .inProgressUntil(null)
        .claimId(null)
        .revision("rev-lifecycle")
        .completionDue(t.plusMillis(1234))
        .build();
  }

  // --- helpers -------------------------------------------------------------------------------

  /** What the dispatcher writes once RunTask returned: DISPATCHED with the task, claim cleared. */
  private void markDispatched(String taskArn) {
    IdempotencyRecord read = store.find(KEY).orElseThrow();
    assertTrue(
        store.replace(
            read.with(read.lifecycle().dispatched(taskArn)).toBuilder()
                .inProgressUntil(null)
                .claimId(null)
                .revision("rev-dispatched-" + read.revision())
                .build(),
            read.revision()));
  }

  private IdempotencyRecord claimOf(String claimId) {
    return claimRecord(KEY, claimId, clock.instant());
  }

  private Claim claim(IdempotencyRecord record) {
    return store.claim(record, clock.instant());
  }

  /** {@code actual} is the record {@code claimed} wrote, marked DISPATCHED with no claim left. */
  private static void assertDispatched(
      IdempotencyRecord claimed, List<String> taskArns, Claim actual) {
    IdempotencyRecord found = assertInstanceOf(Claim.Existing.class, actual).record();
    assertAll(
        () -> assertEquals(claimed.id(), found.id(), "id"),
        () -> assertEquals(claimed.batchTypeId(), found.batchTypeId(), "batchTypeId"),
        () -> assertEquals(DISPATCHED, found.status(), "status"),
        () -> assertEquals(claimed.traceId(), found.traceId(), "the first dispatch's trace id"),
        () -> assertEquals(claimed.requestHash(), found.requestHash(), "the first request's hash"),
        () -> assertEquals(taskArns, found.taskArns(), "taskArns"),
        () -> assertEquals(claimed.createdAt(), found.createdAt(), "createdAt"),
        () -> assertEquals(claimed.expiresAt(), found.expiresAt(), "expiresAt"),
        () -> assertNull(found.inProgressUntil(), "the claim's hold is cleared"),
        () -> assertNull(found.claimId(), "the claim is cleared: no release can delete it"));
  }
}
