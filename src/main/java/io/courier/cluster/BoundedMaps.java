package io.courier.cluster;

import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;

/**
 * The size bound of a grid map whose entries callers can multiply (caches, rate-limit buckets): past it a member
 * evicts its least recently used entries, so no caller can fill a member's heap. Hazelcast applies the bound per
 * partition ({@code entries × members / partitions}), so a member owns at most about {@code entriesPerMember}
 * (and holds as many backups of other members' entries).
 */
public final class BoundedMaps {
    private BoundedMaps() {
    }

    public static MapConfig lru(MapConfig config, int entriesPerMember) {
        return config.setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(entriesPerMember));
    }

    /**
     * For entries whose size a caller chooses (contact lists of up to thousands of ids): bounded by the heap their
     * serialized values take on each member, in MiB, so many large entries can't pass the bound a count would set.
     */
    public static MapConfig lruByHeap(MapConfig config, int mebibytesPerMember) {
        return config.setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                .setMaxSizePolicy(MaxSizePolicy.USED_HEAP_SIZE).setSize(mebibytesPerMember));
    }
}
