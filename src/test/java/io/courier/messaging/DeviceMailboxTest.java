package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The drain, window and cursor of one device, without gRPC or a database: every call completes inline. */
class DeviceMailboxTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final DeviceAddress DEVICE = new DeviceAddress(UUID.randomUUID(), 1);
    private static final Duration RESCAN = Duration.ofSeconds(15);

    private final MemoryInbox inbox = new MemoryInbox();
    private final RecordingOutlet outlet = new RecordingOutlet();
    private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    private long nextId = ServerIds.lowestAt(NOW.minus(Duration.ofHours(1)));

    private DeviceMailbox mailbox(int window, int windowBytes) {
        return new DeviceMailbox(DEVICE, inbox, inbox::settle, outlet,
                new MailboxLimits(window, windowBytes, 4, 2, RESCAN), Clock.fixed(NOW, ZoneOffset.UTC), timer,
                Runnable::run);
    }

    private InboxItem store(int bytes) {
        InboxItem item = new InboxItem.Message(nextId += 1000, UUID.randomUUID(), 1, nextId, NOW,
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[bytes], null, null);
        inbox.rows.put(item.serverId(), item);
        return item;
    }

    @Test
    void drainsInIdOrderUpToTheWindowThenResumesAsAcksFreeIt() {
        List<InboxItem> stored = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stored.add(store(10));
        }
        DeviceMailbox mailbox = mailbox(3, 1 << 20);

        mailbox.start();

        assertThat(outlet.delivered).containsExactlyElementsOf(stored.subList(0, 3));
        assertThat(outlet.queueEmpty).isZero();
        for (int acked = 0; acked < 10; acked++) {
            mailbox.ack(List.of(stored.get(acked).serverId())).block();
        }
        assertThat(outlet.delivered).containsExactlyElementsOf(stored);
        assertThat(outlet.queueEmpty).isOne();
    }

    @Test
    void theWindowIsBoundedInBytesTooButOneLargeItemAlwaysFits() {
        InboxItem big = store(5000);
        InboxItem small = store(10);
        DeviceMailbox mailbox = mailbox(256, 1000);

        mailbox.start();

        assertThat(outlet.delivered).containsExactly(big);
        mailbox.ack(List.of(big.serverId())).block();
        assertThat(outlet.delivered).containsExactly(big, small);
    }

    @Test
    void theCursorNeverPassesAMessageWhosePushWasMissedAndARescanDeliversIt() {
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        assertThat(outlet.queueEmpty).isOne();
        InboxItem missed = store(10); // stored, but its push never arrives
        InboxItem pushed = store(10);

        mailbox.push(pushed);
        mailbox.ack(List.of(pushed.serverId())).block();

        assertThat(inbox.cursor).isLessThan(missed.serverId());
        timer.advanceTimeBy(RESCAN);
        assertThat(outlet.delivered).containsExactly(pushed, missed);
        mailbox.ack(List.of(missed.serverId())).block();
        assertThat(inbox.cursor).isEqualTo(missed.serverId());
    }

    @Test
    void aPushThatArrivesWhileAScanIsReadingIsDeliveredEvenIfTheReadMissedIt() {
        Sinks.One<List<InboxItem>> slowRead = Sinks.one();
        inbox.nextRead = slowRead.asMono();
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        InboxItem late = store(10); // lands after the read started

        mailbox.push(late);
        slowRead.tryEmitValue(List.of());

        assertThat(outlet.delivered).containsExactly(late);
    }

    @Test
    void pushesBeyondTheWindowAreDroppedAndFoundByARescanWhenAcksFreeRoom() {
        DeviceMailbox mailbox = mailbox(2, 1 << 20);
        mailbox.start();
        InboxItem first = store(10);
        InboxItem second = store(10);
        InboxItem third = store(10);

        mailbox.push(first);
        mailbox.push(second);
        mailbox.push(third);

        assertThat(outlet.delivered).containsExactly(first, second);
        mailbox.ack(List.of(first.serverId(), second.serverId())).block();
        assertThat(outlet.delivered).containsExactly(first, second, third);
    }

    @Test
    void acksOfIdsNotInTheInboxAreRefusedAndDuplicatesChangeNothing() {
        InboxItem item = store(10);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();

        mailbox.ack(List.of(item.serverId(), 42L)).block();
        mailbox.ack(List.of(item.serverId())).block();

        assertThat(outlet.refused).containsExactly(List.of(42L));
        assertThat(inbox.settledIds).containsExactly(item.serverId(), 42L);
    }

    @Test
    void quietWaitsForEveryAckTakenBefore() {
        InboxItem item = store(10);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        Sinks.One<List<Long>> slowSettle = Sinks.one();
        inbox.nextSettle = slowSettle.asMono();

        mailbox.ack(List.of(item.serverId())).block();
        Mono<Void> settled = mailbox.quiet();

        assertThat(settled.toFuture()).isNotDone();
        slowSettle.tryEmitValue(List.of());
        assertThat(settled.toFuture()).isCompleted();
    }

    @Test
    void rescansStartNearThePreviousScanNotAtTheLaggingCursor() {
        nextId = ServerIds.lowestAt(NOW.minus(Duration.ofMinutes(1)));
        InboxItem recent = store(10);
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();
        mailbox.ack(List.of(recent.serverId())).block();

        timer.advanceTimeBy(RESCAN);

        assertThat(inbox.cursor).as("the cursor lags five minutes").isLessThan(recent.serverId());
        assertThat(inbox.readsAfter).as("first the drain from the cursor, then the rescan")
                .containsExactly(0L, recent.serverId());
    }

    @Test
    void pushesHeldDuringAScanAreBoundedInBytesAndTheRestFoundByARescan() {
        Sinks.One<List<InboxItem>> slowRead = Sinks.one();
        inbox.nextRead = slowRead.asMono();
        DeviceMailbox mailbox = mailbox(16, 1000);
        mailbox.start();
        InboxItem first = store(500);
        InboxItem second = store(500);

        mailbox.push(first);
        mailbox.push(second); // would hold more than the window's bytes: dropped, found again by a rescan
        slowRead.tryEmitValue(List.of());

        assertThat(outlet.delivered).containsExactly(first);
        mailbox.ack(List.of(first.serverId())).block();
        assertThat(outlet.delivered).containsExactly(first, second);
    }

    @Test
    void quietWaitsForAnInboxReadInFlight() {
        Sinks.One<List<InboxItem>> slowRead = Sinks.one();
        inbox.nextRead = slowRead.asMono();
        DeviceMailbox mailbox = mailbox(16, 1 << 20);
        mailbox.start();

        Mono<Void> quiet = mailbox.quiet();

        assertThat(quiet.toFuture()).isNotDone();
        slowRead.tryEmitValue(List.of());
        assertThat(quiet.toFuture()).isCompleted();
    }

    /** An inbox in memory; reads and settles complete inline unless a test hands in a slower one. */
    private static final class MemoryInbox implements MailboxStorage {
        final TreeMap<Long, InboxItem> rows = new TreeMap<>();
        final List<Long> settledIds = new ArrayList<>();
        final List<Long> readsAfter = new ArrayList<>();
        long cursor;
        Mono<List<InboxItem>> nextRead;
        Mono<List<Long>> nextSettle;

        @Override
        public Mono<Long> cursor(DeviceAddress device) {
            return Mono.just(cursor);
        }

        @Override
        public Mono<List<InboxItem>> readAfter(DeviceAddress device, long after, int limit) {
            readsAfter.add(after);
            if (nextRead != null) {
                Mono<List<InboxItem>> read = nextRead;
                nextRead = null;
                return read;
            }
            return Mono.just(rows.tailMap(after, false).values().stream().limit(limit).toList());
        }

        @Override
        public Mono<Void> advanceCursor(DeviceAddress device, long ackedThrough) {
            cursor = ackedThrough;
            return Mono.empty();
        }

        Mono<List<Long>> settle(DeviceAddress device, List<InboxItem> delivered, List<Long> unknown) {
            delivered.forEach(item -> settledIds.add(item.serverId()));
            settledIds.addAll(unknown);
            delivered.forEach(item -> rows.remove(item.serverId()));
            List<Long> refused = unknown.stream().filter(id -> rows.remove(id) == null).toList();
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
