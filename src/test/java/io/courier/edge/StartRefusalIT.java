package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.courier.local.FreePorts;
import io.courier.local.LocalInfrastructure;
import io.courier.local.NodeProcess;
import io.courier.support.LocalInfrastructureResource;

/**
 * Starts of the built application that must fail: none may say it is ready, each ends with a non-zero status and
 * one actionable ERROR line (what is wrong, which setting fixes it) and no stack trace. The nodes attach to one
 * local Cassandra + S3Proxy that this class owns.
 */
class StartRefusalIT {
    private static final Path DATA = Path.of("target", "it-refusals");
    private static final Duration BOOT = Duration.ofMinutes(4);

    private static LocalInfrastructure infrastructure;

    @BeforeAll
    static void startInfrastructure() {
        for (String dir : List.of("cassandra", "s3proxy", "nodes")) {
            LocalInfrastructureResource.deleteRecursively(DATA.resolve(dir));
        }
        infrastructure = LocalInfrastructure.start(DATA, LocalInfrastructure.currentJava(), BOOT);
    }

    @AfterAll
    static void stopInfrastructure() {
        if (infrastructure != null) {
            infrastructure.close();
        }
    }

    @Test
    void aTakenManagementPortIsNamedWithItsSettingAndAFreeOne() throws IOException {
        try (ServerSocket taken = takenPort()) {
            int port = taken.getLocalPort();
            NodeProcess.Ports ports = new NodeProcess.Ports(FreePorts.pick(), port, FreePorts.pick());
            NodeProcess.Exit exit = NodeProcess.startRefused("management-port-taken", DATA, ports, alone(ports), BOOT);

            assertThat(refusal(exit)).contains("port " + port + " (quarkus.management.port")
                    .contains("in use by another process").containsPattern("QUARKUS_MANAGEMENT_PORT=\\d+ is free");
        }
    }

    @Test
    void aTakenGrpcPortStopsTheNodeInsteadOfRunningWithoutIt() throws IOException {
        try (ServerSocket taken = takenPort()) {
            int port = taken.getLocalPort();
            NodeProcess.Ports ports = new NodeProcess.Ports(port, FreePorts.pick(), FreePorts.pick());
            NodeProcess.Exit exit = NodeProcess.startRefused("grpc-port-taken", DATA, ports, alone(ports), BOOT);

            assertThat(refusal(exit)).contains("port " + port + " (quarkus.grpc.server.port")
                    .containsPattern("QUARKUS_GRPC_SERVER_PORT=\\d+ is free");
        }
    }

    /** A port another "process" listens on (this JVM, as far as the node can tell). */
    private static ServerSocket takenPort() throws IOException {
        ServerSocket taken = new ServerSocket();
        taken.bind(new InetSocketAddress("127.0.0.1", FreePorts.pick()));
        return taken;
    }

    @Test
    void theLogSenderIsRefusedOutsideALocalRun() {
        NodeProcess.Exit exit = startOutsideALocalRun("log-sender-refused",
                Map.of("courier.accounts.verification-sender", "log"));

        assertThat(refusal(exit)).contains("courier.accounts.verification-sender=log")
                .contains("courier.accounts.allow-log-sender=true");
    }

    @Test
    void aKeyspaceAskingForMoreReplicasThanTheDatabaseHasNamesTheReplicationSetting() {
        NodeProcess.Exit exit = startOutsideALocalRun("too-few-replicas", Map.of("courier.cql.keyspace",
                "three_replicas", "courier.cql.replication",
                "{'class': 'NetworkTopologyStrategy', 'replication_factor': 3}"));

        assertThat(refusal(exit)).contains("the database has 1 live replica(s) where LOCAL_QUORUM needs 2")
                .contains("courier.cql.replication");
    }

    /** A node configured as outside the embedded default: the infrastructure given by address, plus {@code extra}. */
    private static NodeProcess.Exit startOutsideALocalRun(String name, Map<String, String> extra) {
        NodeProcess.Ports ports = NodeProcess.Ports.free();
        Map<String, String> config = alone(ports);
        config.putAll(LocalInfrastructureResource.externalConfig(infrastructure.endpoints()));
        config.putAll(extra);
        return NodeProcess.startRefused(name, DATA, ports, config, BOOT);
    }

    /** A cluster of its own, so no refused node joins another test's members. */
    private static Map<String, String> alone(NodeProcess.Ports ports) {
        Map<String, String> config = new HashMap<>();
        config.put("courier.cluster.name", "refusal-" + UUID.randomUUID());
        config.put("courier.cluster.members", "127.0.0.1:" + ports.hazelcast());
        return config;
    }

    /** Checks what every refused start shares; returns its one ERROR line. */
    private static String refusal(NodeProcess.Exit exit) {
        assertThat(exit.status()).as("exit status").isNotZero();
        assertThat(exit.log()).doesNotContain("Courier node ready");
        List<String> lines = exit.log().lines().toList();
        assertThat(lines).as("stack frames in the log").noneMatch(line -> line.startsWith("\tat "));
        List<String> errors = lines.stream().filter(line -> line.contains(" ERROR ")).toList();
        assertThat(errors).as("ERROR lines").hasSize(1);
        assertThat(errors.get(0)).contains("Courier did not start: ");
        return errors.get(0);
    }
}
