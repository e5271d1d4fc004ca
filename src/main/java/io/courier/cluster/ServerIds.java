package io.courier.cluster;

import java.time.Instant;

import com.hazelcast.config.FlakeIdGeneratorConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;

/**
 * Time-ordered, cluster-unique 64-bit message ids from Hazelcast's flake id generator: milliseconds since
 * {@link #EPOCH} in the high bits, then a sequence and the member's node id. Prefetched ids stay valid for a
 * second only, so ids from different nodes order by time to within about that.
 */
public final class ServerIds {
    static final String NAME = "courier-server-ids";
    /** 2025-01-01T00:00:00Z. */
    static final long EPOCH = 1_735_689_600_000L;
    private static final int BITS_SEQUENCE = 6;
    private static final int BITS_NODE = 16;
    private static final int TIMESTAMP_SHIFT = BITS_SEQUENCE + BITS_NODE;

    private final FlakeIdGenerator generator;

    public ServerIds(HazelcastInstance hazelcast) {
        this.generator = hazelcast.getFlakeIdGenerator(NAME);
    }

    static FlakeIdGeneratorConfig config() {
        return layout(NAME).setPrefetchCount(100).setPrefetchValidityMillis(1000);
    }

    /** The bit layout of every Courier flake id (so ids of every generator compare by time). */
    static FlakeIdGeneratorConfig layout(String name) {
        return new FlakeIdGeneratorConfig(name).setEpochStart(EPOCH).setBitsSequence(BITS_SEQUENCE)
                .setBitsNodeId(BITS_NODE);
    }

    public long next() {
        return generator.newId();
    }

    /** The smallest id that can be issued at {@code time}. */
    public static long lowestAt(Instant time) {
        return Math.max(0, time.toEpochMilli() - EPOCH) << TIMESTAMP_SHIFT;
    }
}
