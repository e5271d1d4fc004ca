package io.courier.store;

import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Connection and durability settings of the CQL database (ScyllaDB in production). */
@ConfigMapping(prefix = "courier.cql")
public interface CqlConfig {
    /** host:port pairs; ignored when the local infrastructure is on. */
    @WithDefault("127.0.0.1:9042")
    List<String> contactPoints();

    @WithDefault("datacenter1")
    String localDatacenter();

    @WithDefault("courier")
    String keyspace();

    /** The keyspace's replication map, used when migrations create it. */
    @WithDefault("{'class': 'NetworkTopologyStrategy', 'replication_factor': 3}")
    String replication();

    /** Consistency of every read and of every write that precedes an acknowledgement. */
    @WithDefault("LOCAL_QUORUM")
    String consistency();

    /** Consistency of the Paxos phase of lightweight transactions. */
    @WithDefault("LOCAL_SERIAL")
    String serialConsistency();

    @WithDefault("10s")
    Duration requestTimeout();

    /** Requests in flight per node process; more wait in the throttler's queue. */
    @WithDefault("1024")
    int maxConcurrentRequests();

    /** Requests that may wait for a slot; beyond it they fail fast (a node that is far behind sheds load). */
    @WithDefault("100000")
    int maxQueuedRequests();

    /** Username for the database's password authenticator; empty connects without credentials (local default). */
    Optional<String> username();

    /** Password of {@link #username()}; from a Kubernetes Secret in the chart (COURIER_CQL_PASSWORD). */
    Optional<String> password();

    /** TLS to the database nodes. */
    Tls tls();

    interface Tls {
        @WithDefault("false")
        boolean enabled();

        /** PKCS12 or JKS truststore with the CA of the database's certificates; empty trusts the JVM's CAs. */
        Optional<Path> truststore();

        Optional<String> truststorePassword();

        /**
         * PKCS12 or JKS keystore with this node's client certificate and key, for databases that require client
         * certificates (ScyllaDB's {@code require_client_auth}); empty presents none.
         */
        Optional<Path> keystore();

        Optional<String> keystorePassword();

        /** Checks that each node's certificate names the address it was reached at. */
        @WithDefault("true")
        boolean hostnameValidation();
    }

    /** Connections to each database node in the local datacenter (each carries up to 1024 requests at once). */
    @WithDefault("2")
    int connectionsPerNode();
}
