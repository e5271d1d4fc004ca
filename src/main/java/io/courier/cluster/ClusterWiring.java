package io.courier.cluster;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.Startup;

/** CDI wiring of the cluster capability. */
public class ClusterWiring {
    /**
     * Early: right after the local infrastructure begins its start in the background, and before anything waits for
     * the database, so the member forms while Cassandra starts (default priority 2500; lower runs earlier).
     */
    static final int STARTUP_PRIORITY = 200;

    @Produces
    @Singleton
    @Startup(STARTUP_PRIORITY)
    HazelcastInstance hazelcast(ClusterConfig config, @All List<MapConfig> capabilityMaps,
            @All List<GridTypes> types) {
        return HazelcastMembers.start(config, capabilityMaps, types);
    }

    void stop(@Disposes HazelcastInstance hazelcast) {
        hazelcast.shutdown();
    }

    /** Built with the member: migrations are counted from the first one. */
    @Produces
    @Singleton
    @Startup
    GridMeters gridMeters(HazelcastInstance hazelcast, MeterRegistry meters) {
        GridMeters grid = new GridMeters(hazelcast);
        grid.register(meters);
        return grid;
    }

    @Produces
    @Singleton
    RateLimiter rateLimiter(HazelcastInstance hazelcast, Clock clock) {
        return new RateLimiter(hazelcast, clock);
    }

    @Produces
    @Singleton
    BackoffLimiter backoffLimiter(HazelcastInstance hazelcast, Clock clock) {
        return new BackoffLimiter(hazelcast, clock);
    }

    @Produces
    @Singleton
    PresenceDirectory presence(HazelcastInstance hazelcast) {
        return new PresenceDirectory(hazelcast);
    }

    @Produces
    @Singleton
    NodeBus nodeBus(HazelcastInstance hazelcast) {
        return new NodeBus(hazelcast);
    }

    @Produces
    @Singleton
    NodeDirectory nodeDirectory(HazelcastInstance hazelcast) {
        return new NodeDirectory(hazelcast);
    }

    @Produces
    @Singleton
    ServerIds serverIds(HazelcastInstance hazelcast) {
        return new ServerIds(hazelcast);
    }

    @Produces
    @Singleton
    StreamEpochs streamEpochs(HazelcastInstance hazelcast) {
        return new StreamEpochs(hazelcast);
    }

    /** Wall-clock time for expiries and limits; tests replace it to move time without waiting. */
    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}
