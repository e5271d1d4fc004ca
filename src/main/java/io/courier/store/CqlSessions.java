package io.courier.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;

/** Opens driver sessions with Courier's consistency defaults. */
public final class CqlSessions {
    private CqlSessions() {
    }

    /** A session without a keyspace, for creating it. */
    public static CqlSession bootstrap(CqlEndpoint endpoint, CqlConfig config) {
        return builder(endpoint, config).build();
    }

    /** A session bound to the keyspace whose every request is reported to {@code tracker} (e.g. latency metrics). */
    public static CqlSession open(CqlEndpoint endpoint, CqlConfig config, RequestTracker tracker) {
        return builder(endpoint, config).withKeyspace(config.keyspace()).addRequestTracker(tracker).build();
    }

    private static CqlSessionBuilder builder(CqlEndpoint endpoint, CqlConfig config) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, config.consistency())
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, config.serialConsistency())
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.requestTimeout())
                // Bursts (a reconnect storm after a restart) wait in the throttler's queue instead of failing with
                // busy connections; the queue time counts toward the request timeout.
                .withString(DefaultDriverOption.REQUEST_THROTTLER_CLASS, "ConcurrencyLimitingRequestThrottler")
                .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_CONCURRENT_REQUESTS, config.maxConcurrentRequests())
                .withInt(DefaultDriverOption.REQUEST_THROTTLER_MAX_QUEUE_SIZE, config.maxQueuedRequests())
                .withInt(DefaultDriverOption.CONNECTION_POOL_LOCAL_SIZE, config.connectionsPerNode())
                // Schema agreement after DDL is slow on a cold single node; migrations run once per start.
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, java.time.Duration.ofSeconds(30))
                .build();
        return CqlSession.builder()
                .addContactPoints(endpoint.contactPoints())
                .withLocalDatacenter(endpoint.localDatacenter())
                .withConfigLoader(loader);
    }
}
