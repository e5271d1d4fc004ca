package io.courier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

/**
 * A Courier node of the built application ({@code target/quarkus-app}, so run from failsafe after {@code package})
 * in a child JVM that attaches to the local infrastructure of a data folder, as a second or third node started on
 * the same machine does. It dies with the JVM that started it ({@link ParentWatch}); {@link #kill()} is a crash,
 * {@link #stop()} a SIGTERM (graceful drain).
 */
public final class NodeProcess implements AutoCloseable {
    private static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Path JVM_ARGS = Path.of("src", "main", "jvm", "courier.jvmargs");
    private static final String READY = "Courier node ready";

    /** The ports of one node; the Hazelcast member takes exactly {@code hazelcast} (the list names every member). */
    public record Ports(int grpc, int management, int hazelcast) {
        public static Ports free() {
            return new Ports(FreePorts.pick(), FreePorts.pick(), FreePorts.pick());
        }
    }

    private final String name;
    private final Ports ports;
    private final ChildJvm jvm;

    private NodeProcess(String name, Ports ports, ChildJvm jvm) {
        this.name = name;
        this.ports = ports;
        this.jvm = jvm;
    }

    /**
     * Starts a node; returns once it has logged that it is ready.
     *
     * @param config {@code courier.*} / {@code quarkus.*} settings beyond the ports and the data folder
     */
    public static NodeProcess start(String name, Path dataDir, Ports ports, Map<String, String> config,
            Duration timeout) {
        ChildJvm jvm = launch(name, dataDir, ports, config);
        NodeProcess node = new NodeProcess(name, ports, jvm);
        try {
            node.awaitLog(READY, timeout);
        } catch (RuntimeException e) {
            jvm.kill(); // a node that never got ready would otherwise outlive the test, holding its ports
            throw e;
        }
        return node;
    }

    /** How a node that was expected to refuse its start ended. */
    public record Exit(int status, String log) {
    }

    /** Starts a node that should refuse to start; returns once it has exited (fails if it runs past the timeout). */
    public static Exit startRefused(String name, Path dataDir, Ports ports, Map<String, String> config,
            Duration timeout) {
        ChildJvm jvm = launch(name, dataDir, ports, config);
        try {
            int status = jvm.awaitExit(timeout);
            return new Exit(status, Files.readString(jvm.logFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the log of " + name, e);
        } finally {
            jvm.kill();
        }
    }

    private static ChildJvm launch(String name, Path dataDir, Ports ports, Map<String, String> config) {
        if (!Files.exists(APP)) {
            throw new IllegalStateException(APP + " is missing: run after `mvn package` (failsafe does)");
        }
        try {
            Path workDir = Files.createDirectories(dataDir.resolve("nodes").resolve(name)).toAbsolutePath();
            // The launcher reads the file as README's command does (comment lines included).
            List<String> options = new ArrayList<>(List.of("@" + JVM_ARGS.toAbsolutePath()));
            options.add("-Xmx512m");
            options.add("-Dcourier.local.data-dir=" + dataDir.toAbsolutePath());
            options.add("-Dquarkus.grpc.server.host=127.0.0.1");
            options.add("-Dquarkus.grpc.server.port=" + ports.grpc());
            options.add("-Dquarkus.management.host=127.0.0.1");
            options.add("-Dquarkus.management.port=" + ports.management());
            options.add("-Dcourier.cluster.port=" + ports.hazelcast());
            options.add("-Dcourier.cluster.bind-address=127.0.0.1");
            config.forEach((key, value) -> options.add("-D" + key + "=" + value));
            return ChildJvm.start(name, LocalInfrastructure.currentJava(), List.of(APP.toAbsolutePath()),
                    options, "io.quarkus.bootstrap.runner.QuarkusEntryPoint", List.of(), workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start node " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public int grpcPort() {
        return ports.grpc();
    }

    public int hazelcastPort() {
        return ports.hazelcast();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    /** Waits until the node's log has a line containing {@code text}; fails at once if the node exits. */
    public void awaitLog(String text, Duration timeout) {
        Awaitility.await(name + " logging \"" + text + "\"").atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (log().contains(text)) {
                        return true;
                    }
                    if (!jvm.isAlive()) {
                        throw new IllegalStateException(name + " exited; last log lines:\n" + jvm.tail(60));
                    }
                    return false;
                });
    }

    public String log() throws IOException {
        return Files.readString(jvm.logFile());
    }

    /** SIGKILL. */
    public void kill() {
        jvm.kill();
    }

    /** SIGTERM, waiting for the node to exit (SIGKILL after 30 s). */
    public void stop() {
        jvm.close();
    }

    @Override
    public void close() {
        jvm.kill();
    }
}
