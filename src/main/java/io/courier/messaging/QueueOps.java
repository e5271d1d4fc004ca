package io.courier.messaging;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;

import io.courier.cluster.DeviceAddress;

/**
 * The entry processors that are the only way into a {@link DeviceQueue}. They run on the device's partition owner;
 * those that change the queue give Hazelcast a backup processor carrying the primary's exact result (sequences,
 * claimed ids), so the backup never derives its own numbers from a copy that may lag. Each answers
 * {@link Missing#ENTRY} when the device has no entry yet: {@link DeviceQueues} then creates it and asks again.
 */
final class QueueOps {
    private QueueOps() {
    }

    enum Missing {
        ENTRY
    }

    /** Items after the reader's position, or ({@code logThrough} ≥ 0) the log range to read first. */
    record ReadResult(List<Queued> items, long logThrough) implements Serializable {
    }

    /** What a send's client id got: the earlier attempt's record, a fresh claim, or "ask the log first". */
    sealed interface Claim extends Serializable {
    }

    record Earlier(DeviceQueue.Send send) implements Claim {
    }

    record Claimed() implements Claim {
    }

    record Unknown() implements Claim {
    }

    private abstract static class Op implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public final Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue == null) {
                return Missing.ENTRY;
            }
            Object result = apply(queue);
            if (!(this instanceof ReadOnly)) {
                entry.setValue(queue); // in-place changes of an OBJECT-format value must be set to count
            }
            return result;
        }

        abstract Object apply(DeviceQueue queue);
    }

    /** Creates the entry unless another caller did first; then every other op can run. */
    record Init(long epoch, long ackedThrough, boolean knowsEverySend)
            implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            if (entry.getValue() == null) {
                entry.setValue(new DeviceQueue(epoch, ackedThrough, knowsEverySend));
            }
            return Boolean.TRUE;
        }
    }

    static final class Enqueue extends Op {
        private final List<InboxItem> items;
        private final boolean shared;
        private final long nowMillis;
        private final DeviceQueue.Limits limits;
        private transient long first = -1;

        Enqueue(List<InboxItem> items, boolean shared, long nowMillis, DeviceQueue.Limits limits) {
            this.items = List.copyOf(items);
            this.shared = shared;
            this.nowMillis = nowMillis;
            this.limits = limits;
        }

        @Override
        Object apply(DeviceQueue queue) {
            first = queue.enqueue(items, shared, nowMillis, limits);
            return first;
        }

        @Override
        public EntryProcessor<DeviceAddress, DeviceQueue, Object> getBackupProcessor() {
            return first < 0 ? null : new Place(first, items, shared, nowMillis, limits);
        }
    }

    /** The backup side of {@link Enqueue}. */
    record Place(long first, List<InboxItem> items, boolean shared, long nowMillis, DeviceQueue.Limits limits)
            implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue != null) {
                queue.place(first, items, shared, nowMillis);
                queue.trim(nowMillis, limits);
                entry.setValue(queue);
            }
            return null;
        }
    }

    /** Items (and send records) the log now has: they may leave memory once the hold or the bounds say so. */
    static final class Stored extends Op {
        private final List<Long> seqs;
        private final Set<Long> loggedSends;
        private final long nowMillis;
        private final DeviceQueue.Limits limits;

        Stored(List<Long> seqs, Set<Long> loggedSends, long nowMillis, DeviceQueue.Limits limits) {
            this.seqs = List.copyOf(seqs);
            this.loggedSends = Set.copyOf(loggedSends);
            this.nowMillis = nowMillis;
            this.limits = limits;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.stored(seqs, loggedSends);
            queue.trim(nowMillis, limits);
            return null;
        }
    }

    static final class Read extends Op implements ReadOnly {
        private final long after;
        private final int limit;
        private final long maxBytes;

        Read(long after, int limit, long maxBytes) {
            this.after = after;
            this.limit = limit;
            this.maxBytes = maxBytes;
        }

        @Override
        Object apply(DeviceQueue queue) {
            return queue.read(after, limit, maxBytes);
        }

    }

    /** What the owner must spill to the log now. */
    static final class TakeSpill extends Op implements ReadOnly {
        private final long itemCutoffMillis;
        private final long sendCutoffMillis;

        TakeSpill(long itemCutoffMillis, long sendCutoffMillis) {
            this.itemCutoffMillis = itemCutoffMillis;
            this.sendCutoffMillis = sendCutoffMillis;
        }

        @Override
        Object apply(DeviceQueue queue) {
            return queue.spill(itemCutoffMillis, sendCutoffMillis);
        }
    }

    /** Selects the local entries with something to spill. */
    record NeedsSpill(long itemCutoffMillis, long sendCutoffMillis) implements Predicate<DeviceAddress, DeviceQueue> {
        @Override
        public boolean apply(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            return entry.getValue() != null && entry.getValue().needsSpill(itemCutoffMillis, sendCutoffMillis);
        }
    }

    /** The acked-through mark. */
    static final class Mark extends Op implements ReadOnly {
        @Override
        Object apply(DeviceQueue queue) {
            return queue.ackedThrough;
        }
    }

    static final class Advance extends Op {
        private final long mark;

        Advance(long mark) {
            this.mark = mark;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.advance(mark);
            return queue.ackedThrough;
        }
    }

    static final class Find extends Op implements ReadOnly {
        private final Set<Long> serverIds;

        Find(Set<Long> serverIds) {
            this.serverIds = Set.copyOf(serverIds);
        }

        @Override
        Object apply(DeviceQueue queue) {
            return queue.find(serverIds);
        }

    }

    /**
     * The first attempt of a client id claims it with its candidate record; every other attempt gets that record.
     * When the queue can't tell (its memory of sends is incomplete) and the log has not been asked yet: Unknown.
     */
    static final class ClaimSend extends Op {
        private final long clientId;
        private final DeviceQueue.Send candidate;
        private final boolean logChecked;
        private transient boolean claimed;

        ClaimSend(long clientId, DeviceQueue.Send candidate, boolean logChecked) {
            this.clientId = clientId;
            this.candidate = candidate;
            this.logChecked = logChecked;
        }

        @Override
        Object apply(DeviceQueue queue) {
            DeviceQueue.Send earlier = queue.sends.get(clientId);
            if (earlier != null) {
                return new Earlier(earlier);
            }
            if (!queue.knowsEverySend && !logChecked) {
                return new Unknown();
            }
            queue.sends.put(clientId, candidate);
            claimed = true;
            return new Claimed();
        }

        @Override
        public EntryProcessor<DeviceAddress, DeviceQueue, Object> getBackupProcessor() {
            return claimed ? new PutSend(clientId, candidate) : null;
        }
    }

    /** Records a send (the backup of a claim; a record found in the log). */
    static final class PutSend extends Op {
        private final long clientId;
        private final DeviceQueue.Send send;

        PutSend(long clientId, DeviceQueue.Send send) {
            this.clientId = clientId;
            this.send = send;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.sends.put(clientId, send);
            return null;
        }
    }

    /** Every copy of the send is stored: later attempts get its SendAck at once. */
    static final class CompleteSend extends Op {
        private final long clientId;

        CompleteSend(long clientId) {
            this.clientId = clientId;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.sends.computeIfPresent(clientId, (c, send) -> send.completed());
            return null;
        }
    }

    /** Forgets a claim whose send was refused before anything was stored, so a retry is a new send. */
    static final class Forget extends Op {
        private final long clientId;
        private final long serverId;

        Forget(long clientId, long serverId) {
            this.clientId = clientId;
            this.serverId = serverId;
        }

        @Override
        Object apply(DeviceQueue queue) {
            DeviceQueue.Send send = queue.sends.get(clientId);
            if (send != null && send.serverId() == serverId) {
                queue.sends.remove(clientId);
            }
            return null;
        }
    }
}
