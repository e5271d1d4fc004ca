package io.courier.messaging;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.store.Blobs;
import io.courier.store.Cql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The cold side of the device queues: an append-only log per device in partitions of {@link #BUCKET_SIZE}
 * sequences, never deleted row by row. The acked-through mark (in {@code device_queues}) says where a drain starts
 * and the TTL retires the rows, so a read seeks straight to its sequence and never wades through tombstones.
 */
final class DeviceLog {
    static final int BUCKET_BITS = 10;
    static final long BUCKET_SIZE = 1L << BUCKET_BITS;
    /**
     * Empty buckets in a row that end an older epoch. Within an epoch only sequences whose send failed before its
     * SendAck leave gaps, so a run this long ends the epoch's stored items; the newest epoch's end is known exactly.
     */
    static final int EMPTY_BUCKETS_ENDING_EPOCH = 2;
    /** How long a row lives: the tables' {@code default_time_to_live} (2,592,000 s). */
    static final int TTL_DAYS = 30;

    private static final byte KIND_MESSAGE = 1;
    private static final byte KIND_RECEIPT = 2;
    private static final byte KIND_GROUP_EVENT = 3;
    private static final byte KIND_ACCOUNT_EVENT = 4;
    private static final String COLUMNS = "seq, server_id, kind, sender_account_id, sender_device_id,"
            + " client_message_id, server_ts, envelope_type, ciphertext, payload_ref, group_id, sync_recipient_id,"
            + " message_server_id, receipt_state, receipt_recipient_id, receipt_more_recipients";

    /** A device queue's durable state: its current epoch and how far it is acked. */
    record State(long epoch, long ackedThrough, boolean exists) {
    }

    private final Cql cql;
    private final PreparedStatement insertMessage;
    private final PreparedStatement insertReceipt;
    private final PreparedStatement insertGroupEvent;
    private final PreparedStatement insertAccountEvent;
    private final PreparedStatement insertShared;
    private final PreparedStatement selectShared;
    private final PreparedStatement selectRange;
    private final PreparedStatement selectState;
    private final PreparedStatement createState;
    private final PreparedStatement bumpEpoch;
    private final PreparedStatement updateMark;
    private final PreparedStatement reset;
    private final PreparedStatement selectSend;
    private final PreparedStatement insertSend;
    private final PreparedStatement firstOfBucket;
    private final PreparedStatement deleteBucket;
    private final PreparedStatement deleteState;
    private final PreparedStatement deleteSends;

    DeviceLog(Cql cql) {
        this.cql = cql;
        CqlSession session = cql.session();
        String key = "INSERT INTO device_log (account_id, device_id, bucket, seq, server_id, kind, ";
        insertMessage = session.prepare(key + "sender_account_id, sender_device_id, client_message_id, server_ts,"
                + " envelope_type, ciphertext, payload_ref, group_id, sync_recipient_id)"
                + " VALUES (?, ?, ?, ?, ?, " + KIND_MESSAGE + ", ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        insertReceipt = session.prepare(key + "server_ts, receipt_recipient_id, receipt_more_recipients,"
                + " message_server_id, receipt_state, group_id) VALUES (?, ?, ?, ?, ?, " + KIND_RECEIPT
                + ", ?, ?, ?, ?, ?, ?)");
        // A group event's bytes are a shared payload stored under the event's own id.
        insertGroupEvent = session.prepare(key + "payload_ref) VALUES (?, ?, ?, ?, ?, " + KIND_GROUP_EVENT + ", ?)");
        // An account event's few bytes stay in the row (each device has its own copy).
        insertAccountEvent = session.prepare(key + "ciphertext) VALUES (?, ?, ?, ?, ?, " + KIND_ACCOUNT_EVENT
                + ", ?)");
        insertShared = session.prepare("INSERT INTO shared_payloads (payload_id, ciphertext) VALUES (?, ?)"
                + " USING TTL ?");
        selectShared = session.prepare("SELECT ciphertext FROM shared_payloads WHERE payload_id = ?");
        selectRange = session.prepare("SELECT " + COLUMNS + " FROM device_log WHERE account_id = ? AND device_id = ?"
                + " AND bucket = ? AND seq > ? AND seq <= ? LIMIT ?");
        selectState = session.prepare("SELECT epoch, acked_through FROM device_queues WHERE account_id = ?"
                + " AND device_id = ?");
        createState = session.prepare("INSERT INTO device_queues (account_id, device_id, epoch, acked_through)"
                + " VALUES (?, ?, 1, ?) IF NOT EXISTS");
        bumpEpoch = session.prepare("UPDATE device_queues SET epoch = ? WHERE account_id = ? AND device_id = ?"
                + " IF epoch = ?");
        updateMark = session.prepare("UPDATE device_queues SET acked_through = ? WHERE account_id = ?"
                + " AND device_id = ? IF acked_through < ?");
        selectSend = session.prepare("SELECT server_id, server_ts FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        insertSend = session.prepare("INSERT INTO sent_messages (account_id, device_id, client_message_id,"
                + " server_id, server_ts) VALUES (?, ?, ?, ?, ?)");
        firstOfBucket = session.prepare("SELECT seq FROM device_log WHERE account_id = ? AND device_id = ?"
                + " AND bucket = ? LIMIT 1");
        deleteBucket = session.prepare("DELETE FROM device_log WHERE account_id = ? AND device_id = ? AND bucket = ?");
        // Conditional like every other write of the row: a mark's compare-and-set can't outlive it.
        deleteState = session.prepare("DELETE FROM device_queues WHERE account_id = ? AND device_id = ? IF EXISTS");
        deleteSends = session.prepare("DELETE FROM sent_messages WHERE account_id = ? AND device_id = ?");
        reset = session.prepare("UPDATE device_queues SET epoch = ?, acked_through = ? WHERE account_id = ?"
                + " AND device_id = ? IF epoch = ?");
    }

    static long bucket(long seq) {
        return seq >>> BUCKET_BITS;
    }

    /**
     * Appends items to one device's log, one round trip per partition they fall in (an unlogged batch on one
     * partition is atomic). {@code shared}: a message's ciphertext is a shared payload stored under its server id.
     */
    Mono<Void> append(DeviceAddress to, List<Queued> items, boolean shared, Instant now) {
        Map<Long, List<BatchableStatement<?>>> byBucket = new LinkedHashMap<>();
        for (Queued q : items) {
            byBucket.computeIfAbsent(bucket(q.seq()), b -> new ArrayList<>()).add(insert(to, q, shared, now));
        }
        return Flux.fromIterable(byBucket.values()).flatMap(cql::writePartition).then();
    }

    /** {@code now}: a disappearing message's row lives only what is left of its time (spills come late). */
    private BoundStatement insert(DeviceAddress to, Queued q, boolean shared, Instant now) {
        UUID account = to.accountId();
        int device = to.deviceId();
        long bucket = bucket(q.seq());
        if (q.item() instanceof InboxItem.Message m) {
            return insertMessage.bind(account, device, bucket, q.seq(), m.serverId(), m.sender(), m.senderDevice(),
                    m.clientMessageId(), m.serverTime(), (byte) m.envelopeType(),
                    shared ? null : ByteBuffer.wrap(m.ciphertext()), shared ? m.serverId() : null, m.groupId(),
                    m.syncRecipient(), MessageExpiry.ttlSeconds(m, now));
        }
        if (q.item() instanceof InboxItem.GroupChange g) {
            return insertGroupEvent.bind(account, device, bucket, q.seq(), g.serverId(), g.serverId());
        }
        if (q.item() instanceof InboxItem.AccountChange a) {
            return insertAccountEvent.bind(account, device, bucket, q.seq(), a.serverId(), ByteBuffer.wrap(a.event()));
        }
        InboxItem.Receipt r = (InboxItem.Receipt) q.item();
        List<UUID> recipients = r.recipients();
        return insertReceipt.bind(account, device, bucket, q.seq(), r.serverId(), r.time(), recipients.get(0),
                recipients.size() == 1 ? null : recipients.subList(1, recipients.size()), r.messageServerId(),
                (byte) r.state().getNumber(), r.groupId());
    }

    /**
     * The first items of the range ({@code after}, {@code through}], up to {@code limit}. Empty buckets are stepped
     * over (within the newest epoch up to {@code through}; in older ones until {@link #EMPTY_BUCKETS_ENDING_EPOCH}
     * in a row, then on to the next epoch), so each call costs one read per bucket it looks at.
     */
    Mono<QueuePage> read(DeviceAddress device, long after, long through, int limit) {
        return readFrom(device, after, through, limit, 0);
    }

    private Mono<QueuePage> readFrom(DeviceAddress device, long after, long through, int limit, int emptyRun) {
        if (after >= through) {
            return Mono.just(new QueuePage(List.of(), through));
        }
        long bucket = bucket(after + 1);
        long bucketEnd = Math.min(through, ((bucket + 1) << BUCKET_BITS) - 1);
        return cql.firstPage(selectRange.bind(device.accountId(), device.deviceId(), bucket, after, bucketEnd, limit),
                row -> row)
                .flatMap(this::toItems)
                .flatMap(items -> {
                    if (!items.isEmpty()) {
                        long covered = items.size() < limit ? bucketEnd : items.get(items.size() - 1).seq();
                        return Mono.just(new QueuePage(items, covered));
                    }
                    // A range that ends where an epoch ends (a new entry's log range) has no newest epoch in it.
                    long epoch = Queued.epochOf(bucketEnd);
                    if (epoch < Queued.epochOf(through + 1) && emptyRun + 1 >= EMPTY_BUCKETS_ENDING_EPOCH) {
                        return readFrom(device, Queued.firstOfEpoch(epoch + 1) - 1, through, limit, 0);
                    }
                    return readFrom(device, bucketEnd, through, limit, emptyRun + 1);
                });
    }

    Mono<State> state(DeviceAddress device) {
        return cql.one(selectState.bind(device.accountId(), device.deviceId()),
                row -> new State(row.getLong(0), row.getLong(1), true))
                .defaultIfEmpty(new State(0, 0, false));
    }

    /**
     * Takes the device's next epoch with a compare-and-set, so two nodes creating the entry at once (or one after
     * a lost entry) never share one: completes with the epoch taken, or empty if another node moved it first.
     */
    Mono<Long> takeEpoch(DeviceAddress device, State seen) {
        if (!seen.exists()) {
            return cql.one(createState.bind(device.accountId(), device.deviceId(),
                    Queued.firstOfEpoch(1) - 1), row -> row.getBoolean(0))
                    .filter(applied -> applied).map(applied -> 1L);
        }
        long next = seen.epoch() + 1;
        return cql.one(bumpEpoch.bind(next, device.accountId(), device.deviceId(), seen.epoch()),
                row -> row.getBoolean(0)).filter(applied -> applied).map(applied -> next);
    }

    /**
     * Moves the log's mark forward only, with a compare-and-set: an older stream of the device that ends late
     * (its close writes its mark) would otherwise move it back over a newer stream's, or under the start of an epoch
     * a reset began, and a later drain would deliver again what was acked or retired. Nor does it bring back the
     * state of an erased device: the condition fails on a missing row.
     *
     * @return whether the log now holds this mark or a higher one (false: the row is gone)
     */
    Mono<Boolean> persistMark(DeviceAddress device, long ackedThrough) {
        // Not applied: the answer carries the current mark, or no such column when the row is missing.
        return cql.one(updateMark.bind(ackedThrough, device.accountId(), device.deviceId(), ackedThrough),
                row -> row.getBoolean(0) || row.getColumnDefinitions().contains("acked_through")
                        && !row.isNull("acked_through") && row.getLong("acked_through") >= ackedThrough);
    }

    /**
     * Retires everything a removed device's queue held: a new epoch whose start is acked, so a later install at
     * the same address starts empty (the rows expire with their TTL). Empty if another node moved the epoch first.
     */
    Mono<Boolean> reset(DeviceAddress device, State seen) {
        long next = seen.epoch() + 1;
        return cql.one(reset.bind(next, Queued.firstOfEpoch(next) - 1, device.accountId(), device.deviceId(),
                seen.epoch()), row -> row.getBoolean(0));
    }

    /**
     * Erases everything a deleted account's device has here: its log (every epoch's buckets, each found the way
     * {@link #read} finds an older epoch's end), its send records, and last its queue state, which names the epochs
     * (so an erase that failed midway is found again by the next). The account id is never used again.
     */
    Mono<Void> erase(DeviceAddress device) {
        return state(device).flatMap(state -> Flux.range(1, (int) state.epoch())
                .concatMap(epoch -> eraseFrom(device, bucket(Queued.firstOfEpoch(epoch)), 0))
                .then(cql.write(deleteSends.bind(device.accountId(), device.deviceId())))
                .then(cql.write(deleteState.bind(device.accountId(), device.deviceId()))));
    }

    private Mono<Void> eraseFrom(DeviceAddress device, long bucket, int emptyRun) {
        if (emptyRun == EMPTY_BUCKETS_ENDING_EPOCH) {
            return Mono.empty();
        }
        return cql.one(firstOfBucket.bind(device.accountId(), device.deviceId(), bucket), row -> row)
                .flatMap(any -> cql.write(deleteBucket.bind(device.accountId(), device.deviceId(), bucket))
                        .thenReturn(0))
                .defaultIfEmpty(emptyRun + 1)
                .flatMap(run -> eraseFrom(device, bucket + 1, run));
    }

    /**
     * The send with this client id the log remembers, as an incomplete one (its copies may be partly stored): the
     * idempotency record beyond the grid's memory.
     */
    Mono<DeviceQueue.Send> findSend(DeviceAddress sender, long clientMessageId) {
        return cql.one(selectSend.bind(sender.accountId(), sender.deviceId(), clientMessageId),
                r -> new DeviceQueue.Send(r.getLong("server_id"), r.getInstant("server_ts").toEpochMilli(), false,
                        true));
    }

    Mono<Void> recordSend(DeviceAddress sender, long clientMessageId, DeviceQueue.Send send) {
        return recordSends(sender, Map.of(clientMessageId, send));
    }

    /** Send records of one device, written together (its partition: one write per batch). */
    Mono<Void> recordSends(DeviceAddress sender, Map<Long, DeviceQueue.Send> sends) {
        List<BatchableStatement<?>> rows = new ArrayList<>();
        sends.forEach((clientId, send) -> rows.add(insertSend.bind(sender.accountId(), sender.deviceId(), clientId,
                send.serverId(), Instant.ofEpochMilli(send.serverTimeMillis()))));
        return rows.isEmpty() ? Mono.empty() : cql.writePartition(rows);
    }

    /** Stores a payload once for many queues (group messages and events). */
    Mono<Void> putSharedPayload(long payloadId, byte[] ciphertext) {
        return putSharedPayload(payloadId, ciphertext, MessageExpiry.RETENTION);
    }

    /** Same, kept {@code lifetime} at most (a disappearing group message's). */
    Mono<Void> putSharedPayload(long payloadId, byte[] ciphertext, Duration lifetime) {
        return cql.write(insertShared.bind(payloadId, ByteBuffer.wrap(ciphertext), MessageExpiry.ttlSeconds(lifetime)));
    }

    /** An expired shared payload reads as empty bytes; the device acks the entry and moves on. */
    Mono<byte[]> sharedPayload(long payloadId) {
        return cql.one(selectShared.bind(payloadId), r -> Blobs.bytes(r.getByteBuffer(0))).defaultIfEmpty(new byte[0]);
    }

    /** Rows to items in order; shared payloads are fetched in parallel. */
    private Mono<List<Queued>> toItems(List<Row> rows) {
        return Flux.fromIterable(rows).flatMapSequential(row -> toItem(row).map(i -> new Queued(row.getLong("seq"), i)))
                .collectList();
    }

    private Mono<InboxItem> toItem(Row row) {
        long serverId = row.getLong("server_id");
        byte kind = row.getByte("kind");
        if (kind == KIND_RECEIPT) {
            List<UUID> recipients = new ArrayList<>();
            recipients.add(row.getUuid("receipt_recipient_id"));
            recipients.addAll(row.getList("receipt_more_recipients", UUID.class));
            return Mono.just(new InboxItem.Receipt(serverId, row.getLong("message_server_id"),
                    recipients, ReceiptState.forNumber(row.getByte("receipt_state")),
                    row.getInstant("server_ts"), row.getUuid("group_id")));
        }
        if (kind == KIND_GROUP_EVENT) {
            return sharedPayload(row.getLong("payload_ref")).map(bytes -> new InboxItem.GroupChange(serverId, bytes));
        }
        if (kind == KIND_ACCOUNT_EVENT) {
            return Mono.just(new InboxItem.AccountChange(serverId, Blobs.bytes(row.getByteBuffer("ciphertext"))));
        }
        Mono<byte[]> ciphertext = row.isNull("payload_ref")
                ? Mono.just(Blobs.bytes(row.getByteBuffer("ciphertext")))
                : sharedPayload(row.getLong("payload_ref"));
        return ciphertext.map(bytes -> new InboxItem.Message(serverId, row.getUuid("sender_account_id"),
                row.getInt("sender_device_id"), row.getLong("client_message_id"), row.getInstant("server_ts"),
                row.getByte("envelope_type"), bytes, row.getUuid("group_id"), row.getUuid("sync_recipient_id")));
    }
}
