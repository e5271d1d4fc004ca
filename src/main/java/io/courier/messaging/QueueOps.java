package io.courier.messaging;

import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.hazelcast.config.SerializerConfig;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.query.Predicate;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.Wire;

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

    /** An enqueue's items are in the queue from sequence {@code first}; where to push them. */
    record Landed(long first, StreamSighting stream) implements Serializable {
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

    /**
     * Appends items to the queue of a device of {@code owner}: the first one's sequence, or the {@link NoRoom}
     * reason when the device's inbox quota lacks room for them (then nothing changes). {@code enforce} false: a
     * retry of a send whose first attempt was admitted is counted, never refused.
     */
    static final class Enqueue extends Op {
        private final UUID owner;
        private final List<InboxItem> items;
        private final boolean shared;
        private final boolean enforce;
        private final long nowMillis;
        private final DeviceQueue.Limits limits;
        private transient long first = -1;

        Enqueue(UUID owner, List<InboxItem> items, boolean shared, boolean enforce, long nowMillis,
                DeviceQueue.Limits limits) {
            this.owner = owner;
            this.items = List.copyOf(items);
            this.shared = shared;
            this.enforce = enforce;
            this.nowMillis = nowMillis;
            this.limits = limits;
        }

        @Override
        Object apply(DeviceQueue queue) {
            InboxUsage.NoRoom noRoom = enforce ? queue.room(owner, items, nowMillis, limits) : null;
            if (noRoom != null) {
                return noRoom;
            }
            first = queue.enqueue(owner, items, shared, nowMillis, limits);
            return new Landed(first, queue.sighting());
        }

        @Override
        public EntryProcessor<DeviceAddress, DeviceQueue, Object> getBackupProcessor() {
            // Not just when enqueued: a refusal may have let expired counts go, which the backup must do too.
            return new Place(owner, first, items, shared, nowMillis, limits);
        }
    }

    /** The backup side of {@link Enqueue} ({@code first} -1: refused, only the expired counts go). */
    record Place(UUID owner, long first, List<InboxItem> items, boolean shared, long nowMillis,
            DeviceQueue.Limits limits) implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue != null) {
                queue.expireCounts(nowMillis, limits);
                if (first >= 0) {
                    queue.place(owner, first, items, shared, nowMillis);
                    queue.trim(nowMillis, limits);
                }
                entry.setValue(queue);
            }
            return null;
        }
    }

    /**
     * One item to the queue of each of many devices on one partition (a group copy to the member devices there):
     * one grid operation instead of one per device, answering per device as {@link Enqueue} does. Hazelcast runs it
     * for every key in one partition operation and asks for the backup processor afterwards, so the backup carries
     * each device's sequence. Run as a {@link BackedUpEntries}, which, unlike Hazelcast's own multi-key operation,
     * completes only once the synchronous backup has placed the copies too.
     */
    static final class EnqueueEach implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        private final InboxItem item;
        private final boolean shared;
        private final long nowMillis;
        private final DeviceQueue.Limits limits;
        /** The sequence each device's copy took here (-1: refused); filled on the partition's thread. */
        private final transient Map<DeviceAddress, Long> firsts = new HashMap<>();

        EnqueueEach(InboxItem item, boolean shared, long nowMillis, DeviceQueue.Limits limits) {
            this.item = item;
            this.shared = shared;
            this.nowMillis = nowMillis;
            this.limits = limits;
        }

        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue == null) {
                return Missing.ENTRY;
            }
            UUID owner = entry.getKey().accountId();
            List<InboxItem> items = List.of(item);
            InboxUsage.NoRoom noRoom = queue.room(owner, items, nowMillis, limits);
            long first = noRoom == null ? queue.enqueue(owner, items, shared, nowMillis, limits) : -1;
            firsts.put(entry.getKey(), first);
            entry.setValue(queue);
            return noRoom != null ? noRoom : new Landed(first, queue.sighting());
        }

        @Override
        public EntryProcessor<DeviceAddress, DeviceQueue, Object> getBackupProcessor() {
            return new PlaceEach(Map.copyOf(firsts), item, shared, nowMillis, limits);
        }
    }

    /** The backup side of {@link EnqueueEach}: each device's copy under the sequence its primary took. */
    record PlaceEach(Map<DeviceAddress, Long> firsts, InboxItem item, boolean shared, long nowMillis,
            DeviceQueue.Limits limits) implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            Long first = firsts.get(entry.getKey());
            return first == null ? null : new Place(entry.getKey().accountId(), first, List.of(item), shared,
                    nowMillis, limits).process(entry);
        }
    }

    /** {@link Stored} for one item of each of many devices on one partition: the log has each one's copy. */
    record StoredEach(Map<DeviceAddress, Long> seqs, long nowMillis, DeviceQueue.Limits limits)
            implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            Long seq = seqs.get(entry.getKey());
            return seq == null ? null : new Stored(List.of(seq), Set.of(), nowMillis, limits).process(entry);
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

    /** Selects the local entries that count messages waiting for their device's inbox quota. */
    record CountsWaiting() implements Predicate<DeviceAddress, DeviceQueue> {
        @Override
        public boolean apply(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            return entry.getValue() != null && entry.getValue().counting();
        }
    }

    /**
     * Lets the quota's expired counts go and sets the entry again, which resets its idle time (on the backup too):
     * an entry whose counts have all expired is touched no more and may go idle.
     */
    static final class Touch extends Op {
        private final long nowMillis;
        private final DeviceQueue.Limits limits;

        Touch(long nowMillis, DeviceQueue.Limits limits) {
            this.nowMillis = nowMillis;
            this.limits = limits;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.expireCounts(nowMillis, limits);
            return null;
        }
    }

    /**
     * A stream of the device opened at {@code at}: answers the acked-through mark it reads from and the first read
     * after it, so a stream's open is one grid call, not two.
     */
    static final class Opened extends Op {
        private final Presence at;
        private final int limit;
        private final long maxBytes;

        Opened(Presence at, int limit, long maxBytes) {
            this.at = at;
            this.limit = limit;
            this.maxBytes = maxBytes;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.streamOpened(at);
            return new OpenedAt(queue.ackedThrough, queue.loggedThrough,
                    queue.read(queue.ackedThrough, limit, maxBytes));
        }
    }

    /** What {@link Opened} answers: the mark, one the log is known to hold, and the first read. */
    record OpenedAt(long mark, long logged, ReadResult first) implements Serializable {
    }

    /** The log holds {@code mark} (or a higher one). */
    static final class Logged extends Op {
        private final long mark;

        Logged(long mark) {
            this.mark = mark;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.logged(mark);
            return null;
        }
    }

    /** The stream opened at {@code at} ended. */
    static final class Closed extends Op {
        private final Presence at;

        Closed(Presence at) {
            this.at = at;
        }

        @Override
        Object apply(DeviceQueue queue) {
            queue.streamClosed(at);
            return null;
        }
    }

    /** Selects the entries whose known stream is on a member that left. */
    record StreamOn(String memberId) implements Predicate<DeviceAddress, DeviceQueue> {
        @Override
        public boolean apply(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            return entry.getValue() != null && entry.getValue().streamOn(memberId);
        }
    }

    /** The member holding the entry's known stream left: the device has no stream until it opens one again. */
    record MemberLeft(String memberId) implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue != null && queue.streamOn(memberId)) {
                queue.forgetStreamOn(memberId);
                entry.setValue(queue);
            }
            return null;
        }
    }

    static final class Advance extends Op {
        private final long mark;

        Advance(long mark) {
            this.mark = mark;
        }

        /** Whether the move passed an item the log holds ({@link DeviceQueue#advance}). */
        @Override
        Object apply(DeviceQueue queue) {
            return queue.advance(mark);
        }
    }

    /**
     * Marks of many devices of one partition ({@link MarkMoves}), each with the send completions riding its move;
     * its backup is itself.
     */
    record AdvanceEach(Map<DeviceAddress, Long> marks, Map<DeviceAddress, List<Long>> completions)
            implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            Long mark = marks.get(entry.getKey());
            if (mark == null) {
                return null;
            }
            List<Long> done = completions.get(entry.getKey());
            Advance advance = new Advance(mark);
            return done == null ? advance.process(entry) : new Completing(done, advance).process(entry);
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
            queue.rememberSend(clientId, candidate);
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
            queue.rememberSend(clientId, send);
            return null;
        }
    }

    /** Every copy of these sends is stored: later attempts get their SendAcks at once. */
    static final class CompleteSends extends Op {
        private final List<Long> clientIds;

        CompleteSends(List<Long> clientIds) {
            this.clientIds = List.copyOf(clientIds);
        }

        @Override
        Object apply(DeviceQueue queue) {
            clientIds.forEach(queue::completeSend);
            return null;
        }
    }

    /**
     * Send completions riding another op on the same entry ({@link SendCompletions}): they apply first, then the
     * op, whose result this is; the backup does both too.
     */
    record Completing(List<Long> clientIds, EntryProcessor<DeviceAddress, DeviceQueue, Object> op)
            implements EntryProcessor<DeviceAddress, DeviceQueue, Object> {
        Completing {
            clientIds = List.copyOf(clientIds);
        }

        @Override
        public Object process(Map.Entry<DeviceAddress, DeviceQueue> entry) {
            DeviceQueue queue = entry.getValue();
            if (queue == null) {
                return Missing.ENTRY;
            }
            clientIds.forEach(queue::completeSend);
            entry.setValue(queue);
            return op.process(entry);
        }

        @Override
        public EntryProcessor<DeviceAddress, DeviceQueue, Object> getBackupProcessor() {
            EntryProcessor<DeviceAddress, DeviceQueue, Object> backup = op.getBackupProcessor();
            return backup == null ? new CompleteSends(clientIds) : new Completing(clientIds, backup);
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
            queue.forgetSend(clientId, serverId);
            return null;
        }
    }

    /** The wire forms of the ops and their results ({@link MessagingWire}). */
    static List<SerializerConfig> wire() {
        return List.of(
                Wire.of(Enqueue.class, 110, (out, op) -> {
                    Wire.writeUuid(out, op.owner);
                    Wire.writeList(out, op.items);
                    out.writeBoolean(op.shared);
                    out.writeBoolean(op.enforce);
                    out.writeLong(op.nowMillis);
                    out.writeObject(op.limits);
                }, in -> new Enqueue(Wire.readUuid(in), Wire.readList(in), in.readBoolean(), in.readBoolean(),
                        in.readLong(), in.readObject())),
                Wire.of(Place.class, 111, (out, op) -> {
                    Wire.writeUuid(out, op.owner());
                    out.writeLong(op.first());
                    Wire.writeList(out, op.items());
                    out.writeBoolean(op.shared());
                    out.writeLong(op.nowMillis());
                    out.writeObject(op.limits());
                }, in -> new Place(Wire.readUuid(in), in.readLong(), Wire.readList(in), in.readBoolean(),
                        in.readLong(), in.readObject())),
                Wire.of(EnqueueEach.class, 142, (out, op) -> {
                    out.writeObject(op.item);
                    out.writeBoolean(op.shared);
                    out.writeLong(op.nowMillis);
                    out.writeObject(op.limits);
                }, in -> new EnqueueEach(in.readObject(), in.readBoolean(), in.readLong(), in.readObject())),
                Wire.of(PlaceEach.class, 143, (out, op) -> {
                    MessagingWire.writeLongMap(out, op.firsts(), ObjectDataOutput::writeObject);
                    out.writeObject(op.item());
                    out.writeBoolean(op.shared());
                    out.writeLong(op.nowMillis());
                    out.writeObject(op.limits());
                }, in -> new PlaceEach(MessagingWire.readLongMap(in, ObjectDataInput::readObject), in.readObject(), in.readBoolean(), in.readLong(),
                        in.readObject())),
                Wire.of(StoredEach.class, 144, (out, op) -> {
                    MessagingWire.writeLongMap(out, op.seqs(), ObjectDataOutput::writeObject);
                    out.writeLong(op.nowMillis());
                    out.writeObject(op.limits());
                }, in -> new StoredEach(MessagingWire.readLongMap(in, ObjectDataInput::readObject), in.readLong(), in.readObject())),
                Wire.of(Stored.class, 112, (out, op) -> {
                    MessagingWire.writeLongs(out, op.seqs);
                    MessagingWire.writeLongs(out, op.loggedSends);
                    out.writeLong(op.nowMillis);
                    out.writeObject(op.limits);
                }, in -> new Stored(MessagingWire.readLongs(in), Set.copyOf(MessagingWire.readLongs(in)),
                        in.readLong(), in.readObject())),
                Wire.of(Read.class, 113, (out, op) -> {
                    out.writeLong(op.after);
                    out.writeInt(op.limit);
                    out.writeLong(op.maxBytes);
                }, in -> new Read(in.readLong(), in.readInt(), in.readLong())),
                Wire.of(TakeSpill.class, 114, (out, op) -> {
                    out.writeLong(op.itemCutoffMillis);
                    out.writeLong(op.sendCutoffMillis);
                }, in -> new TakeSpill(in.readLong(), in.readLong())),
                Wire.of(Opened.class, 115, (out, op) -> {
                    out.writeObject(op.at);
                    out.writeInt(op.limit);
                    out.writeLong(op.maxBytes);
                }, in -> new Opened(in.readObject(), in.readInt(), in.readLong())),
                Wire.of(OpenedAt.class, 150, (out, opened) -> {
                    out.writeLong(opened.mark());
                    out.writeLong(opened.logged());
                    out.writeObject(opened.first());
                }, in -> new OpenedAt(in.readLong(), in.readLong(), in.readObject())),
                Wire.of(Logged.class, 148, (out, op) -> out.writeLong(op.mark), in -> new Logged(in.readLong())),
                Wire.of(Closed.class, 138, (out, op) -> out.writeObject(op.at), in -> new Closed(in.readObject())),
                Wire.of(StreamOn.class, 139, (out, p) -> out.writeString(p.memberId()),
                        in -> new StreamOn(in.readString())),
                Wire.of(MemberLeft.class, 140, (out, op) -> out.writeString(op.memberId()),
                        in -> new MemberLeft(in.readString())),
                Wire.of(Landed.class, 141, (out, landed) -> {
                    out.writeLong(landed.first());
                    out.writeBoolean(landed.stream().known());
                    out.writeObject(landed.stream().at());
                }, in -> new Landed(in.readLong(), new StreamSighting(in.readBoolean(), in.readObject()))),
                Wire.of(Touch.class, 129, (out, op) -> {
                    out.writeLong(op.nowMillis);
                    out.writeObject(op.limits);
                }, in -> new Touch(in.readLong(), in.readObject())),
                Wire.of(Advance.class, 116, (out, op) -> out.writeLong(op.mark), in -> new Advance(in.readLong())),
                Wire.of(Find.class, 117, (out, op) -> MessagingWire.writeLongs(out, op.serverIds),
                        in -> new Find(Set.copyOf(MessagingWire.readLongs(in)))),
                Wire.of(ClaimSend.class, 118, (out, op) -> {
                    out.writeLong(op.clientId);
                    out.writeObject(op.candidate);
                    out.writeBoolean(op.logChecked);
                }, in -> new ClaimSend(in.readLong(), in.readObject(), in.readBoolean())),
                Wire.of(PutSend.class, 119, (out, op) -> {
                    out.writeLong(op.clientId);
                    out.writeObject(op.send);
                }, in -> new PutSend(in.readLong(), in.readObject())),
                // 120 was one completion (a single id) before Dec 7: retired, not reused.
                Wire.of(CompleteSends.class, 145, (out, op) -> MessagingWire.writeLongs(out, op.clientIds),
                        in -> new CompleteSends(MessagingWire.readLongs(in))),
                Wire.of(AdvanceEach.class, 147, (out, op) -> {
                    MessagingWire.writeLongMap(out, op.marks(), ObjectDataOutput::writeObject);
                    out.writeInt(op.completions().size());
                    for (Map.Entry<DeviceAddress, List<Long>> e : op.completions().entrySet()) {
                        out.writeObject(e.getKey());
                        MessagingWire.writeLongs(out, e.getValue());
                    }
                }, in -> {
                    Map<DeviceAddress, Long> marks = MessagingWire.readLongMap(in, ObjectDataInput::readObject);
                    int size = in.readInt();
                    Map<DeviceAddress, List<Long>> completions = new HashMap<>();
                    for (int i = 0; i < size; i++) {
                        completions.put(in.readObject(), MessagingWire.readLongs(in));
                    }
                    return new AdvanceEach(marks, completions);
                }),
                Wire.of(Completing.class, 146, (out, op) -> {
                    MessagingWire.writeLongs(out, op.clientIds());
                    out.writeObject(op.op());
                }, in -> new Completing(MessagingWire.readLongs(in), in.readObject())),
                Wire.of(Forget.class, 121, (out, op) -> {
                    out.writeLong(op.clientId);
                    out.writeLong(op.serverId);
                }, in -> new Forget(in.readLong(), in.readLong())),
                Wire.of(Init.class, 122, (out, op) -> {
                    out.writeLong(op.epoch());
                    out.writeLong(op.ackedThrough());
                    out.writeBoolean(op.knowsEverySend());
                }, in -> new Init(in.readLong(), in.readLong(), in.readBoolean())),
                Wire.of(ReadResult.class, 123, (out, result) -> {
                    Wire.writeList(out, result.items());
                    out.writeLong(result.logThrough());
                }, in -> new ReadResult(Wire.readList(in), in.readLong())),
                Wire.of(Earlier.class, 124, (out, claim) -> out.writeObject(claim.send()),
                        in -> new Earlier(in.readObject())),
                Wire.of(Claimed.class, 125, (out, claim) -> { }, in -> new Claimed()),
                Wire.of(Unknown.class, 126, (out, claim) -> { }, in -> new Unknown()),
                Wire.of(Missing.class, 127, (out, missing) -> { }, in -> Missing.ENTRY),
                Wire.of(InboxUsage.NoRoom.class, 128, (out, noRoom) -> out.writeInt(noRoom.ordinal()),
                        in -> InboxUsage.NoRoom.values()[in.readInt()]));
    }
}
