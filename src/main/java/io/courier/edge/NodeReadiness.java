package io.courier.edge;

import java.lang.management.ManagementFactory;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;

import io.minio.MinioClient;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The last step of a start: checks that the gRPC server listens, turns the health service to SERVING and tells
 * the operator in one line where the node can be reached. {@link CourierMain} calls it once Quarkus has started
 * everything (listeners bound, every startup bean created), so nothing says ready before the start can still fail.
 */
@Singleton
public class NodeReadiness {
    private static final Logger LOG = Logger.getLogger(NodeReadiness.class);

    private final HazelcastInstance hazelcast;
    private final CqlSession session;
    private final GrpcHealthStorage health;
    private final HealthGate gate;
    private final String host;
    private final int port;
    private final String transport;

    /** Takes the session and the object store too, so they are connected before anything says ready. */
    NodeReadiness(HazelcastInstance hazelcast, CqlSession session, MinioClient media, GrpcHealthStorage health,
            HealthGate gate, @ConfigProperty(name = "quarkus.grpc.server.host") String host,
            @ConfigProperty(name = "quarkus.grpc.server.port") int port,
            @ConfigProperty(name = "quarkus.grpc.server.test-port", defaultValue = "9001") int testPort,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<String> certificate,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store") Optional<String> keyStore) {
        this.hazelcast = hazelcast;
        this.session = session;
        this.health = health;
        this.gate = gate;
        this.host = host;
        this.port = LaunchMode.current() == LaunchMode.TEST ? testPort : port;
        this.transport = certificate.isPresent() || keyStore.isPresent() ? "TLS" : "plaintext";
    }

    /** {@code @QuarkusTest} runs no main: there the node is ready once the startup beans are. */
    void readyInTests(@Observes StartupEvent event) {
        if (LaunchMode.current() == LaunchMode.TEST) {
            announce();
        }
    }

    void announce() {
        // Quarkus marks the server SERVING once it listens, and only logs a failed bind.
        if (health.getStatuses().get(GrpcHealthStorage.DEFAULT_SERVICE_NAME) != ServingStatus.SERVING) {
            throw new IllegalStateException("the gRPC server is not listening on " + host + ":" + port,
                    GrpcBindFailures.last());
        }
        gate.open();
        String shownHost = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        String cql = session.getMetadata().getNodes().values().stream().map(n -> n.getEndPoint().toString())
                .findFirst().orElse("?");
        LOG.infof("Courier node ready in %.1f s: gRPC on %s:%d (%s; health and reflection on); CQL %s; cluster"
                + " member %s", ManagementFactory.getRuntimeMXBean().getUptime() / 1e3, shownHost, port, transport,
                cql, hazelcast.getCluster().getLocalMember().getAddress());
    }
}
