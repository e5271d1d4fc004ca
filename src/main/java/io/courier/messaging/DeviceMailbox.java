package io.courier.messaging;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The queue of one connected device as it is delivered: the drain, the window of un-acked deliveries and the
 * acked-through mark. Items are delivered strictly in their queue's sequence order, from reads of the queue (on
 * connect, when a push shows a gap or finds no room, and every {@code rescanInterval}) and from live pushes that
 * continue exactly where the last delivery ended.
 *
 * <p>Confined: every method must run on {@code serial}, which also runs every completion of the mailbox's own
 * storage calls, so no state is shared between threads.
 *
 * <p>The mark never passes a sequence the mailbox has not read: the queue hands out sequences and holds the item in
 * one step, so once the mailbox has read past a sequence no new item can appear below it.
 */
public final class DeviceMailbox {
    private static final int REMEMBERED_ACKS = 4096;
    /**
     * How often, at most, the mark is also written to the log while the stream lives, once a move passed an item the
     * log holds (and always when the stream ends).
     */
    private static final long PERSIST_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * How long a move of the mark waits for more acks to take along: one grid call (and backup) for all of them, and
     * a send's completion rides it ({@link SendCompletions}). Short beside the hold window, and nobody waits on it: a
     * ping or a read (which wait for {@link #quiet}) and the stream's end move it at once.
     */
    static final long MARK_LINGER_MILLIS = 100;
    /** An idle stream's rescans back off to this many times the configured interval (15 s → 2 min by default). */
    static final int MAX_RESCAN_FACTOR = 8;

    /** Does what an ack means (receipts); completes with the ids that were not the device's to ack. */
    @FunctionalInterface
    public interface AckSettler {
        Mono<List<Long>> settle(DeviceAddress device, List<InboxItem> delivered, List<Long> unknown);
    }

    private record AckBatch(Set<Long> seqs, Set<Long> serverIds, Sinks.Empty<Void> settled) {
    }

    /** What acks leave behind, made at the stream's first ack: an idle stream never acks. */
    private static final class Acks {
        /** The last acked server ids, so a duplicate ack, or a copy read again, changes nothing. */
        final Set<Long> recent = Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > REMEMBERED_ACKS;
            }
        });
        /** Sequences of acks whose bookkeeping is still running: the mark stays below them. */
        final TreeSet<Long> inFlight = new TreeSet<>();
        /** Server ids of those acks: a copy of one read meanwhile (a resumed fan-out job's) is not delivered again. */
        final Set<Long> settling = new HashSet<>();
        /** Small at first: more than a few batches settling at once makes the stream wait (ackBatchesInFlight). */
        final ArrayDeque<AckBatch> batches = new ArrayDeque<>(2);

        boolean known(long serverId) {
            return recent.contains(serverId) || settling.contains(serverId);
        }
    }

    private final DeviceAddress device;
    private final Presence stream;
    private final MailboxStorage storage;
    private final AckSettler settler;
    private final MailboxOutlet outlet;
    private final MailboxLimits limits;
    private final Scheduler timer;
    private final Executor serial;
    private final Clock clock;
    private final LongConsumer queueDepths;

    /** Delivered, not yet acked, by sequence; and their sequences by server id (devices ack by server id). */
    private final TreeMap<Long, Queued> unacked = new TreeMap<>();
    private final Map<Long, Long> unackedSeqs = new HashMap<>();
    private long unackedBytes;
    /** Null until the first ack. */
    private Acks acks;
    private final List<Sinks.Empty<Void>> quietWaiters = new ArrayList<>();

    /** Every item at or below this was read (and delivered, or found acked); -1 until the mark is loaded. */
    private long readThrough = -1;
    private long markedThrough;
    private long markPersistedAt;
    /** A move passed an item the log holds since the mark was last written to the log. */
    private boolean markOwed;
    /**
     * The highest mark this mailbox wrote to the log, or its opening said the log holds: the log's mark only moves
     * forward, so it holds at least this.
     */
    private long persistedThrough = -1;
    private boolean markWriting;
    /** Set while a move of the mark waits out {@link #MARK_LINGER_MILLIS}. */
    private Disposable markLinger;
    private boolean reading;
    /** Something may be in the queue past {@code readThrough}: read once there is room. */
    private boolean readDue;
    private boolean queueEmptySent;
    private boolean closed;
    private Disposable rescanTimer;
    /** The wait before the next rescan: the configured interval, or more while the stream is idle. */
    private long rescanMillis;

    /**
     * @param stream      this mailbox's stream: its member and epoch, which enqueues push to while it is open
     * @param queueDepths told, at each live push, how many items wait past the mark (the pushed one included)
     */
    public DeviceMailbox(DeviceAddress device, Presence stream, MailboxStorage storage, AckSettler settler,
            MailboxOutlet outlet, MailboxLimits limits, Scheduler timer, Executor serial, Clock clock,
            LongConsumer queueDepths) {
        this.device = device;
        this.stream = stream;
        this.storage = storage;
        this.settler = settler;
        this.outlet = outlet;
        this.limits = limits;
        this.rescanMillis = limits.rescanInterval().toMillis();
        this.timer = timer;
        this.markPersistedAt = timer.now(TimeUnit.NANOSECONDS);
        this.serial = serial;
        this.clock = clock;
        this.queueDepths = queueDepths;
    }

    /**
     * Loads the mark and the first page after it, and drains from there. Register presence first: what is enqueued
     * later is pushed, and pushes that come before the drain has read up to them only make it read on.
     */
    public void start() {
        then(storage.open(device, stream, Math.min(limits.page(), limits.window()), limits.windowBytes()),
                opening -> {
                    readThrough = opening.mark();
                    markedThrough = opening.mark();
                    persistedThrough = opening.logged();
                    pageRead(opening.mark(), opening.first());
                });
    }

    /** A live push of an item already in this device's queue. */
    public void push(Queued queued) {
        if (!closed && readThrough >= 0) {
            queueDepths.accept(queued.seq() - Math.max(markedThrough, nextMark())); // a lingering move counts
        }
        if (closed || queued.seq() <= readThrough) {
            return; // read already
        }
        if (readThrough < 0) {
            readDue = true; // the open's first page may have been read before it landed: read on after that page
            return;
        }
        if (queued.seq() == readThrough + 1 && !reading && !readDue && fits(queued)) {
            readThrough = queued.seq();
            if (!alreadyAcked(queued.item().serverId())) {
                deliver(queued);
            }
            return;
        }
        readDue = true; // a gap (a push went missing or overtook another), or no room: read the queue
        readMore();
    }

    /**
     * Frees the window at once and settles the acks beside it. Completes when the stream may take its next frame:
     * at once, unless too many ack batches are still settling.
     */
    public Mono<Void> ack(Collection<Long> serverIds) {
        List<InboxItem> delivered = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        Set<Long> seqs = new TreeSet<>();
        Set<Long> ids = new TreeSet<>();
        for (long id : new TreeSet<>(serverIds)) {
            if (closed || alreadyAcked(id)) {
                continue; // a duplicate ack changes nothing
            }
            Long seq = unackedSeqs.remove(id);
            if (seq == null) {
                unknown.add(id); // delivered on an earlier stream, or not this device's
            } else {
                Queued item = unacked.remove(seq);
                unackedBytes -= item.item().weight();
                delivered.add(item.item());
                seqs.add(seq);
            }
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return Mono.empty();
        }
        if (acks == null) {
            acks = new Acks();
        }
        acks.inFlight.addAll(seqs);
        acks.settling.addAll(ids);
        AckBatch batch = new AckBatch(seqs, ids, Sinks.empty());
        acks.batches.add(batch);
        then(settler.settle(device, delivered, unknown), refused -> settled(batch, refused));
        readMore();
        return acks.batches.size() > limits.ackBatchesInFlight() ? acks.batches.peek().settled().asMono()
                : Mono.empty();
    }

    /**
     * Completes once no ack is settling, no read is in flight and the mark has moved past what was acked: a READ
     * never overtakes the DELIVERED it implies, a pong follows every delivery the node could send before it, and
     * after the pong the acks' room in the inbox quota (which the mark releases) is free for senders again.
     */
    public Mono<Void> quiet() {
        if (isQuiet()) {
            return Mono.empty();
        }
        Sinks.Empty<Void> waiter = Sinks.empty();
        quietWaiters.add(waiter);
        advanceMark(); // now, not after the linger
        return waiter.asMono();
    }

    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (rescanTimer != null) {
            rescanTimer.dispose();
        }
        if (markLinger != null) {
            markLinger.dispose();
        }
        if (readThrough >= 0) {
            // The grid keeps the mark while the queue's entry lives; the log keeps it beyond that. Written whatever
            // the moves passed: what this mailbox learned dies with it if its node does, and an item may reach the
            // log just as it is acked (a spill's write under way), unseen by the move.
            long mark = nextMark();
            Mono<Boolean> advance = storage.advance(device, mark);
            // Unless the log holds that mark already, written by this mailbox or an earlier stream's (each write
            // is a compare-and-set, a Paxos round): a device reconnecting with nothing new writes nothing.
            (mark > persistedThrough ? advance.then(storage.persistMark(device, mark)) : advance)
                    .subscribe(null, e -> { });
        }
        storage.closed(device, stream).subscribe(null, e -> { });
        if (acks != null) {
            acks.batches.forEach(b -> b.settled().tryEmitEmpty());
        }
        wakeIfQuiet();
    }

    private boolean isQuiet() {
        return closed || (acks == null || acks.batches.isEmpty()) && !reading && readThrough >= 0 && !markWriting
                && nextMark() <= markedThrough;
    }

    private void wakeIfQuiet() {
        if (isQuiet() && !quietWaiters.isEmpty()) {
            List<Sinks.Empty<Void>> waiting = new ArrayList<>(quietWaiters);
            quietWaiters.clear();
            waiting.forEach(Sinks.Empty::tryEmitEmpty);
        }
    }

    private void settled(AckBatch batch, List<Long> refused) {
        acks.inFlight.removeAll(batch.seqs());
        acks.settling.removeAll(batch.serverIds());
        acks.batches.remove(batch);
        batch.serverIds().stream().filter(id -> !refused.contains(id)).forEach(acks.recent::add);
        if (!refused.isEmpty()) {
            outlet.notDeliveredToYou(refused);
        }
        batch.settled().tryEmitEmpty();
        advanceMark();
        wakeIfQuiet();
    }

    private void readMore() {
        if (!readDue || reading || closed || readThrough < 0 || !hasRoom()) {
            return; // acks that free room, pushes and the rescan timer come back here
        }
        reading = true;
        readDue = false;
        long from = readThrough;
        then(storage.read(device, from, Math.min(limits.page(), limits.window() - unacked.size()),
                Math.max(1, limits.windowBytes() - unackedBytes)), page -> pageRead(from, page));
    }

    private void pageRead(long from, QueuePage page) {
        reading = false;
        boolean stopped = false;
        for (Queued queued : page.items()) {
            if (queued.seq() <= readThrough) {
                continue;
            }
            if (!alreadyAcked(queued.item().serverId())) {
                if (!fits(queued)) {
                    stopped = true; // acks that free room resume here
                    break;
                }
                deliver(queued);
            }
            readThrough = queued.seq();
        }
        if (!stopped) {
            readThrough = Math.max(readThrough, page.coveredThrough());
        }
        if (stopped || page.coveredThrough() > from) {
            readDue = true; // more may follow what this read covered
        } else if (!queueEmptySent) {
            queueEmptySent = true;
            outlet.queueEmpty();
        }
        if (!readDue) {
            scheduleRescan();
        }
        advanceMark();
        readMore();
        wakeIfQuiet();
    }

    /**
     * A push the best-effort bus lost is found by reading again after a quiet while. Each rescan that delivers
     * nothing doubles the while, up to {@link #MAX_RESCAN_FACTOR} times the interval, and a delivery brings it back:
     * an idle stream reads its queue rarely (at 100k idle streams a node, every 15 s was 6,700 grid reads a
     * second), one that is in use as often as configured.
     */
    private void scheduleRescan() {
        if (rescanTimer != null) {
            rescanTimer.dispose();
        }
        rescanTimer = timer.schedule(() -> serial.execute(() -> {
            if (!closed) {
                rescanMillis = Math.min(rescanMillis * 2, limits.rescanInterval().toMillis() * MAX_RESCAN_FACTOR);
                readDue = true;
                readMore();
            }
        }), rescanMillis, TimeUnit.MILLISECONDS);
    }

    /** A delivery: the stream is in use, so the next lost push is looked for after the configured interval again. */
    private void inUse() {
        long interval = limits.rescanInterval().toMillis();
        if (rescanMillis != interval) {
            rescanMillis = interval;
            if (!reading && !readDue) {
                scheduleRescan(); // the one set while idle may be minutes away
            }
        }
    }

    /** Everything read and not un-acked or settling: the queue drops it from memory, the mark moves past it. */
    private long nextMark() {
        long candidate = readThrough;
        if (!unacked.isEmpty()) {
            candidate = Math.min(candidate, unacked.firstKey() - 1);
        }
        if (acks != null && !acks.inFlight.isEmpty()) {
            candidate = Math.min(candidate, acks.inFlight.first() - 1);
        }
        return candidate;
    }

    /** Moves the mark after the linger, or at once when someone waits for quiet. */
    private void advanceMark() {
        if (closed || markWriting || readThrough < 0 || nextMark() <= markedThrough) {
            return;
        }
        if (quietWaiters.isEmpty()) {
            if (markLinger == null) {
                markLinger = timer.schedule(() -> serial.execute(() -> {
                    markLinger = null;
                    writeMark();
                }), MARK_LINGER_MILLIS, TimeUnit.MILLISECONDS);
            }
            return;
        }
        if (markLinger != null) {
            markLinger.dispose();
            markLinger = null;
        }
        writeMark();
    }

    private void writeMark() {
        long next = nextMark();
        if (closed || markWriting || readThrough < 0 || next <= markedThrough) {
            return;
        }
        markWriting = true;
        then(storage.advance(device, next).defaultIfEmpty(true), passedLogged -> {
            markWriting = false;
            markedThrough = Math.max(markedThrough, next);
            markOwed |= passedLogged;
            if (markOwed && timer.now(TimeUnit.NANOSECONDS) - markPersistedAt >= PERSIST_EVERY_NANOS) {
                persistMark(next);
            }
            advanceMark();
            wakeIfQuiet();
        });
    }

    /**
     * Writes the mark to the log while the stream lives: at most every {@link #PERSIST_EVERY_NANOS}, and only when a
     * move passed an item the log holds, so a device whose items are acked within the hold window costs the log no
     * write for its mark until its stream ends. A failed write stays owed.
     */
    private void persistMark(long mark) {
        markOwed = false;
        markPersistedAt = timer.now(TimeUnit.NANOSECONDS);
        storage.persistMark(device, mark).subscribe(null, error -> serial.execute(() -> markOwed = true),
                () -> serial.execute(() -> persistedThrough = Math.max(persistedThrough, mark)));
    }

    private boolean alreadyAcked(long serverId) {
        return acks != null && acks.known(serverId);
    }

    private boolean hasRoom() {
        return unacked.size() < limits.window() && unackedBytes < limits.windowBytes();
    }

    /** One item always fits an empty window, however large. */
    private boolean fits(Queued queued) {
        return unacked.isEmpty()
                || unacked.size() < limits.window() && unackedBytes + queued.item().weight() <= limits.windowBytes();
    }

    private void deliver(Queued queued) {
        if (MessageExpiry.expired(queued.item(), clock.instant())) {
            return; // a disappearing message past its time: never delivered, and the mark passes it like an acked one
        }
        // A queue may hold one server id twice (a send retried after its first attempt was cut short): the device
        // sees it once, and the mark passes the second copy once the first is acked.
        if (unackedSeqs.putIfAbsent(queued.item().serverId(), queued.seq()) != null) {
            return;
        }
        unacked.put(queued.seq(), queued);
        unackedBytes += queued.item().weight();
        outlet.deliver(queued.item());
        inUse();
    }

    /** Runs {@code next} on the serial executor when {@code work} completes; a failure ends the mailbox. */
    private <T> void then(Mono<T> work, Consumer<T> next) {
        work.subscribe(value -> serial.execute(() -> {
            if (!closed) {
                next.accept(value);
            }
        }), error -> serial.execute(() -> fail(error)));
    }

    private void fail(Throwable error) {
        if (!closed) {
            close();
            outlet.failed(error);
        }
    }
}
