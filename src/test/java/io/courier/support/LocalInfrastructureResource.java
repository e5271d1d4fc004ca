package io.courier.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import io.courier.local.FreePorts;
import io.courier.local.LocalEndpoints;
import io.courier.local.LocalInfrastructure;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts the real local Cassandra and S3Proxy once for the whole suite (fresh data each run) and points the node
 * at them, with its own Hazelcast cluster name and free ports so nothing else on the machine interferes. Local
 * APNs and FCM servers take the node's wake-ups; tests get them through a {@link PushServers} field.
 */
public class LocalInfrastructureResource implements QuarkusTestResourceLifecycleManager {
    private LocalInfrastructure infrastructure;
    private PushServers push;

    /** A node's settings for running infrastructure given by address, as outside a local run. */
    public static Map<String, String> externalConfig(LocalEndpoints endpoints) {
        Map<String, String> config = new HashMap<>();
        config.put("courier.local.enabled", "false");
        config.put("courier.cql.contact-points", endpoints.cqlHost() + ":" + endpoints.cqlPort());
        config.put("courier.cql.local-datacenter", endpoints.cqlDatacenter());
        config.put("courier.cql.replication", "{'class': 'SimpleStrategy', 'replication_factor': 1}");
        config.put("courier.s3.endpoint", endpoints.s3Endpoint());
        config.put("courier.s3.access-key", endpoints.s3AccessKey());
        config.put("courier.s3.secret-key", endpoints.s3SecretKey());
        return config;
    }

    @Override
    public Map<String, String> start() {
        Path dataDir = Path.of("target", "test-infra");
        deleteRecursively(dataDir.resolve("cassandra"));
        deleteRecursively(dataDir.resolve("s3proxy"));
        // -Dcourier.local.java-home as for a node: tests on a newer JDK keep Cassandra on one it supports.
        Path java = Optional.ofNullable(System.getProperty("courier.local.java-home"))
                .map(home -> Path.of(home, "bin", "java")).orElseGet(LocalInfrastructure::currentJava);
        infrastructure = LocalInfrastructure.start(dataDir, java, Duration.ofMinutes(3));
        int hazelcastPort = FreePorts.pick();
        Map<String, String> config = externalConfig(infrastructure.endpoints());
        config.put("courier.cluster.name", "courier-test-" + UUID.randomUUID());
        config.put("courier.cluster.port", Integer.toString(hazelcastPort));
        config.put("courier.cluster.members", "127.0.0.1:" + hazelcastPort);
        config.put("courier.cluster.bind-address", "127.0.0.1");
        config.put("quarkus.grpc.server.test-port", Integer.toString(FreePorts.pick()));
        // Metrics are served on the management interface: its default test port 9001 may be taken on a shared machine.
        config.put("quarkus.management.test-port", Integer.toString(FreePorts.pick()));
        config.put("quarkus.management.host", "127.0.0.1");
        try {
            push = PushServers.start(dataDir.resolve("push"));
        } catch (Exception e) {
            throw new IllegalStateException("could not start the local push servers", e);
        }
        config.putAll(push.config());
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(push, new TestInjector.MatchesType(PushServers.class));
    }

    @Override
    public void stop() {
        if (push != null) {
            try {
                push.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (infrastructure != null) {
            infrastructure.close();
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not clear " + dir, e);
        }
    }
}
