package io.courier.cluster;

import com.hazelcast.config.FlakeIdGeneratorConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;

/**
 * Connection epochs: the newest stream of a device wins, wherever it connected. Unlike message ids, none are
 * prefetched: an id prefetched up to a second earlier on one node would let an older stream on another node win.
 * Each is made on the spot from the member's clock (a local computation, no cluster call), so streams opened on
 * different nodes order by when they arrived, to within the nodes' clock skew.
 */
public final class StreamEpochs {
    static final String NAME = "courier-stream-epochs";

    private final FlakeIdGenerator generator;

    public StreamEpochs(HazelcastInstance hazelcast) {
        this.generator = hazelcast.getFlakeIdGenerator(NAME);
    }

    static FlakeIdGeneratorConfig config() {
        return ServerIds.layout(NAME).setPrefetchCount(1);
    }

    public long next() {
        return generator.newId();
    }
}
