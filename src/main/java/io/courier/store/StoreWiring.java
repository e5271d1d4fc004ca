package io.courier.store;

import java.util.List;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.local.LocalWiring;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.quarkus.runtime.Startup;

/** Opens the CQL session at startup and brings the schema up to date before anything uses it. */
public class StoreWiring {
    static final String SINGLE_NODE_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    @Produces
    @Singleton
    @Startup
    CqlSession session(CqlConfig config, LocalWiring local, @All List<Migration> migrations, MeterRegistry meters) {
        var localEndpoints = local.endpoints();
        CqlEndpoint endpoint = localEndpoints
                .map(e -> CqlEndpoint.parse(List.of(e.cqlHost() + ":" + e.cqlPort()), e.cqlDatacenter()))
                .orElseGet(() -> CqlEndpoint.parse(config.contactPoints(), config.localDatacenter()));
        // The local Cassandra is a single node: any replication factor above 1 would fail every quorum write.
        String replication = localEndpoints.isPresent() ? SINGLE_NODE_REPLICATION : config.replication();
        SchemaMigrator migrator = new SchemaMigrator(config.keyspace(), replication);
        // The usual start finds its keyspace up to date: the session for schema changes is opened only when there
        // is work for it.
        boolean upToDate;
        try (CqlSession bootstrap = CqlSessions.bootstrap(endpoint, config)) {
            migrator.createKeyspace(bootstrap);
            upToDate = migrator.isUpToDate(bootstrap, migrations);
        }
        if (!upToDate) {
            try (CqlSession ddl = CqlSessions.schemaChanges(endpoint, config)) {
                migrator.migrate(ddl, migrations);
            }
        }
        return CqlSessions.open(endpoint, config, new CqlRequestMetrics(meters));
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
