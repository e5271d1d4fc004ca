package io.courier.messaging;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;
import io.courier.store.Cql;
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

    private final Cql cql;
    private final PreparedStatement insertSent;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectMessage;
    private final PreparedStatement markDelivered;
    private final PreparedStatement markRead;

    ReceiptLedger(Cql cql) {
        this.cql = cql;
        var session = cql.session();
        insertSent = session.prepare("INSERT INTO receipts (sender_account_id, server_id, recipient_account_id, state,"
                + " updated_at) VALUES (?, ?, ?, " + ReceiptState.RECEIPT_STATE_SENT_VALUE + ", ?)");
        String columns = "recipient_account_id, state, updated_at, delivered_at, read_at";
        selectOne = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id = ?");
        selectMessage = session.prepare("SELECT " + columns + " FROM receipts WHERE sender_account_id = ?"
                + " AND server_id = ?");
        markDelivered = session.prepare("UPDATE receipts SET delivered_at = ? WHERE sender_account_id = ?"
                + " AND server_id = ? AND recipient_account_id = ?");
        markRead = session.prepare("UPDATE receipts SET read_at = ? WHERE sender_account_id = ? AND server_id = ?"
                + " AND recipient_account_id = ?");
    }

    Mono<Void> recordSent(UUID sender, long serverId, UUID recipient, Instant at) {
        return cql.write(insertSent.bind(sender, serverId, recipient, at));
    }

    /** Empty when the message was never sent to this recipient (or its 30 days are over). */
    Mono<ReceiptState> state(UUID sender, long serverId, UUID recipient) {
        return cql.one(selectOne.bind(sender, serverId, recipient), r -> toState(r).state());
    }

    /** Moves messages of one sender to {@code to} for one recipient, in one round trip (one partition). */
    Mono<Void> mark(UUID sender, List<Long> serverIds, UUID recipient, ReceiptState to, Instant at) {
        PreparedStatement column = to == ReceiptState.RECEIPT_STATE_READ ? markRead : markDelivered;
        List<BatchableStatement<?>> updates = serverIds.stream()
                .<BatchableStatement<?>>map(id -> column.bind(at, sender, id, recipient)).toList();
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
