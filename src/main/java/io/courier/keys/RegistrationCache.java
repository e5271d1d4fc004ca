package io.courier.keys;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.LoadThroughCache;
import io.courier.cluster.NearCachedMaps;

import reactor.core.publisher.Mono;

/**
 * Each account's receiving devices → registration ids, read on every send and receipt: a {@link LoadThroughCache}
 * (Hazelcast near cache on every node, versioned invalidation, loaded through from CQL on a miss).
 */
final class RegistrationCache {
    static final String MAP = "courier-registrations";
    /**
     * Entries (and version markers) expire after this long. A marker must outlive any load started before it
     * (bounded by the CQL request timeout); expiry also bounds the damage of a missed invalidation.
     */
    private static final int TTL_SECONDS = 600;
    /** Per node: a few hundred bytes per account, so ~30 MB at most. */
    private static final int NEAR_CACHE_ENTRIES = 100_000;
    /** Entries each member owns at most (~60 MB; as much again in the backups it holds for others). */
    private static final int ENTRIES_PER_MEMBER = 200_000;

    private final LoadThroughCache<UUID, TreeMap<Integer, Integer>> cache;

    /** @param loader reads an account's current registrations from the database */
    RegistrationCache(HazelcastInstance hazelcast, Function<UUID, Mono<Map<Integer, Integer>>> loader) {
        // An account without registrations (or an id that names nobody) is not cached: ids are often the caller's
        // choice, and entries for them would let anyone fill the cluster's memory.
        this.cache = new LoadThroughCache<>(hazelcast, MAP,
                account -> loader.apply(account).filter(r -> !r.isEmpty()).map(TreeMap::new));
    }

    /** The map's configuration; every member must use it. */
    static MapConfig mapConfig() {
        return NearCachedMaps.config(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES, ENTRIES_PER_MEMBER);
    }

    /** Device id → registration id, sorted by device id; a near cache hit completes at once. */
    Mono<Map<Integer, Integer>> get(UUID account) {
        return cache.get(account).<Map<Integer, Integer>>map(Collections::unmodifiableMap).defaultIfEmpty(Map.of());
    }

    /** Call after the database write that changed the account's devices or registration ids has completed. */
    Mono<Void> invalidate(UUID account) {
        return cache.invalidate(account);
    }
}
