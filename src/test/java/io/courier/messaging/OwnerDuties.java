package io.courier.messaging;

import java.time.Clock;
import java.time.Duration;

import com.hazelcast.core.HazelcastInstance;

import io.courier.cluster.GridTypes;
import io.courier.store.Cql;

/**
 * What a member owes the partitions it owns, for a member that is not a node (the benchmarks' second member): it
 * spills what device queues held past the hold and flushes the ticks it held, exactly as a node's messaging does.
 */
public final class OwnerDuties implements AutoCloseable {
    private final DeviceQueues queues;
    private final HeldTicks ticks;

    private OwnerDuties(DeviceQueues queues, HeldTicks ticks) {
        this.queues = queues;
        this.ticks = ticks;
    }

    /** Messaging's wire forms, which every member of a cluster with Courier's types must register. */
    public static GridTypes gridTypes() {
        return MessagingWire.types();
    }

    /** Starts both sweeps every {@code interval}, as {@code MessagingWiring} does with the node's settings. */
    public static OwnerDuties start(HazelcastInstance member, Cql cql, int memoryItems, long memoryBytes,
            Duration hold, Duration tickFlush, Duration interval) {
        Clock clock = Clock.systemUTC();
        DeviceQueues queues = new DeviceQueues(member, new DeviceLog(cql),
                new DeviceQueue.Limits(memoryItems, memoryBytes, hold.toMillis()), tickFlush, clock);
        queues.start(interval, Duration.ofMinutes(30));
        HeldTicks ticks = new HeldTicks(member, new ReceiptTable(cql), tickFlush, clock);
        ticks.start(interval);
        return new OwnerDuties(queues, ticks);
    }

    @Override
    public void close() {
        queues.close();
        ticks.close();
    }
}
