package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The drain, window and mark of one device over a real {@link DeviceQueue} held in memory, without gRPC, the grid
 * or a database: every call completes inline unless a test hands in a slower one.
 */
class DeviceMailboxTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final DeviceAddress DEVICE = new DeviceAddress(UUID.randomUUID(), 1);
    private static final Duration RESCAN = Duration.ofSeconds(15);

    private final MemoryQueue queue = new MemoryQueue();
    private final RecordingOutlet outlet = new RecordingOutlet();
    private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    private final List<Long> depths = new ArrayList<>();
    private long nextId = 1_000_000;

    private DeviceMailbox mailbox(int window, int windowBytes) {
        return new DeviceMailbox(DEVICE, new Presence("member", 1), queue, queue::settle, outlet,
                new MailboxLimits(window, windowBytes, 4, 2, RESCAN), timer, Runnable::run,
                Clock.fixed(NOW, ZoneOffset.UTC), depths::add);
    }

    /** Lets a waiting move of the mark go ({@link DeviceMailbox#MARK_LINGER_MILLIS}). */
    private void lingerOver() {
        timer.advanceTimeBy(Duration.ofMillis(DeviceMailbox.MARK_LINGER_MILLIS));
    }

    private InboxItem message(int bytes) {
        return new InboxItem.Message(nextId += 1000, UUID.randomUUID(), 1, nextId, NOW,
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[bytes], null, null);
    }

    /** Enqueues an item; the returned copy carries its sequence, as a push would. */
    private Queued store(int bytes) {
        return queue.enqueue(message(bytes));
    }

    private static List<InboxItem> items(List<Queued> queued) {
        return queued.stream().map(Queued::item).toList();
    }

    @Test
    void drainsInSequenceOrderUpToTheWindowThenResumesAsAcksFreeIt() {
        List<Queued> stored = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stored.add(store(10));
        }
        DeviceMailbox mailbox = mailbox(3, 1 << 20);

        mailbox.start();

        assertThat(outlet.delivered).containsExactlyElementsOf(items(stored.subList(0, 3)));
        assertThat(outlet.queueEmpty).isZero();
        for (int acked = 0; acked < 10; acked++) {
            mailbox.ack(List.of(stored.get(acked).item().serverId())).block();
        }
        assertThat(outlet.delivered).containsExactlyElementsOf(items(stored));
        assertThat(outlet.queueEmpty).isOne();
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(stored.get(9).seq());
    }

    @Test
    void aDisappearingMessagePastItsTimeIsNotDeliveredAndTheMarkPassesIt() {
        Queued expired = queue.enqueue(new InboxItem.Message(nextId += 1000, UUID.randomUUID(), 1, nextId,
                NOW.minusSeconds(60), EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[10], null, null,
                NOW, null));
        Queued running = queue.enqueue(new InboxItem.Message(nextId += 1000, UUID.randomUUID(), 1, nextId,
                NOW.minusSeconds(60), EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[10], null, null,
                NOW.plusSeconds(1), null));
        DeviceMailbox mailbox = mailbox(16, 1 << 20);

        mailbox.start();
        Queued pushedLate = queue.enqueue(new InboxItem.Message(nextId += 1000, UUID.randomUUID(), 1, nextId,
                NOW.minusSeconds(5), EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[10], null, null,
                NOW.minusMillis(1), null));
        mailbox.push(pushedLate);

        assertThat(outlet.delivered).containsExactly(running.item());
        mailbox.ack(List.of(running.item().serverId())).block();
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(pushedLate.seq());
        assertThat(queue.settledIds).doesNotContain(expired.item().serverId(), pushedLate.item().serverId());
    }

    @Test
    void theWindowIsBoundedInBytesTooButOneLargeItemAlwaysFits() {
        Queued big = store(5000);
        Queued small = store(10);
        DeviceMailbox mailbox = mailbox(256, 1000);

        mailbox.start();

        assertThat(outlet.delivered).containsExactly(big.item());
        mailbox.ack(List.of(big.item().serverId())).block();
        assertThat(outlet.delivered).containsExactly(big.item(), small.item());
    }

    @Test
    void theMarkNeverPassesAnItemWhosePushWasMissedAndTheNextPushsGapReadsIt() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        assertThat(outlet.queueEmpty).isOne();
        Queued missed = store(10); // enqueued, but its push never arrives
        Queued pushed = store(10);

        mailbox.push(pushed);

        assertThat(outlet.delivered).as("the gap before the push is read first")
                .containsExactly(missed.item(), pushed.item());
        mailbox.ack(List.of(pushed.item().serverId())).block();
        lingerOver();
        assertThat(queue.state.ackedThrough).isLessThan(missed.seq());
        mailbox.ack(List.of(missed.item().serverId())).block();
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(pushed.seq());
    }

    @Test
    void anIdleStreamRescansLessAndLessOftenAndADeliveryBringsTheIntervalBack() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        int afterOpen = queue.reads;

        // Idle: 15 s, then 30, 60, 120, 120 s between reads.
        List<Integer> readsAt = new ArrayList<>();
        for (int second = 1; second <= 15 + 30 + 60 + 120 + 120; second++) {
            timer.advanceTimeBy(Duration.ofSeconds(1));
            if (queue.reads > afterOpen + readsAt.size()) {
                readsAt.add(second);
            }
        }
        assertThat(readsAt).containsExactly(15, 45, 105, 225, 345);

        // A delivery: the next rescan comes after the configured interval again, not two minutes later.
        Queued pushed = store(10);
        mailbox.push(pushed);
        int afterPush = queue.reads;
        timer.advanceTimeBy(RESCAN);
        assertThat(queue.reads).isEqualTo(afterPush + 1);
        assertThat(outlet.delivered).containsExactly(pushed.item());
    }

    @Test
    void aLostLastPushIsFoundByTheRescan() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Queued lost = store(10); // its push never arrives and nothing follows it

        timer.advanceTimeBy(RESCAN);

        assertThat(outlet.delivered).containsExactly(lost.item());
    }

    @Test
    void anItemEnqueuedAfterLaterOnesWereAckedIsStillDelivered() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Queued newer = store(10);
        mailbox.push(newer);
        mailbox.ack(List.of(newer.item().serverId())).block();
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(newer.seq());

        // A resumed fan-out job's copy of an older message (a lower server id) arrives after the ack.
        InboxItem older = new InboxItem.Message(newer.item().serverId() - 500, UUID.randomUUID(), 1, 1, NOW,
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, new byte[10], UUID.randomUUID(), null);
        Queued late = queue.enqueue(older);

        assertThat(late.seq()).isGreaterThan(newer.seq());
        mailbox.push(late);
        assertThat(outlet.delivered).containsExactly(newer.item(), older);
    }

    @Test
    void aPushThatArrivesWhileTheOpenIsInFlightIsDeliveredAfterItsFirstPage() {
        Sinks.One<QueuePage> slowOpen = Sinks.one();
        queue.nextRead = slowOpen.asMono(); // the open's first page
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Queued late = store(10); // lands after the open read its first page

        mailbox.push(late);
        slowOpen.tryEmitValue(new QueuePage(List.of(), queue.state.ackedThrough));

        assertThat(outlet.delivered).containsExactly(late.item());
    }

    @Test
    void aPushThatArrivesWhileAReadIsInFlightIsDeliveredAfterIt() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        long from = queue.state.ackedThrough;
        Sinks.One<QueuePage> slowRead = Sinks.one();
        queue.nextRead = slowRead.asMono();
        timer.advanceTimeBy(RESCAN); // the rescan's read starts and hangs
        Queued late = store(10); // lands after that read started

        mailbox.push(late);
        slowRead.tryEmitValue(new QueuePage(List.of(), from)); // the read saw nothing: only the push brings it in

        assertThat(outlet.delivered).containsExactly(late.item());
    }

    @Test
    void pushesBeyondTheWindowAreReadAgainWhenAcksFreeRoom() {
        DeviceMailbox mailbox = mailbox(2, 1 << 20);
        mailbox.start();
        Queued first = store(10);
        Queued second = store(10);
        Queued third = store(10);

        mailbox.push(first);
        mailbox.push(second);
        mailbox.push(third);

        assertThat(outlet.delivered).containsExactly(first.item(), second.item());
        mailbox.ack(List.of(first.item().serverId(), second.item().serverId())).block();
        assertThat(outlet.delivered).containsExactly(first.item(), second.item(), third.item());
    }

    @Test
    void eachLivePushTellsHowManyItemsWaitPastTheAckMark() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Queued first = store(10);
        Queued second = store(10);
        mailbox.push(first);
        mailbox.push(second);
        mailbox.ack(List.of(first.item().serverId())).block();
        Queued third = store(10);
        mailbox.push(third);

        assertThat(depths).containsExactly(1L, 2L, 2L);
    }

    @Test
    void aServerIdQueuedTwiceIsDeliveredOnceAndOneAckSettlesBoth() {
        InboxItem retried = message(10);
        Queued firstCopy = queue.enqueue(retried);
        Queued secondCopy = queue.enqueue(retried);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);

        mailbox.start();
        mailbox.ack(List.of(retried.serverId())).block();

        assertThat(outlet.delivered).containsExactly(retried);
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(secondCopy.seq()).isGreaterThan(firstCopy.seq());
    }

    @Test
    void aCopyOfAnItemWhoseAckIsStillSettlingIsNotDeliveredAgain() {
        InboxItem message = message(10);
        Queued first = queue.enqueue(message);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Sinks.One<List<Long>> slowSettle = Sinks.one();
        queue.nextSettle = slowSettle.asMono();
        mailbox.ack(List.of(message.serverId())).block();

        Queued again = queue.enqueue(message); // a resumed fan-out job's copy
        mailbox.push(again);
        slowSettle.tryEmitValue(List.of());

        assertThat(outlet.delivered).containsExactly(message);
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(again.seq()).isGreaterThan(first.seq());
    }

    @Test
    void acksOfIdsNotInTheQueueAreRefusedAndDuplicatesChangeNothing() {
        Queued item = store(10);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();

        mailbox.ack(List.of(item.item().serverId(), 42L)).block();
        mailbox.ack(List.of(item.item().serverId())).block();

        assertThat(outlet.refused).containsExactly(List.of(42L));
        assertThat(queue.settledIds).containsExactly(item.item().serverId(), 42L);
    }

    @Test
    void acksWithinTheLingerMoveTheMarkInOneCall() {
        List<Queued> stored = List.of(store(10), store(10), store(10));
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();

        stored.forEach(q -> mailbox.ack(List.of(q.item().serverId())).block());

        assertThat(queue.advances).as("the move waits for more acks").isZero();
        lingerOver();
        assertThat(queue.advances).isOne();
        assertThat(queue.state.ackedThrough).isEqualTo(stored.get(2).seq());
    }

    @Test
    void quietWaitsForEveryAckTakenBefore() {
        Queued item = store(10);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Sinks.One<List<Long>> slowSettle = Sinks.one();
        queue.nextSettle = slowSettle.asMono();

        mailbox.ack(List.of(item.item().serverId())).block();
        Mono<Void> settled = mailbox.quiet();

        assertThat(settled.toFuture()).isNotDone();
        assertThat(queue.state.ackedThrough).as("no mark past an ack still settling").isLessThan(item.seq());
        slowSettle.tryEmitValue(List.of());
        assertThat(settled.toFuture()).isCompleted();
        assertThat(queue.state.ackedThrough).isEqualTo(item.seq());
    }

    @Test
    void quietWaitsForAQueueReadInFlight() {
        Sinks.One<QueuePage> slowRead = Sinks.one();
        queue.nextRead = slowRead.asMono();
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();

        Mono<Void> quiet = mailbox.quiet();

        assertThat(quiet.toFuture()).isNotDone();
        slowRead.tryEmitValue(new QueuePage(List.of(), queue.state.ackedThrough));
        assertThat(quiet.toFuture()).isCompleted();
    }

    /** A started mailbox that acked the item; if {@code nextAdvance} is given, the ack's move waits for it. */
    private DeviceMailbox ackedBy(Queued item, Mono<Boolean> nextAdvance) {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        queue.nextAdvance = nextAdvance;
        mailbox.ack(List.of(item.item().serverId())).block();
        return mailbox;
    }

    @Test
    void quietWaitsForTheMarkTheAcksMove() {
        Queued item = store(10);
        Sinks.One<Boolean> slowAdvance = Sinks.one();
        DeviceMailbox mailbox = ackedBy(item, slowAdvance.asMono());

        Mono<Void> quiet = mailbox.quiet();

        assertThat(quiet.toFuture()).as("the ack's room in the quota is released by the mark").isNotDone();
        slowAdvance.tryEmitValue(false);
        assertThat(quiet.toFuture()).isCompleted();
        assertThat(queue.state.ackedThrough).isEqualTo(item.seq());
    }

    @Test
    void whileTheStreamLivesTheMarkIsWrittenToTheLogOnlyOnceAMovePassedAnItemTheLogHolds() {
        Queued inMemory = store(10);
        Queued alsoInMemory = store(10);
        Queued logged = store(10);
        queue.state.stored(List.of(logged.seq()), Set.of()); // spilled, or written through
        DeviceMailbox mailbox = ackedBy(inMemory, null);
        lingerOver();
        timer.advanceTimeBy(Duration.ofSeconds(11)); // past the 10 s between writes

        mailbox.ack(List.of(alsoInMemory.item().serverId())).block();
        lingerOver();
        assertThat(queue.state.ackedThrough).isEqualTo(alsoInMemory.seq());
        assertThat(queue.persisted).as("the log holds nothing a drain from its mark would find").isEqualTo(-1);

        mailbox.ack(List.of(logged.item().serverId())).block();
        lingerOver();
        assertThat(queue.persisted).isEqualTo(logged.seq());
    }

    @Test
    void closingWritesTheMarkToTheLogWhateverItPassed() {
        Queued item = store(10);
        DeviceMailbox mailbox = ackedBy(item, null);

        mailbox.close();

        assertThat(queue.persisted).isEqualTo(item.seq());
    }

    @Test
    void closingDoesNotWriteAgainAMarkThisStreamAlreadyWroteToTheLog() {
        Queued logged = store(10);
        Queued later = store(10);
        queue.state.stored(List.of(logged.seq()), Set.of());
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        timer.advanceTimeBy(Duration.ofSeconds(11)); // past the 10 s between writes
        mailbox.ack(List.of(logged.item().serverId())).block();
        lingerOver();
        assertThat(queue.persists).as("the move passed a logged item").isEqualTo(1);

        mailbox.close();

        assertThat(queue.persists).as("the log's mark already is where the stream ends").isEqualTo(1);
        assertThat(queue.persisted).isEqualTo(logged.seq());
        assertThat(later.seq()).isGreaterThan(queue.persisted);
    }

    @Test
    void aStreamThatEndsWhereTheLogsMarkAlreadyIsWritesNothingAndOneThatMovedItWrites() {
        Queued item = store(10);
        DeviceMailbox first = ackedBy(item, null);
        first.close();
        assertThat(queue.persists).isEqualTo(1);

        DeviceMailbox reconnected = mailbox(16, 1 << 20);
        reconnected.start();
        reconnected.close();
        assertThat(queue.persists).as("nothing new: the log holds the mark the stream ends at").isEqualTo(1);

        Queued next = store(10);
        ackedBy(next, null).close();
        assertThat(queue.persists).isEqualTo(2);
        assertThat(queue.persisted).isEqualTo(next.seq());
    }

    @Test
    void aStreamWritesAtItsEndAMarkAnEarlierStreamMovedButNeverWrote() {
        Queued item = store(10);
        queue.state.advance(item.seq()); // an earlier stream's move, its node gone before its end wrote the mark

        DeviceMailbox reconnected = mailbox(16, 1 << 20);
        reconnected.start();
        reconnected.close();

        assertThat(queue.persists).isEqualTo(1);
        assertThat(queue.persisted).isEqualTo(item.seq());
    }

    /** One device's queue in memory; reads and settles complete inline unless a test hands in a slower one. */
    private static final class MemoryQueue implements MailboxStorage {
        private static final DeviceQueue.Limits LIMITS = new DeviceQueue.Limits(1 << 20, 1L << 30, Long.MAX_VALUE);

        final DeviceQueue state = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
        final List<Long> settledIds = new ArrayList<>();
        long persisted = -1;
        int persists;
        Mono<QueuePage> nextRead;
        int reads;
        Mono<List<Long>> nextSettle;
        Mono<Boolean> nextAdvance;
        int advances;

        Queued enqueue(InboxItem item) {
            return new Queued(state.enqueue(UUID.randomUUID(), List.of(item), false, 0, LIMITS), item);
        }

        @Override
        public Mono<Opening> open(DeviceAddress device, Presence stream, int limit, long maxBytes) {
            long mark = state.ackedThrough;
            long logged = state.loggedThrough;
            return read(device, mark, limit, maxBytes).map(first -> new Opening(mark, logged, first));
        }

        @Override
        public Mono<Void> closed(DeviceAddress device, Presence stream) {
            return Mono.empty();
        }

        @Override
        public Mono<QueuePage> read(DeviceAddress device, long after, int limit, long maxBytes) {
            reads++;
            if (nextRead != null) {
                Mono<QueuePage> read = nextRead;
                nextRead = null;
                return read;
            }
            List<Queued> items = state.read(after, limit, maxBytes).items();
            return Mono.just(new QueuePage(items, items.isEmpty() ? after : items.get(items.size() - 1).seq()));
        }

        @Override
        public Mono<Boolean> advance(DeviceAddress device, long ackedThrough) {
            advances++;
            if (nextAdvance != null) {
                Mono<Boolean> advance = nextAdvance;
                nextAdvance = null;
                return advance.doOnSuccess(done -> state.advance(ackedThrough));
            }
            return Mono.just(state.advance(ackedThrough));
        }

        @Override
        public Mono<Void> persistMark(DeviceAddress device, long ackedThrough) {
            persisted = ackedThrough;
            persists++;
            state.logged(ackedThrough);
            return Mono.empty();
        }

        Mono<List<Long>> settle(DeviceAddress device, List<InboxItem> delivered, List<Long> unknown) {
            delivered.forEach(item -> settledIds.add(item.serverId()));
            settledIds.addAll(unknown);
            List<Long> refused = unknown.stream()
                    .filter(id -> state.find(Set.of(id)).isEmpty()).toList();
            if (nextSettle != null) {
                Mono<List<Long>> settle = nextSettle;
                nextSettle = null;
                return settle;
            }
            return Mono.just(refused);
        }
    }

    private static final class RecordingOutlet implements MailboxOutlet {
        final List<InboxItem> delivered = new ArrayList<>();
        final List<List<Long>> refused = new ArrayList<>();
        int queueEmpty;

        @Override
        public void deliver(InboxItem item) {
            delivered.add(item);
        }

        @Override
        public void queueEmpty() {
            queueEmpty++;
        }

        @Override
        public void notDeliveredToYou(List<Long> serverIds) {
            refused.add(serverIds);
        }

        @Override
        public void failed(Throwable error) {
            throw new AssertionError("the mailbox failed", error);
        }
    }
}
