package io.courier.messaging;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;

import io.courier.api.v1.FrameErrorCode;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.common.TokenBucket;
import io.courier.store.Cql;
import reactor.core.publisher.Mono;

/**
 * Sends run once per (sending device, client message id). The first attempt claims the id atomically on the
 * sending device's queue entry ({@link DeviceQueues#claim}); every other attempt, concurrent or later, gets the
 * first one's server id and stores nothing: a completed send is answered with its SendAck, a concurrent attempt on
 * this node joins the one in flight, and one cut short (its node died midway) is written again under its id. The
 * log's {@code sent_messages} row keeps the id beyond the grid's memory (a full restart).
 */
final class SentMessages {
    /** @param retry an earlier attempt claimed the id; its copies may be partly stored */
    record Sent(long serverId, Instant serverTime, boolean retry) {
    }

    private record Attempt(DeviceAddress sender, long clientMessageId) {
    }

    private final Cql cql;
    private final DeviceQueues queues;
    private final ServerIds serverIds;
    private final Clock clock;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    /** Attempts in flight on this node: a concurrent retry waits for the first attempt's outcome. */
    private final Map<Attempt, Mono<SendOutcome>> inFlight = new ConcurrentHashMap<>();

    SentMessages(Cql cql, DeviceQueues queues, ServerIds serverIds, Clock clock) {
        this.cql = cql;
        this.queues = queues;
        this.serverIds = serverIds;
        this.clock = clock;
        select = cql.session().prepare("SELECT server_id, server_ts FROM sent_messages WHERE account_id = ?"
                + " AND device_id = ? AND client_message_id = ?");
        insert = cql.session().prepare("INSERT INTO sent_messages (account_id, device_id, client_message_id,"
                + " server_id, server_ts) VALUES (?, ?, ?, ?, ?)");
    }

    /**
     * Runs a send once per client id. A retry is answered before the rate limit is consulted. A new send takes from
     * {@code rate}, then runs {@code store}; if that refuses it, the claim goes, so a corrected retry is new.
     */
    Mono<SendOutcome> once(DeviceAddress sender, long clientMessageId, TokenBucket rate,
            Function<Sent, Mono<SendOutcome>> store) {
        Attempt attempt = new Attempt(sender, clientMessageId);
        Mono<SendOutcome> running = inFlight.get(attempt);
        if (running != null) {
            return running;
        }
        Sent candidate = new Sent(serverIds.next(), clock.instant().truncatedTo(ChronoUnit.MILLIS), false);
        DeviceQueue.Send claim = new DeviceQueue.Send(candidate.serverId(), candidate.serverTime().toEpochMilli(),
                false);
        Mono<SendOutcome> run = queues.claim(sender, clientMessageId, claim, this)
                .map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(earlier -> earlier.isPresent() ? again(sender, clientMessageId, earlier.get(), store)
                        : first(sender, clientMessageId, candidate, claim, rate, store))
                .doFinally(signal -> inFlight.remove(attempt))
                .cache();
        Mono<SendOutcome> raced = inFlight.putIfAbsent(attempt, run);
        return raced != null ? raced : run;
    }

    private Mono<SendOutcome> first(DeviceAddress sender, long clientMessageId, Sent candidate,
            DeviceQueue.Send claim, TokenBucket rate, Function<Sent, Mono<SendOutcome>> store) {
        Mono<SendOutcome> stored = rate.tryTake() ? store.apply(candidate)
                : Mono.just(new SendOutcome.Refused(FrameErrors.forSend(clientMessageId,
                        FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "sending too fast; slow down")));
        return stored.flatMap(outcome -> {
            if (outcome instanceof SendOutcome.Accepted) {
                // Off the SendAck's path: until it lands, a retry just stores the same copies again.
                queues.completed(sender, clientMessageId, claim).subscribe(null, e -> { });
                return Mono.just(outcome);
            }
            return queues.forget(sender, clientMessageId, candidate.serverId()).thenReturn(outcome);
        });
    }

    private Mono<SendOutcome> again(DeviceAddress sender, long clientMessageId, DeviceQueue.Send earlier,
            Function<Sent, Mono<SendOutcome>> store) {
        Instant time = Instant.ofEpochMilli(earlier.serverTimeMillis());
        if (earlier.complete()) {
            return Mono.just(new SendOutcome.Accepted(clientMessageId, earlier.serverId(), time));
        }
        return store.apply(new Sent(earlier.serverId(), time, true)).flatMap(outcome -> outcome
                instanceof SendOutcome.Accepted ? queues.completed(sender, clientMessageId, earlier)
                        .thenReturn(outcome) : Mono.just(outcome));
    }

    /** The send with this client id the log remembers, as an incomplete one (its copies may be partly stored). */
    Mono<DeviceQueue.Send> find(DeviceAddress sender, long clientMessageId) {
        return cql.one(select.bind(sender.accountId(), sender.deviceId(), clientMessageId),
                r -> new DeviceQueue.Send(r.getLong("server_id"), r.getInstant("server_ts").toEpochMilli(), false));
    }

    /** Records a new send's id in the log, beside its copies. */
    Mono<Void> record(DeviceAddress sender, long clientMessageId, Sent sent) {
        return cql.write(insert.bind(sender.accountId(), sender.deviceId(), clientMessageId, sent.serverId(),
                sent.serverTime()));
    }
}
