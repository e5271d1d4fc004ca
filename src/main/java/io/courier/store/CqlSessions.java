package io.courier.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;
import com.datastax.oss.driver.api.core.ssl.ProgrammaticSslEngineFactory;
import com.datastax.oss.driver.api.core.ssl.SslEngineFactory;
import io.courier.common.ConfigRefusal;

/** Opens driver sessions with Courier's consistency defaults. */
public final class CqlSessions {
    private CqlSessions() {
    }

    /** A session without a keyspace, for creating it. */
    public static CqlSession bootstrap(CqlEndpoint endpoint, CqlConfig config) {
        return builder(endpoint, config, false).build();
    }

    /**
     * A session bound to the keyspace for schema migrations. It keeps no schema metadata: with it, every DDL waits
     * for the driver's debounced metadata refresh (about a second), and a fresh keyspace's tables took ~20 s.
     */
    public static CqlSession schemaChanges(CqlEndpoint endpoint, CqlConfig config) {
        return builder(endpoint, config, false).withKeyspace(config.keyspace()).build();
    }

    /** A session bound to the keyspace whose every request is reported to {@code tracker} (e.g. latency metrics). */
    public static CqlSession open(CqlEndpoint endpoint, CqlConfig config, RequestTracker tracker) {
        return builder(endpoint, config, true).withKeyspace(config.keyspace()).addRequestTracker(tracker).build();
    }

    /**
     * @param serving the node's long-lived session: it keeps schema metadata (token-aware routing needs the
     *     keyspace's replication from it). The short-lived ones a start opens to create the keyspace or change the
     *     schema don't, and close after a 100 ms quiet period instead of Netty's 2 s.
     */
    private static CqlSessionBuilder builder(CqlEndpoint endpoint, CqlConfig config, boolean serving) {
        ProgrammaticDriverConfigLoaderBuilder options = DriverConfigLoader.programmaticBuilder()
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, serving);
        if (!serving) {
            // A short quiet period, not none: with none, notifications still queued when the session closes are
            // rejected by the stopped event loop (Netty logs each at ERROR).
            options = options.withString(DefaultDriverOption.NETTY_IO_SHUTDOWN_UNIT, "MILLISECONDS")
                    .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 100)
                    .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_TIMEOUT, 15_000)
                    .withString(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_UNIT, "MILLISECONDS")
                    .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 100)
                    .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_TIMEOUT, 15_000);
        }
        DriverConfigLoader loader = options
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
        CqlSessionBuilder builder = CqlSession.builder()
                .addContactPoints(endpoint.contactPoints())
                .withLocalDatacenter(endpoint.localDatacenter())
                .withConfigLoader(loader);
        config.username().ifPresent(username -> builder.withAuthCredentials(username, config.password()
                .orElseThrow(() -> new ConfigRefusal("courier.cql.username is set but courier.cql.password "
                        + "is not: set COURIER_CQL_PASSWORD"))));
        if (config.tls().enabled()) {
            builder.withSslEngineFactory(sslEngineFactory(config.tls()));
        }
        return builder;
    }

    /** The driver's TLS to the database nodes, as {@code courier.cql.tls.*} configures it. */
    static SslEngineFactory sslEngineFactory(CqlConfig.Tls tls) {
        return new ProgrammaticSslEngineFactory(sslContext(tls), null, tls.hostnameValidation());
    }

    /** Trusts the truststore's CAs (the JVM's without one) and presents the keystore's certificate, if any. */
    static SSLContext sslContext(CqlConfig.Tls tls) {
        TrustManagerFactory trust = trustManagers(tls);
        KeyManager[] keys = tls.keystore().isEmpty() ? null : keyManagers(tls.keystore().get(), tls.keystorePassword());
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigRefusal("TLS to the database could not be set up: " + e.getMessage(), e);
        }
    }

    private static TrustManagerFactory trustManagers(CqlConfig.Tls tls) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(tls.truststore().isEmpty() ? null
                    : load(tls.truststore().get(), tls.truststorePassword(), "truststore"));
            return trust;
        } catch (GeneralSecurityException e) {
            throw new ConfigRefusal("courier.cql.tls.truststore " + tls.truststore().map(Path::toString)
                    .orElse("(JVM default)") + " could not be used: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(Path keystore, Optional<String> password) {
        char[] secret = password.map(String::toCharArray).orElse(null);
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, password, "keystore"), secret);
            return keys.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new ConfigRefusal("courier.cql.tls.keystore " + keystore + " could not be used (is"
                    + " courier.cql.tls.keystore-password its password?): " + e.getMessage(), e);
        }
    }

    /** {@code which}: the property's last part, for the refusal's message. */
    private static KeyStore load(Path file, Optional<String> password, String which) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType()); // reads PKCS12 and JKS
            store.load(in, password.map(String::toCharArray).orElse(null));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigRefusal("courier.cql.tls." + which + " " + file + " could not be loaded: "
                    + e.getMessage(), e);
        }
    }
}
