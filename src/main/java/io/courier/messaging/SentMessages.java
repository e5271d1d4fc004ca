package io.courier.messaging;

import java.time.Instant;
import java.util.function.Function;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.api.v1.FrameErrorCode;
import io.courier.cluster.DeviceAddress;
import io.courier.common.TokenBucket;
import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * Idempotency records: (sending device, client message id) → the server id the send got. Reserved before the first
 * inbox write and marked complete after the last, so a retry either gets the same SendAck (complete) or rewrites
 * the same rows under the same id (cut short midway): never a second copy under a new id.
 */
final class SentMessages {
    /** @param complete every inbox copy was written */
    record Sent(long serverId, Instant serverTime, boolean complete) {
    }

    private final Cql cql;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement complete;

    SentMessages(Cql cql) {
        this.cql = cql;
        select = cql.session().prepare("SELECT server_id, server_ts, complete FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        insert = cql.session().prepare("INSERT INTO sent_messages (account_id, device_id, client_message_id,"
                + " server_id, server_ts, complete) VALUES (?, ?, ?, ?, ?, false)");
        complete = cql.session().prepare("UPDATE sent_messages SET complete = true WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
    }

    /**
     * Runs a send once per client id. A retry is answered before the rate limit is consulted: a completed send with
     * its SendAck at once, one cut short midway by {@code store} with the id it reserved (the same rows again). A new
     * send takes from {@code rate}, then runs {@code store} with null.
     */
    Mono<SendOutcome> once(DeviceAddress sender, long clientMessageId, TokenBucket rate,
            Function<Sent, Mono<SendOutcome>> store) {
        return find(sender, clientMessageId)
                .flatMap(previous -> previous.complete()
                        ? Mono.just((SendOutcome) new SendOutcome.Accepted(clientMessageId, previous.serverId(),
                                previous.serverTime()))
                        : store.apply(previous))
                .switchIfEmpty(Mono.defer(() -> rate.tryTake() ? store.apply(null)
                        : Mono.just(new SendOutcome.Refused(FrameErrors.forSend(clientMessageId,
                                FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "sending too fast; slow down")))));
    }

    /** The earlier send with this client id, or empty. Records from before reservations existed are complete. */
    Mono<Sent> find(DeviceAddress sender, long clientMessageId) {
        return cql.one(select.bind(sender.accountId(), sender.deviceId(), clientMessageId),
                r -> new Sent(r.getLong("server_id"), r.getInstant("server_ts"),
                        r.isNull("complete") || r.getBoolean("complete")));
    }

    Mono<Void> reserve(DeviceAddress sender, long clientMessageId, Sent sent) {
        return cql.write(insert.bind(sender.accountId(), sender.deviceId(), clientMessageId, sent.serverId(),
                sent.serverTime()));
    }

    Mono<Void> completed(DeviceAddress sender, long clientMessageId) {
        return cql.write(complete.bind(sender.accountId(), sender.deviceId(), clientMessageId));
    }
}
