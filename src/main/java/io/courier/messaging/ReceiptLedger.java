package io.courier.messaging;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.store.Cql;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tick state per (message, recipient account). SENT is written with the message; DELIVERED and READ each set a column
 * of their own and never touch the other, so a late or duplicate DELIVERED can't undo a READ whatever order writes
 * land in: the state is the furthest column set.
 */
final class ReceiptLedger {
    /** The state of one message for one recipient. */
    record RecipientState(UUID recipient, ReceiptState state, Instant updatedAt) {
    }

    /** How far one message got for one recipient; {@code groupId} is set for group messages. */
    record Progress(ReceiptState state, UUID groupId) {
    }

    /** Rows per unlogged batch when a group message is recorded for its members (one partition: the message's). */
    private static final int SENT_BATCH = 128;

    private final Cql cql;
    private final PreparedStatement insertSent;
    private final PreparedStatement selectSome;
    private final PreparedStatement selectMessage;
    private final PreparedStatement markDelivered;
    private final PreparedStatement markRead;

    ReceiptLedger(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        insertSent = session.prepare("INSERT INTO receipts (sender_account_id, server_id, recipient_account_id, state,"
                + " updated_at, group_id) VALUES (?, ?, ?, " + ReceiptState.RECEIPT_STATE_SENT_VALUE + ", ?, ?)");
        String columns = "recipient_account_id, state, updated_at, delivered_at, read_at, group_id";
        selectSome = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id IN ?");
        selectMessage = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ?");
        markDelivered = session.prepare("UPDATE receipts SET delivered_at = ? WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id = ?");
        markRead = session.prepare("UPDATE receipts SET read_at = ? WHERE sender_account_id = ? AND server_id = ?"
                + " AND recipient_account_id = ?");
    }

    Mono<Void> recordSent(UUID sender, long serverId, UUID recipient, Instant at) {
        return cql.write(insertSent.bind(sender, serverId, recipient, at, null));
    }

    /** SENT for every member a group message goes to, a batch per {@value #SENT_BATCH} members. */
    Mono<Void> recordGroupSent(UUID sender, long serverId, UUID groupId, List<UUID> recipients, Instant at) {
        return Flux.range(0, (recipients.size() + SENT_BATCH - 1) / SENT_BATCH)
                .flatMap(chunk -> cql.write(BatchStatement.newInstance(BatchType.UNLOGGED, recipients
                        .subList(chunk * SENT_BATCH, Math.min(recipients.size(), (chunk + 1) * SENT_BATCH)).stream()
                        .<BatchableStatement<?>>map(r -> insertSent.bind(sender, serverId, r, at, groupId))
                        .toList())))
                .then();
    }

    /**
     * How far one message got for each of {@code recipients}, in one round trip (one partition); recipients it was
     * never sent to (or whose 30 days are over) are absent.
     */
    Mono<Map<UUID, Progress>> progress(UUID sender, long serverId, Collection<UUID> recipients) {
        return cql.firstPage(selectSome.bind(sender, serverId, List.copyOf(recipients)), r -> r).map(rows -> {
            Map<UUID, Progress> progress = new HashMap<>();
            rows.forEach(r -> progress.put(r.getUuid("recipient_account_id"),
                    new Progress(toState(r).state(), r.getUuid("group_id"))));
            return progress;
        });
    }

    /** One message moved to {@code state} for one recipient. */
    record Mark(long serverId, UUID recipient, ReceiptState state, Instant at) {
    }

    /** Moves messages of one sender forward in one round trip (an unlogged batch over their partitions). */
    Mono<Void> mark(UUID sender, List<Mark> marks) {
        List<BatchableStatement<?>> updates = marks.stream().<BatchableStatement<?>>map(m -> (m.state()
                == ReceiptState.RECEIPT_STATE_READ ? markRead : markDelivered).bind(m.at(), sender, m.serverId(),
                        m.recipient())).toList();
        return cql.write(updates.size() == 1 ? updates.get(0) : BatchStatement.newInstance(BatchType.UNLOGGED, updates));
    }

    Mono<List<RecipientState>> statuses(UUID sender, long serverId) {
        return cql.firstPage(selectMessage.bind(sender, serverId), ReceiptLedger::toState);
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
