package io.courier.cluster;

import java.io.Serializable;
import java.util.Map;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

import reactor.core.publisher.Mono;

/**
 * A value per key read on hot paths: a Hazelcast map fronted by a near cache on every node ({@link NearCachedMaps}),
 * loaded through from the database on a miss.
 *
 * <p>A change bumps the entry's version and drops its value ({@link #invalidate}, after the database write). A load
 * remembers the version it started from and stores its result only if the entry still has that version and nothing
 * loaded: a load that read the database before a change can never overwrite the change's invalidation. Both steps
 * are entry processors, atomic on the key's partition owner.
 *
 * @param <V> the cached value; shared between callers, so it must not be modified
 */
public final class LoadThroughCache<K, V extends Serializable> {
    private static final Logger LOG = Logger.getLogger(LoadThroughCache.class);

    private final IMap<K, Entry<V>> map;
    private final Function<K, Mono<V>> loader;

    /**
     * @param map a map configured with {@link NearCachedMaps#config} on every member
     * @param loader reads a key's current value from the database
     */
    public LoadThroughCache(HazelcastInstance hazelcast, String map, Function<K, Mono<V>> loader) {
        this.map = hazelcast.getMap(map);
        this.loader = loader;
    }

    /** The value; a near cache hit completes at once. */
    public Mono<V> get(K key) {
        return Mono.fromCompletionStage(() -> map.getAsync(key))
                .defaultIfEmpty(Entry.absent())
                .flatMap(entry -> entry.isLoaded() ? Mono.just(entry.value()) : load(key, entry.version()));
    }

    private Mono<V> load(K key, long version) {
        return loader.apply(key).flatMap(value -> {
            Entry<V> loaded = new Entry<>(version, value);
            return Mono.fromCompletionStage(() -> map.submitToKey(key, new Fill<K, V>(loaded)))
                    // The database answered; failing to cache its answer must not fail the caller.
                    .onErrorResume(e -> {
                        LOG.warnf(e, "Could not cache the value of %s in %s", key, map.getName());
                        return Mono.empty();
                    })
                    .thenReturn(value);
        });
    }

    /** Call after the database write that changed the key's value has completed. */
    public Mono<Void> invalidate(K key) {
        return Mono.fromCompletionStage(() -> map.submitToKey(key, new Bump<K, V>())).then();
    }

    /** One key's entry; {@code value} is null when the entry only records the version of a change. */
    record Entry<V>(long version, V value) implements Serializable {
        static <V> Entry<V> absent() {
            return new Entry<>(0, null);
        }

        boolean isLoaded() {
            return value != null;
        }
    }

    /** Stores a load's result unless the entry changed (or was loaded) since the load read its version. */
    record Fill<K, V>(Entry<V> loaded) implements EntryProcessor<K, Entry<V>, Void> {
        @Override
        public Void process(Map.Entry<K, Entry<V>> entry) {
            Entry<V> current = entry.getValue() == null ? Entry.absent() : entry.getValue();
            if (current.version() == loaded.version() && !current.isLoaded()) {
                entry.setValue(loaded);
            }
            return null;
        }
    }

    /** Moves the entry to the next version with nothing loaded. */
    record Bump<K, V>() implements EntryProcessor<K, Entry<V>, Void> {
        @Override
        public Void process(Map.Entry<K, Entry<V>> entry) {
            long version = entry.getValue() == null ? 0 : entry.getValue().version();
            entry.setValue(new Entry<>(version + 1, null));
            return null;
        }
    }
}
