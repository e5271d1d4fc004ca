package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** The size bounds of the running node's grid maps, as its capabilities configured them. */
@QuarkusTest
class GridBoundsTest extends ServerTest {
    /**
     * Maps whose entries are the only copy of state (queued messages and their quota counts, ticks, who is online
     * and which node holds a stream, pending wake-ups): evicting one would lose or corrupt it. Each holds entries only for
     * devices and accounts that exist and connected or were written to, never for an id a caller merely names.
     */
    private static final Set<String> AUTHORITATIVE = Set.of("courier-device-queues", "courier-ticks",
            "courier-presence", "courier-online", "courier-wakeups");

    @Inject
    HazelcastInstance hazelcast;

    @Test
    void everyOtherMapHasASizeBoundAndEvictsItsLeastRecentlyUsedEntries() {
        Map<String, MapConfig> configured = hazelcast.getConfig().getMapConfigs();
        assertThat(configured.keySet()).containsAll(AUTHORITATIVE)
                .contains("courier-privacy", "courier-registrations", "courier-groups", RateLimiter.MAP);

        configured.values().stream().filter(map -> !AUTHORITATIVE.contains(map.getName())
                && !map.getName().equals("default")).forEach(map -> {
                    assertThat(map.getEvictionConfig().getEvictionPolicy()).as(map.getName())
                            .isEqualTo(EvictionPolicy.LRU);
                    assertThat(map.getEvictionConfig().getMaxSizePolicy()).as(map.getName())
                            .isIn(MaxSizePolicy.PER_NODE, MaxSizePolicy.USED_HEAP_SIZE);
                    assertThat(map.getEvictionConfig().getSize()).as(map.getName()).isPositive()
                            .isLessThan(Integer.MAX_VALUE);
                });
    }

    @Test
    void everyMapInUseHasAConfigurationOfItsOwn() {
        // The node's own maps: tests sharing this member may make scratch maps of their own.
        Set<String> inUse = hazelcast.getDistributedObjects().stream().filter(IMap.class::isInstance)
                .map(o -> o.getName()).filter(name -> name.startsWith("courier-")).collect(Collectors.toSet());

        assertThat(inUse).as("none falls back to the unbounded default").isNotEmpty()
                .isSubsetOf(hazelcast.getConfig().getMapConfigs().keySet());
    }
}
