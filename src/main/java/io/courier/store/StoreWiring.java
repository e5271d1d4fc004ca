package io.courier.store;

import java.util.List;
import java.util.stream.Stream;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;

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
        DatabaseOpen.Opened opened = DatabaseOpen.open(migrator, migrations, new DatabaseOpen.Sessions(
                () -> CqlSessions.open(endpoint, config, metrics), () -> CqlSessions.bootstrap(endpoint, config),
                () -> CqlSessions.schemaChanges(endpoint, config)));
        LOG.infof("Database ready in %.1f s: keyspace %s, schema %s", (System.nanoTime() - started) / 1e9,
                config.keyspace(), opened.migrated() ? "migrated" : "up to date");
        return opened.session();
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
