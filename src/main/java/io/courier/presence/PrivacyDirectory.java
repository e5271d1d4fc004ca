package io.courier.presence;

import java.util.UUID;
import java.util.function.Function;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.LoadThroughCache;
import io.courier.cluster.NearCachedMaps;
import io.courier.presence.Privacy.Audience;
import reactor.core.publisher.Mono;

/**
 * Who may see or reach whom, read on hot paths (every 1:1 send, typing indicator and presence event): every
 * account's {@link Privacy} in a Hazelcast near cache on every node, loaded through from CQL. A change invalidates
 * the entry after its write, and near caches are invalidated at once (not in batches), so a block or a presence
 * setting takes effect on every node within a round trip.
 *
 * <p>Only accounts with a registered device are cached: ids are often the caller's choice (a send's recipient, a
 * subscription), and an entry per id would let anyone fill the cluster's memory. An account without one has nothing
 * to hide or block that anyone could meet, so it reads as {@link Privacy#DEFAULT}, with no database read.
 */
public final class PrivacyDirectory {
    static final String MAP = "courier-privacy";
    /** Bounds a missed invalidation; a version marker must outlive any load started before it. */
    private static final int TTL_SECONDS = 600;
    /** Per node. Most accounts block nobody (a few dozen bytes); a full block list is ~200 KB. */
    private static final int NEAR_CACHE_ENTRIES = 100_000;
    /** Entries each member owns at most (and as many backups). */
    private static final int ENTRIES_PER_MEMBER = 200_000;

    private final LoadThroughCache<UUID, Privacy> cache;
    private final ContactDirectory contacts;

    /** @param registered whether an account has a registered device (near-cached; unknown ids are not cached) */
    PrivacyDirectory(HazelcastInstance hazelcast, PrivacyStore store, Function<UUID, Mono<Boolean>> registered,
            ContactDirectory contacts) {
        this.cache = new LoadThroughCache<>(hazelcast, MAP, account -> registered.apply(account)
                .flatMap(exists -> exists ? store.read(account) : Mono.empty()));
        this.contacts = contacts;
    }

    static MapConfig mapConfig() {
        return NearCachedMaps.config(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES, ENTRIES_PER_MEMBER);
    }

    public Mono<Privacy> of(UUID account) {
        return cache.get(account).defaultIfEmpty(Privacy.DEFAULT);
    }

    /** Whether {@code blocker} blocks {@code other}: one near-cache read. */
    public Mono<Boolean> blocks(UUID blocker, UUID other) {
        return of(blocker).map(privacy -> privacy.blocks(other));
    }

    /**
     * Whether {@code viewer} may see {@code subject}'s presence: neither blocks the other and each shows its own to
     * the other (both ways, so an account that shows nothing sees nothing). Near-cache reads only, once loaded.
     */
    Mono<Boolean> presenceVisible(UUID viewer, UUID subject) {
        return Mono.zip(of(viewer), of(subject)).flatMap(both -> {
            Privacy v = both.getT1();
            Privacy s = both.getT2();
            if (v.blocks(subject) || s.blocks(viewer)) {
                return Mono.just(false);
            }
            return admits(subject, s.presence(), viewer)
                    .flatMap(shown -> shown ? admits(viewer, v.presence(), subject) : Mono.just(false));
        });
    }

    /** Whether {@code owner}'s setting {@code audience} lets {@code other} in; for contacts, a near-cache read. */
    Mono<Boolean> admits(UUID owner, Audience audience, UUID other) {
        return switch (audience) {
            case EVERYONE -> Mono.just(true);
            case NOBODY -> Mono.just(false);
            case CONTACTS -> contacts.has(owner, other);
        };
    }

    Mono<Void> invalidate(UUID account) {
        return cache.invalidate(account);
    }
}
