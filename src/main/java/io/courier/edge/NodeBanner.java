package io.courier.edge;

import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;

import io.minio.MinioClient;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/** Tells the operator, in one line, where the node can be reached once everything behind it is up. */
@Singleton
public class NodeBanner {
    private static final Logger LOG = Logger.getLogger(NodeBanner.class);

    /** Takes the session and the object store too, so the line comes only once they are connected. */
    void ready(@Observes StartupEvent event, HazelcastInstance hazelcast, CqlSession session, MinioClient media,
            @ConfigProperty(name = "quarkus.grpc.server.host") String host,
            @ConfigProperty(name = "quarkus.grpc.server.port") int port,
            @ConfigProperty(name = "quarkus.grpc.server.test-port", defaultValue = "9001") int testPort,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<String> certificate,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store") Optional<String> keyStore) {
        int actualPort = LaunchMode.current() == LaunchMode.TEST ? testPort : port;
        String shownHost = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        String cql = session.getMetadata().getNodes().values().stream().map(n -> n.getEndPoint().toString())
                .findFirst().orElse("?");
        String transport = certificate.isPresent() || keyStore.isPresent() ? "TLS" : "plaintext";
        LOG.infof("Courier node ready: gRPC on %s:%d (%s; health and reflection on); CQL %s; cluster member %s",
                shownHost, actualPort, transport, cql, hazelcast.getCluster().getLocalMember().getAddress());
    }
}
