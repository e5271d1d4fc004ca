package io.courier.presence;

import java.util.UUID;
import java.util.function.Function;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.common.TokenBucket;
import io.courier.keys.KeyDirectory;
import reactor.core.publisher.Mono;

/** What the device streams of this node tell presence: when they connect and end, and what they subscribe to. */
public final class PresenceStreams {
    private final OnlineWatch watch;
    private final Function<UUID, Mono<Boolean>> registered;
    private final RateLimiter limiter;
    private final RateLimit subscribes;
    private final PresenceConfig config;
    private final PresenceLookups lookups;
    private final String localMemberId;

    /** @param registered whether an account has a registered device */
    PresenceStreams(OnlineWatch watch, Function<UUID, Mono<Boolean>> registered, RateLimiter limiter,
            PresenceConfig config, String localMemberId) {
        this.watch = watch;
        this.registered = registered;
        this.limiter = limiter;
        // Per account and cluster-wide, so reconnecting (here or to another node) or using another of the
        // account's devices doesn't refill it.
        this.subscribes = new RateLimit("presence subscriptions of this account", config.subscribedIdsBurst(),
                config.subscribedIdsRefill());
        this.config = config;
        if (config.lookupsInFlight() < config.maxSubscriptions()) {
            throw new IllegalArgumentException("courier.presence.lookups-in-flight (" + config.lookupsInFlight()
                    + ") must be at least courier.presence.max-subscriptions (" + config.maxSubscriptions() + ")");
        }
        if (config.nodeLookupsBurst() < config.maxSubscriptions()) {
            throw new IllegalArgumentException("courier.presence.node-lookups-burst (" + config.nodeLookupsBurst()
                    + ") must be at least courier.presence.max-subscriptions (" + config.maxSubscriptions() + ")");
        }
        this.lookups = new PresenceLookups(config.lookupsInFlight(),
                new TokenBucket.Limit(config.nodeLookupsBurst(), config.nodeLookupsRefill()));
        this.localMemberId = localMemberId;
    }

    /** Whether an account has a registered device, from the key directory's (near-cached) registrations. */
    public static Function<UUID, Mono<Boolean>> registeredIn(KeyDirectory keys) {
        return account -> Mono.fromCompletionStage(() -> keys.registrations(account)).map(r -> !r.isEmpty());
    }

    /** Call once the stream's presence is registered (and before the stream can end for good). */
    public Mono<Void> connected(DeviceAddress device, long epoch) {
        return watch.connected(device, stream(epoch));
    }

    /** Call when the stream ended, even if it never registered: only the record of this very stream goes. */
    public Mono<Void> disconnected(DeviceAddress device, long epoch) {
        return watch.disconnected(device, stream(epoch));
    }

    /** The subscriptions of a new stream; close them when it ends. */
    public PresenceSubscriptions subscriptions(DeviceAddress device, long epoch) {
        String key = device.accountId().toString();
        return new PresenceSubscriptions(device, stream(epoch), watch, registered, config.maxSubscriptions(),
                ids -> limiter.tryAcquire(subscribes, key, ids), lookups);
    }

    private Presence stream(long epoch) {
        return new Presence(localMemberId, epoch);
    }
}
