package io.courier.messaging;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.courier.api.v1.FrameErrorCode;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.ServerIds;
import io.courier.common.TokenBucket;
import reactor.core.publisher.Mono;

/**
 * Sends run once per (sending device, client message id). The first attempt claims the id atomically on the
 * sending device's queue entry ({@link DeviceQueues#claim}); every other attempt, concurrent or later, gets the
 * first one's server id and stores nothing: a completed send is answered with its SendAck, a concurrent attempt on
 * this node joins the one in flight, and one cut short (its node died midway) is written again under its id. A
 * send's completion reaches the entry with the device's next change of it, or alone after {@link
 * DeviceQueues#COMPLETION_LINGER}: a retry on another node before then stores the same copies again under the same
 * id (devices see them once). The
 * log's {@code sent_messages} row keeps the id beyond the grid's memory (a full restart): written before the SendAck
 * on a lone member, otherwise by the queue owner's spill once it is {@code tick-flush} old, with the device's other
 * records (until then the id is in two members' memory: with a hold, as durable as the copies; written through, the
 * copies outlive it, and a retry after two simultaneous member deaths may store a second copy — never lose one).
 */
final class SentMessages {
    /** @param retry an earlier attempt claimed the id; its copies may be partly stored */
    record Sent(long serverId, Instant serverTime, boolean retry) {
    }

    private record Attempt(DeviceAddress sender, long clientMessageId) {
    }

    private final DeviceQueues queues;
    private final DeviceLog log;
    private final ServerIds serverIds;
    private final Clock clock;
    /** Attempts in flight on this node: a concurrent retry waits for the first attempt's outcome. */
    private final Map<Attempt, Mono<SendOutcome>> inFlight = new ConcurrentHashMap<>();
    /**
     * Sends accepted here whose completion has not reached the queue's entry yet (it rides the device's next grid
     * call, {@link DeviceQueues#completedSoon}): a retry on this node meanwhile gets the SendAck from here.
     */
    private final Map<Attempt, SendOutcome> completing = new ConcurrentHashMap<>();

    SentMessages(DeviceQueues queues, DeviceLog log, ServerIds serverIds, Clock clock) {
        this.queues = queues;
        this.log = log;
        this.serverIds = serverIds;
        this.clock = clock;
    }

    /**
     * Runs a send once per client id. A retry is answered before the rate limit is consulted. A new send takes from
     * {@code rate}, then runs {@code store}; if that refuses it, the claim goes, so a corrected retry is new.
     */
    Mono<SendOutcome> once(DeviceAddress sender, long clientMessageId, TokenBucket rate,
            Function<Sent, Mono<SendOutcome>> store) {
        Attempt attempt = new Attempt(sender, clientMessageId);
        SendOutcome accepted = completing.get(attempt);
        if (accepted != null) {
            return Mono.just(accepted);
        }
        Mono<SendOutcome> running = inFlight.get(attempt);
        if (running != null) {
            return running;
        }
        Sent candidate = new Sent(serverIds.next(), clock.instant().truncatedTo(ChronoUnit.MILLIS), false);
        boolean holding = queues.replicated();
        DeviceQueue.Send claim = new DeviceQueue.Send(candidate.serverId(), candidate.serverTime().toEpochMilli(),
                false, !holding);
        Mono<SendOutcome> run = queues.claim(sender, clientMessageId, claim)
                .map(Optional::of).defaultIfEmpty(Optional.empty())
                .flatMap(earlier -> earlier.isPresent() ? again(sender, clientMessageId, earlier.get(), store)
                        : first(sender, clientMessageId, candidate, holding, rate, store))
                .doFinally(signal -> inFlight.remove(attempt))
                .cache();
        Mono<SendOutcome> raced = inFlight.putIfAbsent(attempt, run);
        return raced != null ? raced : run;
    }

    /**
     * @param holding the claim lives in the grid only, in two members' memory; the queue owner writes it to the log
     *        with the device's other records. Otherwise it is written to the log beside the copies.
     */
    private Mono<SendOutcome> first(DeviceAddress sender, long clientMessageId, Sent candidate, boolean holding,
            TokenBucket rate, Function<Sent, Mono<SendOutcome>> store) {
        Mono<Void> record = holding ? Mono.empty() : log.recordSend(sender, clientMessageId, new DeviceQueue.Send(
                candidate.serverId(), candidate.serverTime().toEpochMilli(), false, true));
        // The record is written beside the copies, whatever becomes of them: a retry of a refused send that finds
        // it just stores under that id.
        Mono<SendOutcome> stored = rate.tryTake()
                ? Mono.zip(store.apply(candidate), record.thenReturn(Boolean.TRUE), (outcome, recorded) -> outcome)
                : Mono.just(new SendOutcome.Refused(FrameErrors.forSend(clientMessageId,
                        FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED, "sending too fast; slow down")));
        return stored.flatMap(outcome -> {
            if (outcome instanceof SendOutcome.Accepted) {
                // Off the SendAck's path. Until it lands a retry here is answered from memory; one on another
                // node stores the same copies again under the same server id.
                Attempt attempt = new Attempt(sender, clientMessageId);
                completing.put(attempt, outcome);
                queues.completedSoon(sender, clientMessageId).doFinally(signal -> completing.remove(attempt))
                        .subscribe(null, e -> { });
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
                instanceof SendOutcome.Accepted ? queues.completed(sender, clientMessageId).thenReturn(outcome)
                        : Mono.just(outcome));
    }
}
