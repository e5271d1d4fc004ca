package io.courier.messaging;

import java.io.IOException;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import org.jboss.logging.Logger;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.query.Predicate;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.OwnerSweep;
import io.courier.cluster.Wire;
import io.courier.messaging.ReceiptTable.DirectRow;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The tick ledger's hot side: the ticks of each sender account's recent 1:1 messages in one grid entry on the
 * account's partition owner, with a synchronous backup on another member. SENT, DELIVERED and READ change the entry
 * only; once the oldest unwritten change is {@code flushAfter} old the owner writes every unwritten tick of the
 * sender to {@link ReceiptTable} in one batch (one partition, usually), and ticks that are written and that old
 * leave memory then, or with the sender's next send (so an active sender's entry never needs a pass of its own just
 * to let go: that cost three grid operations a message), or with a pass once they are twice that old (a sender gone
 * quiet). A message delivered and read within that time costs the database a share of one write instead of three.
 * What the entry no longer (or never) held is the table's: callers ask it for the rest.
 *
 * <p>Only used while the grid keeps two copies of every entry, with a hold window or without one: the ledger is
 * written lazily either way. Two simultaneous member deaths can lose up to {@code flushAfter} of tick changes, never
 * a message: recipients' acks and their receipt events are queue items. With a hold the lost ticks' messages were in
 * the same two members' memory; written through, the messages survive and only the ledger forgets them: their
 * status is unknown to {@code GetMessageStatus}, and a READ of one whose DELIVERED was lost too is refused as never
 * sent to the reader (the sender's devices already have its DELIVERED receipt event, durable in their queues).
 */
final class HeldTicks {
    static final String MAP = "courier-ticks";
    /** Messages one sender's entry holds at most; a send beyond it has its SENT written through. */
    static final int MAX_MESSAGES = 4096;
    private static final Logger LOG = Logger.getLogger(HeldTicks.class);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(50);

    private final HazelcastInstance hazelcast;
    private final IMap<UUID, SenderTicks> map;
    private final ReceiptTable table;
    private final Duration flushAfter;
    private final Clock clock;
    private volatile Disposable flushes = () -> { };
    /** Tick rows this member wrote to the table (a meter reads it). */
    private final LongAdder flushed = new LongAdder();

    HeldTicks(HazelcastInstance hazelcast, ReceiptTable table, Duration flushAfter, Clock clock) {
        this.hazelcast = hazelcast;
        this.map = hazelcast.getMap(MAP);
        this.table = table;
        this.flushAfter = flushAfter;
        this.clock = clock;
    }

    /** Changed on every send and tick: kept as objects, with one synchronous backup. */
    static MapConfig mapConfig() {
        return new MapConfig(MAP).setBackupCount(1).setAsyncBackupCount(0).setInMemoryFormat(InMemoryFormat.OBJECT);
    }

    /** Flushes every {@code interval} until {@link #close()} or until this member shuts down. */
    void start(Duration interval) {
        flushes = OwnerSweep.every(hazelcast, "courier-ticks-flush", interval, this::flush);
    }

    void close() {
        flushes.dispose();
    }

    /** Holds SENT of a 1:1 message; completes false when the sender's entry is full (write it through instead). */
    Mono<Boolean> record(UUID sender, long serverId, UUID recipient, long sentMillis) {
        return call(sender, new Record(serverId, recipient, sentMillis, sentMillis - flushAfter.toMillis()));
    }

    /** The ticks held of these messages; those absent are not (or no longer) held. */
    Mono<Map<Long, DirectRow>> lookup(UUID sender, Set<Long> serverIds) {
        if (serverIds.isEmpty()) {
            return Mono.just(Map.of());
        }
        return call(sender, new Lookup(Set.copyOf(serverIds)));
    }

    /** Moves held messages forward; completes with the marks of messages not held (for the table). */
    Mono<List<ReceiptTable.Mark>> advance(UUID sender, List<ReceiptTable.Mark> marks) {
        if (marks.isEmpty()) {
            return Mono.just(List.of());
        }
        List<Move> moves = marks.stream().map(m -> new Move(m.serverId(), m.recipient(),
                m.state() == ReceiptState.RECEIPT_STATE_READ, m.at().toEpochMilli())).toList();
        return call(sender, new Advance(moves, clock.millis()))
                .map(unknown -> marks.stream().filter(m -> unknown.contains(m.serverId())).toList());
    }

    /**
     * Writes the ticks of this member's senders whose oldest unwritten change is {@code flushAfter} old, then lets
     * memory drop what is written and that old; visits a sender with nothing to write only once its oldest tick is
     * written and twice that old. Runs on every member, periodically; a member that took over a dead one's
     * partitions flushes their entries too.
     */
    Mono<Void> flush() {
        long cutoff = clock.millis() - flushAfter.toMillis();
        return Flux.defer(() -> Flux.fromIterable(map.localKeySet(new Due(cutoff, cutoff - flushAfter.toMillis()))))
                .flatMap(sender -> call(sender, new TakeFlush(cutoff))
                        .flatMap(flush -> (flush.rows().isEmpty() ? Mono.<Void>empty()
                                : table.putDirect(sender, flush.rows())
                                        .doOnSuccess(written -> flushed.add(flush.rows().size())))
                                .then(call(sender, new Written(flush.versions(), cutoff)))), 16)
                .then()
                .doOnError(e -> LOG.warnf("Flushing held ticks failed (%s); retrying at the next interval",
                        e.toString()))
                .onErrorResume(e -> Mono.empty());
    }

    /** Tick rows flushed by this member so far. */
    long flushedCount() {
        return flushed.sum();
    }

    /** Senders whose ticks this member holds as primary. */
    long ownedSenders() {
        return map.getLocalMapStats().getOwnedEntryCount();
    }

    /**
     * Runs an op on the sender's entry. Every op is safe to run twice (a record or a move already applied changes
     * nothing), so one cut short by a member's death is simply run again on the partition's new owner.
     */
    private <R> Mono<R> call(UUID sender, EntryProcessor<UUID, SenderTicks, R> op) {
        return Mono.fromCompletionStage(() -> map.submitToKey(sender, op))
                .retryWhen(Retry.backoff(3, RETRY_BACKOFF).filter(e -> e instanceof MemberLeftException
                        || e instanceof IndeterminateOperationStateException));
    }

    /** One sender's held messages, oldest first. */
    static final class SenderTicks implements Serializable {
        private final LinkedHashMap<Long, Tick> ticks = new LinkedHashMap<>();
        /** The earliest unwritten change (a bound: a change written since may have been it). */
        private long oldestChangeMillis = Long.MAX_VALUE;
        /**
         * The flush sweep's predicate ({@link Due}) runs on a query thread while partition threads change
         * {@code ticks} in place (OBJECT format): it reads only these, which every change keeps current. The entry
         * has ticks to write once the cutoff passes the first, and a written tick to let go once the stale cutoff
         * passes the second.
         */
        private volatile long unwrittenSinceMillis = Long.MAX_VALUE;
        private volatile long writtenHeadSentMillis = Long.MAX_VALUE;

        private void changed(long atMillis) {
            oldestChangeMillis = Math.min(oldestChangeMillis, atMillis);
        }

        /** After a flush wrote ticks: the bound is recomputed. */
        private void refreshOldestChange() {
            long oldest = Long.MAX_VALUE;
            for (Tick tick : ticks.values()) {
                if (tick.changedMillis != 0) {
                    oldest = Math.min(oldest, tick.changedMillis);
                }
            }
            oldestChangeMillis = oldest;
        }

        /**
         * Work for a flush: an unwritten change older than the cutoff, or the oldest held message written (it can
         * leave memory) and sent before the stale cutoff. An old message whose ticks all changed recently waits,
         * instead of costing a take and a "written" that do nothing on every pass.
         */
        private void refreshDue() {
            Tick oldest = ticks.isEmpty() ? null : ticks.values().iterator().next();
            unwrittenSinceMillis = oldest == null ? Long.MAX_VALUE : oldestChangeMillis;
            writtenHeadSentMillis = oldest != null && oldest.changedMillis == 0 ? oldest.sentMillis : Long.MAX_VALUE;
        }

        /** Lets go of the oldest messages while they are written and were sent before the cutoff. */
        private void dropWrittenBefore(long cutoffMillis) {
            for (Iterator<Tick> oldest = ticks.values().iterator(); oldest.hasNext();) {
                Tick tick = oldest.next();
                if (tick.sentMillis >= cutoffMillis || tick.changedMillis != 0) {
                    break;
                }
                oldest.remove();
            }
        }
    }

    /** One 1:1 message's ticks; {@code changedMillis} is 0 once the table has every change. */
    static final class Tick implements Serializable {
        private final UUID recipient;
        private final long sentMillis;
        private long deliveredMillis;
        private long readMillis;
        private long changedMillis;
        private long version;

        Tick(UUID recipient, long sentMillis) {
            this.recipient = recipient;
            this.sentMillis = sentMillis;
            this.changedMillis = sentMillis;
        }

        DirectRow row(long serverId) {
            return new DirectRow(serverId, recipient, sentMillis, deliveredMillis, readMillis);
        }
    }

    /** A DELIVERED ({@code read} false) or READ of one message for one recipient. */
    record Move(long serverId, UUID recipient, boolean read, long atMillis) implements Serializable {
    }

    /** What a flush writes, and the versions it wrote (a tick changed meanwhile stays unwritten). */
    record Flush(List<DirectRow> rows, Map<Long, Long> versions) implements Serializable {
    }

    private abstract static class Op<R> implements EntryProcessor<UUID, SenderTicks, R> {
        @Override
        public final R process(Map.Entry<UUID, SenderTicks> entry) {
            SenderTicks sender = entry.getValue();
            R result = apply(sender);
            if (!(this instanceof ReadOnly) && sender != null) {
                sender.refreshDue();
                // In-place changes of an OBJECT-format value must be set to count; an empty entry goes.
                entry.setValue(sender.ticks.isEmpty() ? null : sender);
            }
            return result;
        }

        abstract R apply(SenderTicks sender);
    }

    /**
     * Holds a new message, after letting go of the oldest ones that are written and were sent before
     * {@code dropWrittenBeforeMillis}; the backup runs the same step on its copy (every input is in the op).
     */
    record Record(long serverId, UUID recipient, long sentMillis, long dropWrittenBeforeMillis)
            implements EntryProcessor<UUID, SenderTicks, Boolean> {
        @Override
        public Boolean process(Map.Entry<UUID, SenderTicks> entry) {
            SenderTicks sender = entry.getValue() == null ? new SenderTicks() : entry.getValue();
            sender.dropWrittenBefore(dropWrittenBeforeMillis);
            boolean held = sender.ticks.size() < MAX_MESSAGES || sender.ticks.containsKey(serverId);
            if (held && sender.ticks.putIfAbsent(serverId, new Tick(recipient, sentMillis)) == null) {
                sender.changed(sentMillis);
            }
            sender.refreshDue();
            entry.setValue(sender.ticks.isEmpty() ? null : sender);
            return held;
        }
    }

    static final class Lookup extends Op<Map<Long, DirectRow>> implements ReadOnly {
        private final Set<Long> serverIds;

        Lookup(Set<Long> serverIds) {
            this.serverIds = serverIds;
        }

        @Override
        Map<Long, DirectRow> apply(SenderTicks sender) {
            Map<Long, DirectRow> found = new HashMap<>();
            if (sender != null) {
                serverIds.forEach(id -> {
                    Tick tick = sender.ticks.get(id);
                    if (tick != null) {
                        found.put(id, tick.row(id));
                    }
                });
            }
            return found;
        }
    }

    /** Applies moves to held messages (a later time never replaces an earlier one); answers the ids not held. */
    static final class Advance extends Op<Set<Long>> {
        private final List<Move> moves;
        private final long nowMillis;

        Advance(List<Move> moves, long nowMillis) {
            this.moves = List.copyOf(moves);
            this.nowMillis = nowMillis;
        }

        @Override
        Set<Long> apply(SenderTicks sender) {
            Set<Long> unknown = new HashSet<>();
            for (Move move : moves) {
                Tick tick = sender == null ? null : sender.ticks.get(move.serverId());
                if (tick == null || !tick.recipient.equals(move.recipient())) {
                    unknown.add(move.serverId());
                    continue;
                }
                boolean changed = move.read() ? tick.readMillis == 0 : tick.deliveredMillis == 0;
                if (changed) {
                    if (move.read()) {
                        tick.readMillis = move.atMillis();
                    } else {
                        tick.deliveredMillis = move.atMillis();
                    }
                    tick.version++;
                    if (tick.changedMillis == 0) {
                        tick.changedMillis = nowMillis;
                        sender.changed(nowMillis);
                    }
                }
            }
            return unknown;
        }
    }

    /** Every unwritten tick of the sender, once its oldest unwritten change is older than the cutoff. */
    static final class TakeFlush extends Op<Flush> implements ReadOnly {
        private final long cutoffMillis;

        TakeFlush(long cutoffMillis) {
            this.cutoffMillis = cutoffMillis;
        }

        @Override
        Flush apply(SenderTicks sender) {
            List<DirectRow> rows = new ArrayList<>();
            Map<Long, Long> versions = new HashMap<>();
            if (sender != null && sender.oldestChangeMillis < cutoffMillis) {
                sender.ticks.forEach((id, tick) -> {
                    if (tick.changedMillis != 0) {
                        rows.add(tick.row(id));
                        versions.put(id, tick.version);
                    }
                });
            }
            return new Flush(rows, versions);
        }
    }

    /** The table has these versions; ticks written and older than the cutoff leave memory. */
    static final class Written extends Op<Void> {
        private final Map<Long, Long> versions;
        private final long cutoffMillis;

        Written(Map<Long, Long> versions, long cutoffMillis) {
            this.versions = Map.copyOf(versions);
            this.cutoffMillis = cutoffMillis;
        }

        @Override
        Void apply(SenderTicks sender) {
            if (sender == null) {
                return null;
            }
            versions.forEach((id, version) -> {
                Tick tick = sender.ticks.get(id);
                if (tick != null && tick.version == version) {
                    tick.changedMillis = 0;
                }
            });
            sender.dropWrittenBefore(cutoffMillis);
            sender.refreshOldestChange();
            return null;
        }
    }

    /** Senders with work for a flush ({@link SenderTicks#refreshDue}). */
    record Due(long cutoffMillis, long staleMillis) implements Predicate<UUID, SenderTicks> {
        @Override
        public boolean apply(Map.Entry<UUID, SenderTicks> entry) {
            SenderTicks sender = entry.getValue();
            return sender != null && (sender.unwrittenSinceMillis < cutoffMillis
                    || sender.writtenHeadSentMillis < staleMillis);
        }
    }

    /** The wire forms of the ops and their results ({@link MessagingWire}). */
    static List<SerializerConfig> wire() {
        return List.of(
                Wire.of(Record.class, 130, (out, op) -> {
                    out.writeLong(op.serverId());
                    Wire.writeUuid(out, op.recipient());
                    out.writeLong(op.sentMillis());
                    out.writeLong(op.dropWrittenBeforeMillis());
                }, in -> new Record(in.readLong(), Wire.readUuid(in), in.readLong(), in.readLong())),
                Wire.of(Lookup.class, 131, (out, op) -> MessagingWire.writeLongs(out, op.serverIds),
                        in -> new Lookup(Set.copyOf(MessagingWire.readLongs(in)))),
                Wire.of(Advance.class, 132, (out, op) -> {
                    Wire.writeList(out, op.moves);
                    out.writeLong(op.nowMillis);
                }, in -> new Advance(Wire.readList(in), in.readLong())),
                Wire.of(TakeFlush.class, 133, (out, op) -> out.writeLong(op.cutoffMillis),
                        in -> new TakeFlush(in.readLong())),
                Wire.of(Written.class, 134, (out, op) -> {
                    MessagingWire.writeLongMap(out, op.versions, ObjectDataOutput::writeLong);
                    out.writeLong(op.cutoffMillis);
                }, in -> new Written(MessagingWire.readLongMap(in, ObjectDataInput::readLong), in.readLong())),
                Wire.of(Flush.class, 135, (out, flush) -> {
                    Wire.writeList(out, flush.rows());
                    MessagingWire.writeLongMap(out, flush.versions(), ObjectDataOutput::writeLong);
                }, in -> new Flush(Wire.readList(in), MessagingWire.readLongMap(in, ObjectDataInput::readLong))),
                Wire.of(Move.class, 136, (out, move) -> {
                    out.writeLong(move.serverId());
                    Wire.writeUuid(out, move.recipient());
                    out.writeBoolean(move.read());
                    out.writeLong(move.atMillis());
                }, in -> new Move(in.readLong(), Wire.readUuid(in), in.readBoolean(), in.readLong())),
                Wire.of(DirectRow.class, 137, (out, row) -> {
                    out.writeLong(row.serverId());
                    Wire.writeUuid(out, row.recipient());
                    out.writeLong(row.sentMillis());
                    out.writeLong(row.deliveredMillis());
                    out.writeLong(row.readMillis());
                }, in -> new DirectRow(in.readLong(), Wire.readUuid(in), in.readLong(), in.readLong(),
                        in.readLong())));
        // Lookup answers a HashMap and Advance a HashSet: Hazelcast has wire forms of its own for both.
    }
}
