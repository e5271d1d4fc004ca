package io.courier.messaging;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;

import io.courier.api.v1.ReceiptState;

/**
 * Tick state per (message, recipient account). States only move forward (SENT → DELIVERED → READ); moving to a
 * state already reached, or behind it, changes nothing.
 */
final class ReceiptLedger {
    /** The state of one message for one recipient. */
    record RecipientState(UUID recipient, ReceiptState state, Instant updatedAt) {
    }

    enum Advance { ADVANCED, UNCHANGED, UNKNOWN }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectMessage;

    ReceiptLedger(CqlSession session) {
        this.session = session;
        insert = session.prepare("INSERT INTO receipts (sender_account_id, server_id, recipient_account_id, state,"
                + " updated_at) VALUES (?, ?, ?, ?, ?)");
        selectOne = session.prepare("SELECT state FROM receipts WHERE sender_account_id = ? AND server_id = ?"
                + " AND recipient_account_id = ?");
        selectMessage = session.prepare("SELECT recipient_account_id, state, updated_at FROM receipts"
                + " WHERE sender_account_id = ? AND server_id = ?");
    }

    CompletionStage<AsyncResultSet> recordSent(UUID sender, long serverId, UUID recipient, Instant at) {
        return session.executeAsync(insert.bind(sender, serverId, recipient,
                (byte) ReceiptState.RECEIPT_STATE_SENT_VALUE, at));
    }

    private Optional<ReceiptState> state(UUID sender, long serverId, UUID recipient) {
        Row row = session.execute(selectOne.bind(sender, serverId, recipient)).one();
        return Optional.ofNullable(row).map(r -> ReceiptState.forNumber(r.getByte("state")));
    }

    /**
     * Moves the state forward. Read-then-write: two devices of one recipient acking at once may both report
     * ADVANCED; receipts are idempotent for the sender, so that costs a duplicate event, never a wrong state.
     */
    Advance advance(UUID sender, long serverId, UUID recipient, ReceiptState to, Instant at) {
        Optional<ReceiptState> current = state(sender, serverId, recipient);
        if (current.isEmpty()) {
            return Advance.UNKNOWN;
        }
        if (current.get().getNumber() >= to.getNumber()) {
            return Advance.UNCHANGED;
        }
        session.execute(insert.bind(sender, serverId, recipient, (byte) to.getNumber(), at));
        return Advance.ADVANCED;
    }

    List<RecipientState> statuses(UUID sender, long serverId) {
        return session.execute(selectMessage.bind(sender, serverId)).all().stream()
                .map(r -> new RecipientState(r.getUuid("recipient_account_id"), ReceiptState.forNumber(r.getByte("state")),
                        r.getInstant("updated_at")))
                .toList();
    }
}
