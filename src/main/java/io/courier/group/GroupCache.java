package io.courier.group;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;
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
 * Group membership, read on every group send: a Hazelcast map fronted by a near cache on every node, loaded through
 * from CQL on a miss. Entries only ever move to a higher group version ({@link Newer}, atomic on the key's owner):
 * a change writes its new state through after its CQL write, and a load that read CQL before that change can't
 * overwrite it. Near caches are invalidated by Hazelcast on every change of the entry.
 */
final class GroupCache {
    static final String MAP = "courier-groups";
    /** Entries (and deletion markers) expire after this long; a marker must outlive any load started before it. */
    private static final int TTL_SECONDS = 600;
    /** Per node: up to ~25 KB for a 1024-member group, far less for most. */
    private static final int NEAR_CACHE_ENTRIES = 20_000;
    /** Entries each member owns at most. Only groups that exist are cached: a lookup that finds none stores nothing. */
    private static final int ENTRIES_PER_MEMBER = 50_000;
    private static final Logger LOG = Logger.getLogger(GroupCache.class);

    private final IMap<UUID, Entry> map;
    private final Function<UUID, Mono<GroupState>> loader;

    GroupCache(HazelcastInstance hazelcast, Function<UUID, Mono<GroupState>> loader) {
        this.map = hazelcast.getMap(MAP);
        this.loader = loader;
    }

    static MapConfig mapConfig() {
        return NearCachedMaps.config(MAP, TTL_SECONDS, NEAR_CACHE_ENTRIES, ENTRIES_PER_MEMBER);
    }

    /** The group, or empty if it does not exist; a near cache hit (a deletion marker too) completes at once. */
    Mono<GroupState> get(UUID groupId) {
        return Mono.fromCompletionStage(() -> map.getAsync(groupId))
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(cached -> cached.isPresent() ? Mono.justOrEmpty(cached.get().group()) : load(groupId));
    }

    private Mono<GroupState> load(UUID groupId) {
        return loader.apply(groupId).flatMap(group -> put(new Entry(group.version(), group))
                // The database answered; failing to cache its answer must not fail the caller.
                .onErrorResume(e -> {
                    LOG.warnf("Could not cache group %s: %s", groupId, e.toString());
                    return Mono.empty();
                })
                .thenReturn(group));
    }

    /** Call after the CQL write of {@code group} has completed. */
    Mono<Void> changed(GroupState group) {
        return put(new Entry(group.version(), group));
    }

    /** Call after the CQL delete of the group that was at {@code lastVersion}. */
    Mono<Void> deleted(UUID groupId, long lastVersion) {
        return Mono.fromCompletionStage(() -> map.submitToKey(groupId, new Newer(new Entry(lastVersion + 1, null))))
                .then();
    }

    private Mono<Void> put(Entry entry) {
        return Mono.fromCompletionStage(() -> map.submitToKey(entry.group().id(), new Newer(entry))).then();
    }

    /** One group's entry; {@code group} is null once the group is deleted. */
    record Entry(long version, GroupState group) implements Serializable {
    }

    /** Stores the entry unless the cached one is as new or newer. */
    record Newer(Entry candidate) implements EntryProcessor<UUID, Entry, Void> {
        @Override
        public Void process(Map.Entry<UUID, Entry> entry) {
            if (entry.getValue() == null || entry.getValue().version() < candidate.version()) {
                entry.setValue(candidate);
            }
            return null;
        }
    }
}
