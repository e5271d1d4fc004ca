package io.courier.messaging;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.ServerIds;
import io.courier.store.Cql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The cold side of the tick ledger. A 1:1 message's ticks live in {@code direct_receipts}, one partition per
 * sender and {@link #BUCKET} of server-id time, so the grid's flush of a sender's recent messages is one write; a
 * group message's in {@code receipts}, one partition per message (its members). Sent, delivered and read each set a
 * column of their own and never touch the others, so a late or duplicate DELIVERED can't undo a READ whatever order
 * writes land in: the state is the furthest column set.
 */
final class ReceiptTable {
    /** The state of one message for one recipient. */
    record RecipientState(UUID recipient, ReceiptState state, Instant updatedAt) {
    }

    /** How far one message got for one recipient; {@code groupId} is set for group messages. */
    record Progress(ReceiptState state, UUID groupId) {
    }

    /** One message moved to {@code state} for one recipient; {@code group}: a group message. */
    record Mark(long serverId, UUID recipient, ReceiptState state, Instant at, boolean group) {
    }

    /** A 1:1 message's ticks; 0 for a time not reached (or not known here). */
    record DirectRow(long serverId, UUID recipient, long sentMillis, long deliveredMillis, long readMillis)
            implements Serializable {
        /** The furthest state reached, and when. */
        RecipientState state() {
            if (readMillis > 0) {
                return new RecipientState(recipient, ReceiptState.RECEIPT_STATE_READ, Instant.ofEpochMilli(readMillis));
            }
            if (deliveredMillis > 0) {
                return new RecipientState(recipient, ReceiptState.RECEIPT_STATE_DELIVERED,
                        Instant.ofEpochMilli(deliveredMillis));
            }
            return new RecipientState(recipient, ReceiptState.RECEIPT_STATE_SENT, Instant.ofEpochMilli(sentMillis));
        }
    }

    /** Server-id time one {@code direct_receipts} partition covers. */
    static final Duration BUCKET = Duration.ofMinutes(10);

    private final Cql cql;
    private final PreparedStatement insertGroupSent;
    private final PreparedStatement selectSome;
    private final PreparedStatement selectMessage;
    private final PreparedStatement markGroupDelivered;
    private final PreparedStatement markGroupRead;
    private final PreparedStatement putDirect;
    private final PreparedStatement selectDirect;

    ReceiptTable(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        insertGroupSent = session.prepare("INSERT INTO receipts (sender_account_id, server_id, recipient_account_id,"
                + " state, updated_at, group_id) VALUES (?, ?, ?, " + ReceiptState.RECEIPT_STATE_SENT_VALUE
                + ", ?, ?)");
        String columns = "recipient_account_id, state, updated_at, delivered_at, read_at, group_id";
        selectSome = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id IN ?");
        selectMessage = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ?");
        markGroupDelivered = session.prepare("UPDATE receipts SET delivered_at = ? WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id = ?");
        markGroupRead = session.prepare("UPDATE receipts SET read_at = ? WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id = ?");
        // Columns left unset are not written: a flush of SENT alone never erases a READ written by a later mark.
        putDirect = session.prepare("UPDATE direct_receipts SET sent_at = :sent, delivered_at = :delivered,"
                + " read_at = :read WHERE sender_account_id = :sender AND bucket = :bucket AND server_id = :id"
                + " AND recipient_account_id = :recipient");
        selectDirect = session.prepare("SELECT server_id, recipient_account_id, sent_at, delivered_at, read_at"
                + " FROM direct_receipts WHERE sender_account_id = ? AND bucket = ? AND server_id = ?");
    }

    static long bucket(long serverId) {
        return ServerIds.millisOf(serverId) / BUCKET.toMillis();
    }

    /** SENT of a 1:1 message (write-through: the grid doesn't hold it). */
    Mono<Void> recordSent(UUID sender, long serverId, UUID recipient, Instant at) {
        return cql.write(direct(sender, new DirectRow(serverId, recipient, at.toEpochMilli(), 0, 0)));
    }

    /** SENT for every member a group message goes to (one partition: the message's). */
    Mono<Void> recordGroupSent(UUID sender, long serverId, UUID groupId, List<UUID> recipients, Instant at) {
        return cql.writePartition(recipients.stream()
                .map(r -> insertGroupSent.bind(sender, serverId, r, at, groupId)).toList());
    }

    /** 1:1 rows the grid held, one unlogged batch per partition (usually one: a sender's recent messages). */
    Mono<Void> putDirect(UUID sender, List<DirectRow> rows) {
        Map<Long, List<BatchableStatement<?>>> byBucket = new LinkedHashMap<>();
        rows.forEach(row -> byBucket.computeIfAbsent(bucket(row.serverId()), b -> new ArrayList<>())
                .add(direct(sender, row)));
        return Flux.fromIterable(byBucket.values()).flatMap(cql::writePartition).then();
    }

    private BoundStatement direct(UUID sender, DirectRow row) {
        BoundStatementBuilder bound = putDirect.boundStatementBuilder().setUuid("sender", sender)
                .setLong("bucket", bucket(row.serverId())).setLong("id", row.serverId())
                .setUuid("recipient", row.recipient());
        setTime(bound, "sent", row.sentMillis());
        setTime(bound, "delivered", row.deliveredMillis());
        setTime(bound, "read", row.readMillis());
        return bound.build();
    }

    private static void setTime(BoundStatementBuilder bound, String name, long millis) {
        if (millis > 0) {
            bound.setInstant(name, Instant.ofEpochMilli(millis));
        }
    }

    /**
     * How far one message got for each of {@code recipients}, in one round trip when its kind is known; recipients
     * it was never sent to (or whose 30 days are over) are absent. {@code group}: known to be a group message;
     * otherwise the 1:1 table is asked first and the group table only when it has nothing.
     */
    Mono<Map<UUID, Progress>> progress(UUID sender, long serverId, Collection<UUID> recipients, boolean group) {
        Mono<Map<UUID, Progress>> groupProgress = cql.firstPage(selectSome.bind(sender, serverId,
                List.copyOf(recipients)), r -> r).map(rows -> {
                    Map<UUID, Progress> progress = new HashMap<>();
                    rows.forEach(r -> progress.put(r.getUuid("recipient_account_id"),
                            new Progress(toState(r).state(), r.getUuid("group_id"))));
                    return progress;
                });
        if (group) {
            return groupProgress;
        }
        return direct(sender, serverId).flatMap(states -> {
            if (states.isEmpty()) {
                return groupProgress;
            }
            Map<UUID, Progress> progress = new HashMap<>();
            states.stream().filter(s -> recipients.contains(s.recipient()))
                    .forEach(s -> progress.put(s.recipient(), new Progress(s.state(), null)));
            return Mono.just(progress);
        });
    }

    /** Moves messages of one sender forward in one round trip (an unlogged batch over their partitions). */
    Mono<Void> mark(UUID sender, List<Mark> marks) {
        List<BatchableStatement<?>> updates = marks.stream().<BatchableStatement<?>>map(m -> {
            boolean read = m.state() == ReceiptState.RECEIPT_STATE_READ;
            if (m.group()) {
                return (read ? markGroupRead : markGroupDelivered).bind(m.at(), sender, m.serverId(), m.recipient());
            }
            long at = m.at().toEpochMilli();
            return direct(sender, new DirectRow(m.serverId(), m.recipient(), 0, read ? 0 : at, read ? at : 0));
        }).toList();
        return cql.write(updates.size() == 1 ? updates.get(0) : BatchStatement.newInstance(BatchType.UNLOGGED, updates));
    }

    /** Every recipient's state of one message: a 1:1 message's row, else a group message's. */
    Mono<List<RecipientState>> statuses(UUID sender, long serverId) {
        return direct(sender, serverId).flatMap(states -> states.isEmpty()
                ? cql.firstPage(selectMessage.bind(sender, serverId), ReceiptTable::toState)
                : Mono.just(states));
    }

    private Mono<List<RecipientState>> direct(UUID sender, long serverId) {
        return cql.firstPage(selectDirect.bind(sender, bucket(serverId), serverId), ReceiptTable::directState);
    }

    /** A row may hold a later mark only (its SENT expired, or is still in the grid): it counts too. */
    private static RecipientState directState(Row row) {
        return new DirectRow(row.getLong("server_id"), row.getUuid("recipient_account_id"), millis(row, "sent_at"),
                millis(row, "delivered_at"), millis(row, "read_at")).state();
    }

    private static long millis(Row row, String column) {
        return row.isNull(column) ? 0 : row.getInstant(column).toEpochMilli();
    }

    /** The furthest state reached; {@code state} alone may hold DELIVERED or READ written by older nodes. */
    private static RecipientState toState(Row row) {
        UUID recipient = row.getUuid("recipient_account_id");
        if (!row.isNull("read_at")) {
            return new RecipientState(recipient, ReceiptState.RECEIPT_STATE_READ, row.getInstant("read_at"));
        }
        ReceiptState stored = ReceiptState.forNumber(row.getByte("state"));
        if (!row.isNull("delivered_at") && stored.getNumber() < ReceiptState.RECEIPT_STATE_DELIVERED_VALUE) {
            return new RecipientState(recipient, ReceiptState.RECEIPT_STATE_DELIVERED, row.getInstant("delivered_at"));
        }
        return new RecipientState(recipient, stored, row.getInstant("updated_at"));
    }
}
