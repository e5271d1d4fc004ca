package io.courier.cluster;

import java.util.concurrent.atomic.LongAdder;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.ReplicaMigrationEvent;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The grid as an operator watches it: members this one sees, partitions it owns, and partition replicas moved
 * (migrations follow every membership change; many of them without one mean a flapping member).
 */
public final class GridMeters implements MigrationListener {
    private final HazelcastInstance hazelcast;
    private final LongAdder migrated = new LongAdder();
    private final LongAdder failed = new LongAdder();

    GridMeters(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    void register(MeterRegistry meters) {
        hazelcast.getPartitionService().addMigrationListener(this);
        Gauge.builder("courier.grid.members", hazelcast, h -> h.getCluster().getMembers().size())
                .description("Members of the Hazelcast cluster as this member sees them").register(meters);
        Gauge.builder("courier.grid.partitions.owned", this, GridMeters::ownedPartitions)
                .description("Grid partitions whose primary this member holds").register(meters);
        FunctionCounter.builder("courier.grid.migrations", migrated, LongAdder::sum)
                .description("Partition replicas moved (migrations this member saw complete)").register(meters);
        FunctionCounter.builder("courier.grid.migrations.failed", failed, LongAdder::sum)
                .description("Partition replica migrations that failed").register(meters);
    }

    private double ownedPartitions() {
        long owned = 0;
        for (Partition partition : hazelcast.getPartitionService().getPartitions()) {
            if (partition.getOwner() != null && partition.getOwner().localMember()) {
                owned++;
            }
        }
        return owned;
    }

    @Override
    public void migrationStarted(MigrationState state) {
    }

    @Override
    public void migrationFinished(MigrationState state) {
    }

    @Override
    public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
        migrated.increment();
    }

    @Override
    public void replicaMigrationFailed(ReplicaMigrationEvent event) {
        failed.increment();
    }
}
