package io.courier.store;

import java.util.List;
import java.util.stream.Stream;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.InvalidKeyspaceException;

import io.courier.local.LocalWiring;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.quarkus.runtime.Startup;

/** Opens the CQL session at startup and brings the schema up to date before anything uses it. */
public class StoreWiring {
    private static final Logger LOG = Logger.getLogger(StoreWiring.class);
    static final String SINGLE_NODE_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    @Produces
    @Singleton
    @Startup
    CqlSession session(CqlConfig config, LocalWiring local, @All List<BaselineTables> baseline,
            @All List<Migration> changes, MeterRegistry meters) {
        var localEndpoints = local.endpoints();
        long started = System.nanoTime();
        CqlEndpoint endpoint = localEndpoints
                .map(e -> CqlEndpoint.parse(List.of(e.cqlHost() + ":" + e.cqlPort()), e.cqlDatacenter()))
                .orElseGet(() -> CqlEndpoint.parse(config.contactPoints(), config.localDatacenter()));
        // The local Cassandra is a single node: any replication factor above 1 would fail every quorum write.
        String replication = localEndpoints.isPresent() ? SINGLE_NODE_REPLICATION : config.replication();
        SchemaMigrator migrator = new SchemaMigrator(config.keyspace(), replication);
        List<Migration> migrations = schema(baseline, changes);
        CqlRequestMetrics metrics = new CqlRequestMetrics(meters);
        CqlSession session = openServing(endpoint, config, metrics);
        boolean upToDate = session != null && migrator.isUpToDate(session, migrations);
        if (!upToDate) {
            try {
                try (CqlSession bootstrap = CqlSessions.bootstrap(endpoint, config)) {
                    migrator.createKeyspace(bootstrap);
                }
                try (CqlSession ddl = CqlSessions.schemaChanges(endpoint, config)) {
                    migrator.migrate(ddl, migrations);
                }
            } catch (RuntimeException e) {
                if (session != null) {
                    session.close();
                }
                throw e;
            }
            // A session opened before the changes learns them from the database's schema events.
            if (session == null) {
                session = CqlSessions.open(endpoint, config, metrics);
            }
        }
        LOG.infof("Database ready in %.1f s: keyspace %s, schema %s", (System.nanoTime() - started) / 1e9,
                config.keyspace(), upToDate ? "up to date" : "migrated");
        return session;
    }

    /**
     * The usual start finds its keyspace up to date and checks that on the serving session itself: one session's
     * start instead of two (a session's first connection is most of the database phase of a warm start). Null when
     * the keyspace doesn't exist yet, for the fresh database's longer way: create, migrate, then open.
     */
    private static CqlSession openServing(CqlEndpoint endpoint, CqlConfig config, CqlRequestMetrics metrics) {
        try {
            return CqlSessions.open(endpoint, config, metrics);
        } catch (InvalidKeyspaceException freshDatabase) {
            return null;
        }
    }

    /** The baseline (every capability's tables) followed by the changes made since. */
    static List<Migration> schema(List<BaselineTables> baseline, List<Migration> changes) {
        return Stream.concat(Stream.of(Migration.baseline(baseline)), changes.stream()).toList();
    }

    @Produces
    @Singleton
    Cql cql(CqlSession session) {
        return new Cql(session);
    }

    void close(@Disposes CqlSession session) {
        session.close();
    }
}
