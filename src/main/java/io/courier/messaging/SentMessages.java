package io.courier.messaging;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.cluster.DeviceAddress;

/**
 * Idempotency records: (sending device, client message id) → the server id the send got. Written after every inbox
 * write, so a record means the send completed; a retry finding it is answered with the same SendAck.
 */
final class SentMessages {
    record Sent(long serverId, Instant serverTime) {
    }

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insert;

    SentMessages(CqlSession session) {
        this.session = session;
        select = session.prepare("SELECT server_id, server_ts FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        insert = session.prepare("INSERT INTO sent_messages (account_id, device_id, client_message_id, server_id,"
                + " server_ts) VALUES (?, ?, ?, ?, ?)");
    }

    CompletionStage<Optional<Sent>> find(DeviceAddress sender, long clientMessageId) {
        return session.executeAsync(select.bind(sender.accountId(), sender.deviceId(), clientMessageId))
                .thenApply(rs -> Optional.ofNullable(rs.one())
                        .map(r -> new Sent(r.getLong("server_id"), r.getInstant("server_ts"))));
    }

    void record(DeviceAddress sender, long clientMessageId, Sent sent) {
        session.execute(insert.bind(sender.accountId(), sender.deviceId(), clientMessageId, sent.serverId(),
                sent.serverTime()));
    }
}
