package io.courier.keys;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

import io.courier.cluster.NearCachedMaps;

import reactor.core.publisher.Mono;

/**
 * Each account's receiving devices → registration ids, read on every send and receipt: a Hazelcast map fronted by
 * a near cache on every node, loaded through from CQL on a miss.
 *
 * <p>A change bumps the entry's version and drops its devices ({@link #invalidate}, after the CQL write). A load
 * remembers the version it started from and stores its result only if the entry still has that version and
 * nothing loaded: a load that read CQL before a change can never overwrite the change's invalidation. Both steps
 * are entry processors, atomic on the key's partition owner.
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
    private static final Logger LOG = Logger.getLogger(RegistrationCache.class);

    private final IMap<UUID, Entry> map;
    private final Function<UUID, Mono<Map<Integer, Integer>>> loader;

    /** @param loader reads an account's current registrations from the database */
    RegistrationCache(HazelcastInstance hazelcast, Function<UUID, Mono<Map<Integer, Integer>>> loader) {
        this.map = hazelcast.getMap(MAP);
        this.loader = loader;
    }

    /** The map's configuration; every member must use it. */
    static MapConfig mapConfig() {
        return NearCachedMaps.config(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES);
    }

    /** Device id → registration id, sorted by device id; a near cache hit completes at once. */
    Mono<Map<Integer, Integer>> get(UUID account) {
        return Mono.fromCompletionStage(() -> map.getAsync(account))
                .defaultIfEmpty(Entry.ABSENT)
                .flatMap(entry -> entry.isLoaded() ? Mono.just(entry.view()) : load(account, entry.version()));
    }

    private Mono<Map<Integer, Integer>> load(UUID account, long version) {
        return loader.apply(account).flatMap(devices -> {
            Entry loaded = new Entry(version, new TreeMap<>(devices));
            return Mono.fromCompletionStage(() -> map.submitToKey(account, new Fill(loaded)))
                    // The database answered; failing to cache its answer must not fail the caller.
                    .onErrorResume(e -> {
                        LOG.warnf(e, "Could not cache the registrations of account %s", account);
                        return Mono.empty();
                    })
                    .thenReturn(loaded.view());
        });
    }

    /** Call after the database write that changed the account's devices or registration ids has completed. */
    Mono<Void> invalidate(UUID account) {
        return Mono.fromCompletionStage(() -> map.submitToKey(account, new Bump())).then();
    }

    /** One account's entry; {@code devices} is null when the entry only records the version of a change. */
    record Entry(long version, TreeMap<Integer, Integer> devices) implements Serializable {
        static final Entry ABSENT = new Entry(0, null);

        boolean isLoaded() {
            return devices != null;
        }

        Map<Integer, Integer> view() {
            return Collections.unmodifiableMap(devices);
        }
    }

    /** Stores a load's result unless the entry changed (or was loaded) since the load read its version. */
    record Fill(Entry loaded) implements EntryProcessor<UUID, Entry, Void> {
        @Override
        public Void process(Map.Entry<UUID, Entry> entry) {
            Entry current = entry.getValue() == null ? Entry.ABSENT : entry.getValue();
            if (current.version() == loaded.version() && !current.isLoaded()) {
                entry.setValue(loaded);
            }
            return null;
        }
    }

    /** Moves the entry to the next version with nothing loaded. */
    record Bump() implements EntryProcessor<UUID, Entry, Void> {
        @Override
        public Void process(Map.Entry<UUID, Entry> entry) {
            long version = entry.getValue() == null ? Entry.ABSENT.version() : entry.getValue().version();
            entry.setValue(new Entry(version + 1, null));
            return null;
        }
    }
}
