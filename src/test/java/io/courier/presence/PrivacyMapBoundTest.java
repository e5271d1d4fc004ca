package io.courier.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.local.FreePorts;
import io.courier.support.SecondMember;

/** The privacy map's bound, on a real Hazelcast member of its own configured as every node configures it. */
class PrivacyMapBoundTest {
    @Test
    void floodedWithMoreEntriesThanItsBoundAMemberHoldsNoMoreThanTheBound() {
        int port = FreePorts.pick();
        HazelcastInstance member = SecondMember.start("bound-" + UUID.randomUUID(), port,
                List.of("127.0.0.1:" + port), List.of(PrivacyDirectory.mapConfig()));
        try {
            int bound = member.getConfig().getMapConfig(PrivacyDirectory.MAP).getEvictionConfig().getSize();
            int partitions = member.getPartitionService().getPartitions().size();
            IMap<UUID, Long> privacy = member.getMap(PrivacyDirectory.MAP);
            int flood = bound + bound / 4;
            for (int written = 0; written < flood; written += 10_000) {
                Map<UUID, Long> batch = new HashMap<>();
                for (int i = 0; i < 10_000; i++) {
                    batch.put(UUID.randomUUID(), 0L);
                }
                privacy.putAll(batch);
            }

            // The bound applies per partition (bound / partitions each, rounded up by at most one entry).
            assertThat(privacy.size()).isLessThanOrEqualTo(bound + partitions)
                    .as("full up to the bound, not emptied").isGreaterThan(bound * 9 / 10);
        } finally {
            member.shutdown();
        }
    }
}
