package io.courier.messaging;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.courier.cluster.Presence;

/**
 * One device's queue as its grid entry holds it, on the device's partition owner (a synchronous backup on another
 * member): the next sequence, the acked-through mark, the head of the queue in memory, and the sending device's
 * recent client message ids. Only the entry processors of {@link QueueOps} touch it, one at a time on the partition
 * thread, so enqueueing and sequencing are one atomic step: an item with a lower sequence is in memory before any
 * item with a higher one exists, and a reader that has read past a sequence can never see a new item below it.
 *
 * <p>Every item is also written to the device log (write-through); an item leaves memory when it is acked, or once
 * it is stored and either older than the hold or beyond the memory bounds. What left memory unacked is read from
 * the log: everything at or below {@link #logOnlyThrough} that is not acked lives only there.
 */
final class DeviceQueue implements Serializable {
    /**
     * Memory bounds per device, how long a stored, unacked item stays in memory, and the device's inbox quota (what
     * may wait un-acked, in memory or in the log).
     */
    record Limits(int items, long bytes, long holdMillis, InboxUsage.Quota quota) implements Serializable {
        /** Without an inbox quota (tests of the queue's other duties). */
        Limits(int items, long bytes, long holdMillis) {
            this(items, bytes, holdMillis, InboxUsage.Quota.UNLIMITED);
        }
    }

    /**
     * An item in memory; {@code stored} once its log write has landed; {@code shared}: a message whose ciphertext
     * the log references as a shared payload.
     */
    record Held(InboxItem item, long enqueuedAtMillis, boolean stored, boolean shared) implements Serializable {
    }

    /**
     * What a sending device's client id got: {@code complete} once every copy was stored, {@code logged} once the
     * log's {@code sent_messages} has it too.
     */
    record Send(long serverId, long serverTimeMillis, boolean complete, boolean logged) implements Serializable {
        Send completed() {
            return new Send(serverId, serverTimeMillis, true, logged);
        }
    }

    /** What the queue's owner must write to the log: items older than the hold and send records, not yet there. */
    record Spill(List<Queued> items, List<Queued> sharedItems, Map<Long, Send> sends) implements Serializable {
        boolean isEmpty() {
            return items.isEmpty() && sharedItems.isEmpty() && sends.isEmpty();
        }
    }

    /** Client ids a queue remembers; older ones are found in the log's idempotency table. */
    static final int REMEMBERED_SENDS = 1024;

    long nextSeq;
    long ackedThrough;
    /**
     * A mark the log is known to hold (it may hold a higher one): a stream that ends at or below it writes nothing,
     * so a device reconnecting with nothing new costs the log no compare-and-set.
     */
    long loggedThrough;
    long logOnlyThrough;
    /** The entry was created for a device with no history: a client id it doesn't remember is new. */
    boolean knowsEverySend;
    final TreeMap<Long, Held> held = new TreeMap<>();
    long heldBytes;
    /** The inbox quota's counts: what waits un-acked from other accounts. */
    final InboxUsage usage = new InboxUsage();
    /**
     * What the owner's sweeps ask of every local entry ({@link QueueOps.NeedsSpill}, {@link QueueOps.CountsWaiting}).
     * Their predicates run on a query thread while partition threads change this queue in place (OBJECT format),
     * so they read only these, which every change keeps current; walking {@code held} or {@code sends} there threw
     * ConcurrentModificationException under load.
     */
    private volatile long oldestUnstoredMillis = Long.MAX_VALUE;
    private volatile long oldestUnloggedSendMillis = Long.MAX_VALUE;
    private volatile boolean counting;
    /**
     * Where the device's stream is, as its opens and closes told this entry (null: it has none), so that an enqueue
     * answers where to push without a presence lookup; {@code knowsStream} false for an entry created by an enqueue,
     * until the device's next open (the presence directory is asked meanwhile). {@code streamEpoch} is the newest
     * open seen: an older stream's late open or close changes nothing. Volatile: a member-left sweep's predicate
     * reads it off the partition thread.
     */
    private volatile Presence stream;
    private long streamEpoch = Long.MIN_VALUE;
    private boolean knowsStream;
    final LinkedHashMap<Long, Send> sends = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Send> eldest) {
            // Never one the log lacks: it is the only record of that id (bounded by the send rate × the flush time).
            if (size() > REMEMBERED_SENDS && eldest.getValue().logged()) {
                knowsEverySend = false;
                return true;
            }
            return false;
        }
    };

    DeviceQueue(long epoch, long ackedThrough, boolean knowsEverySend) {
        this.nextSeq = Queued.firstOfEpoch(epoch);
        this.ackedThrough = Math.min(ackedThrough, nextSeq - 1);
        this.loggedThrough = this.ackedThrough; // an entry starts from the log's mark (or the one creating it wrote)
        this.logOnlyThrough = nextSeq - 1;
        this.knowsEverySend = knowsEverySend;
    }

    /**
     * Whether {@code owner}'s inbox quota has room for the messages among these items (null) or why not, once the
     * counts older than the log's TTL are gone. Asked before {@link #enqueue}, by the same entry processor.
     */
    InboxUsage.NoRoom room(UUID owner, List<? extends InboxItem> items, long nowMillis, Limits limits) {
        expireCounts(nowMillis, limits);
        return usage.check(owner, items, limits.quota());
    }

    /** Appends items under the next sequences, counting them for the inbox quota; the first one's sequence. */
    long enqueue(UUID owner, List<? extends InboxItem> items, boolean shared, long nowMillis, Limits limits) {
        long first = nextSeq;
        place(owner, first, items, shared, nowMillis);
        trim(nowMillis, limits);
        return first;
    }

    /** The backup's copy of an enqueue: the primary's sequences, whatever this copy's counter says. */
    void place(UUID owner, long first, List<? extends InboxItem> items, boolean shared, long nowMillis) {
        usage.count(owner, first, items, nowMillis);
        counting = !usage.isEmpty();
        if (!items.isEmpty() && oldestUnstoredMillis == Long.MAX_VALUE) {
            oldestUnstoredMillis = nowMillis; // what was held before is stored: the new items are the oldest unstored
        }
        long seq = first;
        for (InboxItem item : items) {
            held.put(seq, new Held(item, nowMillis, false, shared));
            heldBytes += item.weight();
            seq++;
        }
        nextSeq = Math.max(nextSeq, seq);
    }

    /**
     * Drops from memory what is stored and too old or beyond the bounds, oldest first, never an unstored item; and
     * from the quota's counts what has expired from the log.
     */
    void trim(long nowMillis, Limits limits) {
        expireCounts(nowMillis, limits);
        Iterator<Map.Entry<Long, Held>> oldest = held.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<Long, Held> e = oldest.next();
            Held h = e.getValue();
            boolean over = held.size() > limits.items() || heldBytes > limits.bytes()
                    || nowMillis - h.enqueuedAtMillis() >= limits.holdMillis();
            if (!over || !h.stored()) {
                return;
            }
            oldest.remove();
            heldBytes -= h.item().weight();
            logOnlyThrough = Math.max(logOnlyThrough, e.getKey());
        }
    }

    void stored(List<Long> seqs, Set<Long> loggedSends) {
        for (long seq : seqs) {
            held.computeIfPresent(seq, (s, h) -> new Held(h.item(), h.enqueuedAtMillis(), true, h.shared()));
        }
        for (long clientId : loggedSends) {
            sends.computeIfPresent(clientId, (c, send) -> new Send(send.serverId(), send.serverTimeMillis(),
                    send.complete(), true));
        }
        refreshUnstored();
        if (!loggedSends.isEmpty()) {
            refreshUnloggedSends();
        }
    }

    /** Lets the quota's counts older than the log's TTL go. */
    void expireCounts(long nowMillis, Limits limits) {
        usage.expire(nowMillis, limits.quota());
        counting = !usage.isEmpty();
    }

    /** Whether the inbox quota counts messages waiting for this device. */
    boolean counting() {
        return counting;
    }

    /** Records what a client id got. */
    void rememberSend(long clientId, Send send) {
        sends.put(clientId, send);
        if (!send.logged()) {
            oldestUnloggedSendMillis = Math.min(oldestUnloggedSendMillis, send.serverTimeMillis());
        }
    }

    void completeSend(long clientId) {
        sends.computeIfPresent(clientId, (c, send) -> send.completed());
    }

    /** Forgets the client id's record if it is still this server id's. */
    void forgetSend(long clientId, long serverId) {
        Send send = sends.get(clientId);
        if (send != null && send.serverId() == serverId) {
            sends.remove(clientId);
            refreshUnloggedSends();
        }
    }

    private void refreshUnstored() {
        long oldest = Long.MAX_VALUE;
        for (Held h : held.values()) {
            if (!h.stored()) {
                oldest = h.enqueuedAtMillis();
                break;
            }
        }
        oldestUnstoredMillis = oldest;
    }

    private void refreshUnloggedSends() {
        long oldest = Long.MAX_VALUE;
        for (Send send : sends.values()) {
            if (!send.logged()) {
                oldest = Math.min(oldest, send.serverTimeMillis());
            }
        }
        oldestUnloggedSendMillis = oldest;
    }

    /**
     * Whether an item older than {@code itemCutoffMillis}, or a send record older than {@code sendCutoffMillis}, is
     * held only in the grid's memory.
     */
    boolean needsSpill(long itemCutoffMillis, long sendCutoffMillis) {
        return oldestUnstoredMillis < itemCutoffMillis || oldestUnloggedSendMillis < sendCutoffMillis;
    }

    /**
     * The items older than {@code itemCutoffMillis} that the log doesn't have yet, in order; and once one send
     * record is older than {@code sendCutoffMillis}, every record the log doesn't have (written together: one
     * partition, one write).
     */
    Spill spill(long itemCutoffMillis, long sendCutoffMillis) {
        List<Queued> items = new ArrayList<>();
        List<Queued> sharedItems = new ArrayList<>();
        for (Map.Entry<Long, Held> e : held.entrySet()) {
            Held h = e.getValue();
            if (h.enqueuedAtMillis() >= itemCutoffMillis) {
                break;
            }
            if (!h.stored()) {
                (h.shared() ? sharedItems : items).add(new Queued(e.getKey(), h.item()));
            }
        }
        Map<Long, Send> unlogged = new LinkedHashMap<>();
        if (oldestUnloggedSendMillis < sendCutoffMillis) {
            sends.forEach((clientId, send) -> {
                if (!send.logged()) {
                    unlogged.put(clientId, send);
                }
            });
        }
        return new Spill(items, sharedItems, unlogged);
    }

    /**
     * Up to {@code limit} items after {@code after} and within {@code maxBytes} (at least one), or, when the
     * reader is below what memory holds, the log range it must read first.
     */
    QueueOps.ReadResult read(long after, int limit, long maxBytes) {
        if (after < logOnlyThrough) {
            return new QueueOps.ReadResult(List.of(), logOnlyThrough);
        }
        List<Queued> items = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<Long, Held> e : held.tailMap(after, false).entrySet()) {
            int weight = e.getValue().item().weight();
            if (items.size() == limit || !items.isEmpty() && bytes + weight > maxBytes) {
                break;
            }
            items.add(new Queued(e.getKey(), e.getValue().item()));
            bytes += weight;
        }
        return new QueueOps.ReadResult(items, -1);
    }

    /**
     * A stream of the device opened (on {@code at}'s member, with its epoch). Unless that epoch is older than the
     * newest this entry heard of, or its close came first (a close can overtake its open: the open may have had to
     * create the entry, or been retried).
     */
    void streamOpened(Presence at) {
        if (at.epoch() > streamEpoch) {
            stream = at;
            streamEpoch = at.epoch();
        }
        knowsStream = true;
    }

    /** That stream ended; a newer one, if it opened meanwhile, stays, and its own late open changes nothing. */
    void streamClosed(Presence at) {
        if (at.epoch() >= streamEpoch) {
            stream = null;
            streamEpoch = at.epoch();
        }
    }

    /** Whether the stream this entry knows of is on that member. */
    boolean streamOn(String memberId) {
        Presence at = stream;
        return at != null && at.memberId().equals(memberId);
    }

    /** That member left: its streams are gone with it. */
    void forgetStreamOn(String memberId) {
        if (streamOn(memberId)) {
            stream = null;
        }
    }

    /** Where to push what was just enqueued. */
    StreamSighting sighting() {
        return knowsStream ? new StreamSighting(true, stream) : StreamSighting.UNKNOWN;
    }

    /** The log holds {@code mark} (or a higher one): its compare-and-set landed. */
    void logged(long mark) {
        loggedThrough = Math.max(loggedThrough, mark);
    }

    /**
     * Everything at or below {@code mark} is acked: it leaves memory. Answers whether the move passed an item the
     * log holds (only then does a drain from the log's mark need the new one).
     */
    boolean advance(long mark) {
        if (mark <= ackedThrough) {
            return false;
        }
        boolean passedLogged = ackedThrough < logOnlyThrough;
        ackedThrough = Math.min(mark, nextSeq - 1);
        usage.releaseThrough(ackedThrough);
        counting = !usage.isEmpty();
        Map<Long, Held> acked = held.headMap(ackedThrough, true);
        for (Held h : acked.values()) {
            heldBytes -= h.item().weight();
            passedLogged |= h.stored();
        }
        acked.clear();
        refreshUnstored();
        return passedLogged;
    }

    /** The items in memory with these server ids (acks of deliveries made on an earlier stream). */
    List<Queued> find(Set<Long> serverIds) {
        List<Queued> found = new ArrayList<>();
        held.forEach((seq, h) -> {
            if (serverIds.contains(h.item().serverId())) {
                found.add(new Queued(seq, h.item()));
            }
        });
        return found;
    }
}
