package io.courier.messaging;

import java.time.Instant;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.cluster.DeviceAddress;
import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * Idempotency records: (sending device, client message id) → the server id the send got. Written after every inbox
 * write, so a record means the send completed; a retry finding it is answered with the same SendAck.
 */
final class SentMessages {
    record Sent(long serverId, Instant serverTime) {
    }

    private final Cql cql;
    private final PreparedStatement select;
    private final PreparedStatement insert;

    SentMessages(Cql cql) {
        this.cql = cql;
        select = cql.session().prepare("SELECT server_id, server_ts FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        insert = cql.session().prepare("INSERT INTO sent_messages (account_id, device_id, client_message_id,"
                + " server_id, server_ts) VALUES (?, ?, ?, ?, ?)");
    }

    /** The earlier send with this client id, or empty. */
    Mono<Sent> find(DeviceAddress sender, long clientMessageId) {
        return cql.one(select.bind(sender.accountId(), sender.deviceId(), clientMessageId),
                r -> new Sent(r.getLong("server_id"), r.getInstant("server_ts")));
    }

    Mono<Void> record(DeviceAddress sender, long clientMessageId, Sent sent) {
        return cql.write(insert.bind(sender.accountId(), sender.deviceId(), clientMessageId, sent.serverId(),
                sent.serverTime()));
    }
}
