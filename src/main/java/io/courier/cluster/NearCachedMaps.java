package io.courier.cluster;

import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;

/**
 * The configuration of a map read on every message (device lists, group membership): near-cached on every node, and
 * bounded ({@link BoundedMaps}): an evicted entry is loaded again on its next read.
 */
public final class NearCachedMaps {
    private NearCachedMaps() {
    }

    /**
     * @param ttlSeconds how long entries live, in the map and in near caches (it bounds a missed invalidation)
     * @param nearCacheEntries entries each node keeps in its near cache
     * @param entriesPerMember entries (values and version markers) each member holds of the map at most
     */
    public static MapConfig config(String name, int ttlSeconds, int nearCacheEntries, int entriesPerMember) {
        return BoundedMaps.lru(unbounded(name, ttlSeconds, nearCacheEntries), entriesPerMember);
    }

    /** The same without the map's size bound, for a caller that bounds it otherwise ({@link BoundedMaps}). */
    public static MapConfig unbounded(String name, int ttlSeconds, int nearCacheEntries) {
        NearCacheConfig nearCache = new NearCacheConfig(name)
                // Shared deserialized values: callers must not modify what they get.
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                // Also cache entries this member owns, so a hit never deserializes.
                .setCacheLocalEntries(true)
                .setInvalidateOnChange(true)
                .setTimeToLiveSeconds(ttlSeconds)
                .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                        .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(nearCacheEntries));
        return new MapConfig(name).setBackupCount(1).setTimeToLiveSeconds(ttlSeconds).setNearCacheConfig(nearCache);
    }
}
