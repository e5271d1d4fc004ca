package io.courier.presence;

import java.util.UUID;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.LoadThroughCache;
import io.courier.cluster.NearCachedMaps;
import reactor.core.publisher.Mono;

/**
 * Who may see or reach whom, read on hot paths (every 1:1 send, typing indicator and presence event): every
 * account's {@link Privacy} in a Hazelcast near cache on every node, loaded through from CQL. A change invalidates
 * the entry after its write, and near caches are invalidated at once (not in batches), so a block or a hidden last
 * seen takes effect on every node within a round trip.
 */
public final class PrivacyDirectory {
    static final String MAP = "courier-privacy";
    /** Bounds a missed invalidation; a version marker must outlive any load started before it. */
    private static final int TTL_SECONDS = 600;
    /** Per node. Most accounts block nobody (a few dozen bytes); a full block list is ~200 KB. */
    private static final int NEAR_CACHE_ENTRIES = 100_000;

    private final LoadThroughCache<UUID, Privacy> cache;

    PrivacyDirectory(HazelcastInstance hazelcast, PrivacyStore store) {
        this.cache = new LoadThroughCache<>(hazelcast, MAP, store::read);
    }

    static MapConfig mapConfig() {
        return NearCachedMaps.config(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES);
    }

    public Mono<Privacy> of(UUID account) {
        return cache.get(account);
    }

    /** Whether {@code blocker} blocks {@code other}: one near-cache read. */
    public Mono<Boolean> blocks(UUID blocker, UUID other) {
        return of(blocker).map(privacy -> privacy.blocks(other));
    }

    /** Whether {@code viewer} may see {@code subject}'s presence: neither hides it, neither blocks the other. */
    Mono<Boolean> presenceVisible(UUID viewer, UUID subject) {
        return Mono.zip(of(viewer), of(subject), (v, s) -> !v.lastSeenHidden() && !s.lastSeenHidden()
                && !v.blocks(subject) && !s.blocks(viewer));
    }

    Mono<Void> invalidate(UUID account) {
        return cache.invalidate(account);
    }
}
