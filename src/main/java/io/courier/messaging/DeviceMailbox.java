package io.courier.messaging;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The inbox of one connected device as it is delivered: the drain, the window of un-acked deliveries and the ack
 * cursor. Deliveries come from scans of the inbox (on connect, when acks free room after pushes were dropped, and
 * every {@code rescanInterval}) and from live pushes.
 *
 * <p>Confined: every method must run on {@code serial}, which also runs every completion of the mailbox's own
 * storage calls, so no state is shared between threads.
 *
 * <p>The cursor only moves past ids a scan has read: a live push that went missing is found by the next scan
 * instead of being skipped for good.
 */
public final class DeviceMailbox {
    private static final int REMEMBERED_ACKS = 4096;
    /** Ids newer than this may still be landing in the inbox out of order; the cursor never passes them. */
    private static final Duration CURSOR_LAG = Duration.ofMinutes(5);
    /**
     * How long after its id was taken an item may still land (ids are taken before the writes, which end within the
     * request timeout; ids of different nodes order to within a second). Rescans start this far before the previous
     * scan began, not at the cursor, so they don't wade through minutes of acked rows' tombstones.
     */
    private static final Duration LANDING_MARGIN = Duration.ofSeconds(30);

    /** Does what an ack means (receipts, deletes); completes with the ids that were not the device's to ack. */
    @FunctionalInterface
    public interface AckSettler {
        Mono<List<Long>> settle(DeviceAddress device, List<InboxItem> delivered, List<Long> unknown);
    }

    private record AckBatch(Set<Long> ids, Sinks.Empty<Void> settled) {
    }

    private final DeviceAddress device;
    private final MailboxStorage storage;
    private final AckSettler settler;
    private final MailboxOutlet outlet;
    private final MailboxLimits limits;
    private final Clock clock;
    private final Scheduler timer;
    private final Executor serial;

    /** Delivered, not yet acked, by server id (pushes may overtake a scan, so delivery order is not id order). */
    private final TreeMap<Long, InboxItem> unacked = new TreeMap<>();
    private long unackedBytes;
    /** The last acked ids, so a duplicate ack or a late push changes nothing. */
    private final Set<Long> recentlyAcked = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > REMEMBERED_ACKS;
        }
    });
    /** Acked ids whose bookkeeping is still running: the cursor stays below them, scans skip them. */
    private final TreeSet<Long> acksInFlight = new TreeSet<>();
    private final ArrayDeque<AckBatch> ackBatches = new ArrayDeque<>();
    /** Pushes that arrived ahead of a running scan; delivered when it ends unless it delivered them itself. */
    private final TreeMap<Long, InboxItem> held = new TreeMap<>();
    private long heldBytes;
    private final List<Sinks.Empty<Void>> quietWaiters = new ArrayList<>();

    private long cursor = -1;
    /** Every id at or below this that was in the inbox has been seen by a scan. */
    private long scannedThrough;
    private boolean scanning;
    private boolean reading;
    private long scanPosition;
    private Instant scanStartedAt;
    /** Where rescans start: every id below it that landed was read by an earlier scan. */
    private long rescanFrom;
    /** A push was dropped for want of room: scan again once there is room. */
    private boolean rescanDue;
    private boolean queueEmptySent;
    private boolean cursorWriting;
    private boolean closed;
    private Disposable rescanTimer;

    public DeviceMailbox(DeviceAddress device, MailboxStorage storage, AckSettler settler, MailboxOutlet outlet,
            MailboxLimits limits, Clock clock, Scheduler timer, Executor serial) {
        this.device = device;
        this.storage = storage;
        this.settler = settler;
        this.outlet = outlet;
        this.limits = limits;
        this.clock = clock;
        this.timer = timer;
        this.serial = serial;
    }

    /**
     * Loads the cursor and drains from it. Register presence first: what is stored later is pushed (pushes that come
     * before the first scan has read past them are held for it).
     */
    public void start() {
        then(storage.cursor(device), loaded -> {
            cursor = loaded;
            scannedThrough = loaded;
            rescanFrom = loaded;
            scanFrom(loaded);
        });
    }

    /** A live push of something already stored in this device's inbox. */
    public void push(InboxItem item) {
        long id = item.serverId();
        if (closed || alreadyHandled(id)) {
            return;
        }
        if (cursor < 0 || scanning && id > scanPosition) {
            if (held.size() < limits.window() && heldBytes + item.weight() <= limits.windowBytes()) {
                held.put(id, item);
                heldBytes += item.weight();
            } else {
                rescanDue = true;
            }
        } else if (fits(item)) {
            deliver(item);
        } else {
            rescanDue = true;
        }
    }

    /**
     * Frees the window at once and settles the acks beside it. Completes when the stream may take its next frame:
     * at once, unless too many ack batches are still settling.
     */
    public Mono<Void> ack(Collection<Long> serverIds) {
        List<InboxItem> delivered = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        Set<Long> ids = new TreeSet<>();
        for (long id : new TreeSet<>(serverIds)) {
            if (closed || recentlyAcked.contains(id) || acksInFlight.contains(id)) {
                continue; // a duplicate ack changes nothing
            }
            InboxItem item = unacked.remove(id);
            if (item == null) {
                unknown.add(id); // delivered on an earlier stream, or not this device's
            } else {
                unackedBytes -= item.weight();
                delivered.add(item);
            }
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return Mono.empty();
        }
        acksInFlight.addAll(ids);
        AckBatch batch = new AckBatch(ids, Sinks.empty());
        ackBatches.add(batch);
        then(settler.settle(device, delivered, unknown), refused -> settled(batch, refused));
        continueDelivering();
        return ackBatches.size() > limits.ackBatchesInFlight() ? ackBatches.peek().settled().asMono() : Mono.empty();
    }

    /**
     * Completes once no ack is settling and no inbox read is in flight: a READ never overtakes the DELIVERED it
     * implies, and a pong follows every delivery the node could send before it.
     */
    public Mono<Void> quiet() {
        if (isQuiet()) {
            return Mono.empty();
        }
        Sinks.Empty<Void> waiter = Sinks.empty();
        quietWaiters.add(waiter);
        return waiter.asMono();
    }

    private boolean isQuiet() {
        return closed || ackBatches.isEmpty() && !reading && cursor >= 0;
    }

    private void wakeIfQuiet() {
        if (isQuiet() && !quietWaiters.isEmpty()) {
            List<Sinks.Empty<Void>> waiting = new ArrayList<>(quietWaiters);
            quietWaiters.clear();
            waiting.forEach(Sinks.Empty::tryEmitEmpty);
        }
    }

    /** Scans the inbox again from the cursor, once there is room (the periodic rescan). */
    private void rescan() {
        if (!closed) {
            rescanDue = true;
            continueDelivering();
        }
    }

    public void close() {
        closed = true;
        if (rescanTimer != null) {
            rescanTimer.dispose();
        }
        ackBatches.forEach(b -> b.settled().tryEmitEmpty());
        wakeIfQuiet();
    }

    private void settled(AckBatch batch, List<Long> refused) {
        acksInFlight.removeAll(batch.ids());
        ackBatches.remove(batch);
        batch.ids().stream().filter(id -> !refused.contains(id)).forEach(recentlyAcked::add);
        if (!refused.isEmpty()) {
            outlet.notDeliveredToYou(refused);
        }
        batch.settled().tryEmitEmpty();
        advanceCursor();
        wakeIfQuiet();
    }

    private void continueDelivering() {
        if (scanning) {
            readNextPage();
        } else if (rescanDue && hasRoom()) {
            scanFrom(rescanFrom);
        }
    }

    private void scanFrom(long position) {
        scanning = true;
        rescanDue = false;
        scanPosition = position;
        scanStartedAt = clock.instant();
        readNextPage();
    }

    private void readNextPage() {
        if (reading || closed || cursor < 0 || !hasRoom()) {
            return; // acks that free room resume it
        }
        reading = true;
        then(storage.readAfter(device, scanPosition, limits.page()), this::pageRead);
    }

    private void pageRead(List<InboxItem> page) {
        reading = false;
        for (InboxItem item : page) {
            if (!alreadyHandled(item.serverId())) {
                if (!fits(item)) {
                    wakeIfQuiet();
                    return; // paused at the last delivered id: acks resume the scan there
                }
                deliver(item);
            }
            scanPosition = item.serverId();
            scannedThrough = Math.max(scannedThrough, scanPosition);
            InboxItem scanned = held.remove(scanPosition);
            if (scanned != null) {
                heldBytes -= scanned.weight();
            }
        }
        if (page.size() < limits.page()) {
            scanEnded();
        } else {
            readNextPage();
        }
        wakeIfQuiet();
    }

    private void scanEnded() {
        scanning = false;
        rescanFrom = Math.max(rescanFrom,
                Math.min(scannedThrough, ServerIds.lowestAt(scanStartedAt.minus(LANDING_MARGIN))));
        if (!queueEmptySent) {
            queueEmptySent = true;
            outlet.queueEmpty();
        }
        // Held pushes are stored: deliver the ones the scan's reads raced past.
        for (InboxItem item : held.values()) {
            if (!alreadyHandled(item.serverId())) {
                if (fits(item)) {
                    deliver(item);
                } else {
                    rescanDue = true;
                }
            }
        }
        held.clear();
        heldBytes = 0;
        advanceCursor();
        scheduleRescan();
        if (rescanDue && hasRoom()) {
            scanFrom(rescanFrom);
        }
    }

    private void scheduleRescan() {
        if (rescanTimer != null) {
            rescanTimer.dispose();
        }
        rescanTimer = timer.schedule(() -> serial.execute(this::rescan), limits.rescanInterval().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Persists how far the inbox is acked, so the next drain starts there. Bounded by what scans have read, it moves
     * during drains and after rescans, not with every live message.
     */
    private void advanceCursor() {
        if (closed || cursorWriting || cursor < 0) {
            return;
        }
        long candidate = scannedThrough;
        if (!unacked.isEmpty()) {
            candidate = Math.min(candidate, unacked.firstKey() - 1);
        }
        if (!acksInFlight.isEmpty()) {
            candidate = Math.min(candidate, acksInFlight.first() - 1);
        }
        if (!held.isEmpty()) {
            candidate = Math.min(candidate, held.firstKey() - 1);
        }
        long next = Math.min(candidate, ServerIds.lowestAt(clock.instant().minus(CURSOR_LAG)));
        if (next > cursor) {
            cursorWriting = true;
            then(storage.advanceCursor(device, next).thenReturn(next), written -> {
                cursorWriting = false;
                cursor = Math.max(cursor, written);
            });
        }
    }

    private boolean alreadyHandled(long id) {
        return unacked.containsKey(id) || acksInFlight.contains(id) || recentlyAcked.contains(id);
    }

    private boolean hasRoom() {
        return unacked.size() < limits.window() && unackedBytes < limits.windowBytes();
    }

    /** One item always fits an empty window, however large. */
    private boolean fits(InboxItem item) {
        return unacked.isEmpty()
                || unacked.size() < limits.window() && unackedBytes + item.weight() <= limits.windowBytes();
    }

    private void deliver(InboxItem item) {
        unacked.put(item.serverId(), item);
        unackedBytes += item.weight();
        outlet.deliver(item);
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
