package io.courier.presence;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;

import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.PresenceEvent;
import io.courier.api.v1.PresenceSubscribe;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.common.Ids;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One device stream's presence subscriptions: a bounded set of watched accounts, replaced as a whole by each
 * PresenceSubscribe, ended with the stream. Frames come one at a time (the stream handles one before the next);
 * the end may come while one is in flight, so a subscription added after it is undone at once.
 */
public final class PresenceSubscriptions {
    /** What a PresenceSubscribe gets: the current state of every subscribed account, or a refusal. */
    public sealed interface Answer {
        record Events(List<PresenceEvent> events) implements Answer {
        }

        record Refused(FrameError error) implements Answer {
        }
    }

    private static final int ID_BYTES = 16;
    /** Watched accounts set up at once per frame. */
    private static final int CONCURRENCY = 32;

    private final DeviceAddress device;
    private final Presence stream;
    private final OnlineWatch watch;
    private final Function<UUID, Mono<Boolean>> registered;
    private final int max;
    private final IntFunction<Mono<Long>> budget;
    private final PresenceLookups lookups;
    private Set<UUID> watched = Set.of();
    private boolean closed;

    /**
     * @param registered whether an account has a registered device (only those are watched)
     * @param budget takes this many ids (at least 1) from the account's cluster-wide budget: 0 if allowed, else the
     *     wait in ms
     * @param lookups the node's cap on ids being looked up, shared by all its streams
     */
    PresenceSubscriptions(DeviceAddress device, Presence stream, OnlineWatch watch,
            Function<UUID, Mono<Boolean>> registered, int max, IntFunction<Mono<Long>> budget,
            PresenceLookups lookups) {
        this.device = device;
        this.stream = stream;
        this.watch = watch;
        this.registered = registered;
        this.max = max;
        this.budget = budget;
        this.lookups = lookups;
    }

    /**
     * Replaces the subscribed set; the previous one stays if the frame is refused. Every id of the new set is looked
     * up (and a registered account watched), ids the stream already watches too, so the frame costs all of them from
     * the account's budget, and all of them hold a place under the node's cap until the answer is ready. Else
     * re-sending the same set would cost next to nothing and a few streams of one account could keep the node's
     * cap full. A frame that doesn't fit under the cap is refused before it spends anything of the budget.
     */
    public Mono<Answer> replace(PresenceSubscribe frame) {
        Set<UUID> next = new LinkedHashSet<>();
        for (ByteString id : frame.getAccountIdsList()) {
            if (id.size() != ID_BYTES) {
                return refused(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME,
                        "presence_subscribe.account_ids must be 16 bytes each, got " + id.size());
            }
            next.add(Ids.uuid(id, "account_ids"));
        }
        if (next.size() > max) {
            return refused(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME, "presence_subscribe names " + next.size()
                    + " accounts; at most " + max + " per stream");
        }
        return Mono.defer(() -> {
            long busyMillis = lookups.tryReserve(next.size());
            if (busyMillis > 0) {
                return refused(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED,
                        "presence lookups are busy on this server; retry in " + seconds(busyMillis) + " s");
            }
            return budget.apply(next.size()).flatMap(waitMillis -> {
                if (waitMillis > 0) {
                    // Nothing will be looked up: one account over its budget must not spend the node's share.
                    lookups.refund(next.size());
                    return refused(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED,
                            "too many presence subscriptions; retry in " + seconds(waitMillis) + " s");
                }
                return subscribeAll(next);
            }).doFinally(signal -> lookups.release(next.size()));
        });
    }

    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    private Mono<Answer> subscribeAll(Set<UUID> next) {
        Set<UUID> dropped = new HashSet<>(current());
        dropped.removeAll(next);
        update(next);
        return Flux.fromIterable(dropped).flatMap(account -> watch.unwatch(account, device, stream), CONCURRENCY)
                .thenMany(Flux.fromIterable(next).flatMapSequential(this::subscribe, CONCURRENCY))
                .collectList()
                .map(Answer.Events::new);
    }

    /**
     * Ids are the caller's choice: one that names no registered account gets "nothing to show" and leaves nothing
     * behind (no watch entry, no cached privacy), so subscribing to random ids can't fill the cluster's memory.
     */
    private Mono<PresenceEvent> subscribe(UUID account) {
        return ifRegistered(account, () -> watched(account));
    }

    private Mono<PresenceEvent> ifRegistered(UUID account, Supplier<Mono<PresenceEvent>> view) {
        return registered.apply(account)
                .flatMap(exists -> exists ? view.get() : Mono.just(OnlineWatch.unknown(account)));
    }

    private Mono<PresenceEvent> watched(UUID account) {
        return watch.watch(account, device, stream).flatMap(online -> {
            if (isClosed()) {
                // The stream ended while this was set up: nothing may stay behind.
                return watch.unwatch(account, device, stream).then(Mono.empty());
            }
            return watch.view(device.accountId(), account, online);
        });
    }

    /** What this stream may see now of every account it watches (its account's privacy changed). */
    public Mono<List<PresenceEvent>> refresh() {
        return Flux.fromIterable(current()).flatMapSequential(account -> ifRegistered(account,
                () -> watch.isOnline(account).flatMap(online -> watch.view(device.accountId(), account, online))),
                CONCURRENCY).collectList();
    }

    /** The stream ended: every subscription goes. */
    public Mono<Void> close() {
        Set<UUID> last;
        synchronized (this) {
            closed = true;
            last = watched;
            watched = Set.of();
        }
        return Flux.fromIterable(last).flatMap(account -> watch.unwatch(account, device, stream), CONCURRENCY)
                .then();
    }

    private synchronized Set<UUID> current() {
        return watched;
    }

    private synchronized void update(Set<UUID> next) {
        if (!closed) {
            watched = Set.copyOf(next);
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private static Mono<Answer> refused(FrameErrorCode code, String message) {
        return Mono.just(new Answer.Refused(FrameError.newBuilder().setCode(code).setMessage(message).build()));
    }
}
