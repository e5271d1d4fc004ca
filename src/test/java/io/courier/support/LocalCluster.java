package io.courier.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;

import io.courier.client.ClientStore;
import io.courier.client.CourierClient;
import io.courier.client.VerificationSession;
import io.courier.local.LocalInfrastructure;
import io.courier.local.NodeProcess;
import io.grpc.Channel;

/**
 * Courier nodes of the built application in child JVMs (run from failsafe, after {@code package}), attached to one
 * local Cassandra + S3Proxy that this JVM owns (so any node can be killed) and joined in one Hazelcast cluster.
 * Verification codes go to an "SMS gateway" here (the nodes' http sender). A node restarts on its old ports, so
 * clients' address lists stay valid.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Path dataDir;
    private final LocalInfrastructure infrastructure;
    private final HttpServer smsGateway;
    private final Map<String, String> codes;
    private final List<NodeProcess.Ports> ports;
    private final Map<String, String> config;
    private final NodeProcess[] nodes;
    private final String clusterName;

    private LocalCluster(Path dataDir, LocalInfrastructure infrastructure, HttpServer smsGateway,
            Map<String, String> codes, List<NodeProcess.Ports> ports, Map<String, String> config, String clusterName) {
        this.dataDir = dataDir;
        this.infrastructure = infrastructure;
        this.smsGateway = smsGateway;
        this.codes = codes;
        this.ports = ports;
        this.config = config;
        this.clusterName = clusterName;
        this.nodes = new NodeProcess[ports.size()];
    }

    /**
     * Fresh data under {@code dataDir} (Cassandra's class data sharing archive is kept), then {@code count}
     * nodes: the first alone (it runs the schema migrations), the others in parallel.
     *
     * @param overrides node settings beyond the cluster, ports and limits set here
     */
    public static LocalCluster start(Path dataDir, int count, Map<String, String> overrides) {
        for (String dir : List.of("cassandra", "s3proxy", "nodes")) {
            LocalInfrastructureResource.deleteRecursively(dataDir.resolve(dir));
        }
        LocalInfrastructure infrastructure = LocalInfrastructure.start(dataDir, LocalInfrastructure.currentJava(),
                BOOT);
        Map<String, String> codes = new ConcurrentHashMap<>();
        HttpServer smsGateway = smsGateway(codes);
        String clusterName = "courier-cluster-" + UUID.randomUUID();
        List<NodeProcess.Ports> ports = IntStream.range(0, count).mapToObj(i -> NodeProcess.Ports.free()).toList();
        Map<String, String> config = new HashMap<>();
        config.put("courier.cluster.name", clusterName);
        config.put("courier.cluster.members", ports.stream().map(p -> "127.0.0.1:" + p.hazelcast())
                .collect(Collectors.joining(",")));
        config.put("courier.accounts.verification-sender", "http");
        config.put("courier.accounts.http-gateway.url",
                "http://127.0.0.1:" + smsGateway.getAddress().getPort() + "/codes");
        // Every device here connects from 127.0.0.1 and reconnects often: per-peer and per-credential limits apart.
        for (String limit : List.of("code-requests-per-peer", "registrations-per-peer")) {
            config.put("courier.accounts.limits." + limit + "-burst", "100000");
        }
        // Benchmarks register thousands of +49 numbers from one address: the SMS budgets are for real traffic.
        config.put("courier.accounts.limits.code-sends-per-country-per-hour", "1000000");
        config.put("courier.accounts.limits.code-sends-global-per-hour", "1000000");
        config.put("courier.edge.stream-open-burst", "100000");
        config.put("courier.edge.node-reopen-burst", "100000");
        config.putAll(overrides);
        LocalCluster cluster = new LocalCluster(dataDir, infrastructure, smsGateway, codes, ports, config,
                clusterName);
        try {
            cluster.restart(0);
            IntStream.range(1, count).mapToObj(i -> CompletableFuture.runAsync(() -> cluster.restart(i))).toList()
                    .forEach(CompletableFuture::join);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts node {@code index} (again) on its ports; returns once it is ready. */
    public NodeProcess restart(int index) {
        NodeProcess node = NodeProcess.start("node-" + index, dataDir, ports.get(index), config, BOOT);
        synchronized (nodes) {
            nodes[index] = node;
        }
        return node;
    }

    public NodeProcess node(int index) {
        synchronized (nodes) {
            return nodes[index];
        }
    }

    public int size() {
        return nodes.length;
    }

    public List<InetSocketAddress> grpcAddresses() {
        return ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p.grpc())).toList();
    }

    public String clusterName() {
        return clusterName;
    }

    /** {@code host:port} of every node's Hazelcast member. */
    public List<String> members() {
        return ports.stream().map(p -> "127.0.0.1:" + p.hazelcast()).toList();
    }

    /** A new device registered through {@code channel} (keys uploaded), not connected yet. */
    public CourierClient register(Channel channel) {
        String phone = "+49151" + ThreadLocalRandom.current().nextInt(10_000_000, 100_000_000);
        CourierClient client = CourierClient.create(channel, ClientStore.inMemory());
        VerificationSession session = client.requestVerificationCode(phone).block(WAIT);
        String code = await().atMost(WAIT).until(() -> codes.get(phone), c -> c != null);
        client.register(session, code, "phone").block(WAIT);
        return client;
    }

    @Override
    public void close() {
        synchronized (nodes) {
            Stream.of(nodes).filter(n -> n != null).forEach(NodeProcess::close);
        }
        smsGateway.stop(0);
        infrastructure.close();
    }

    /** Records each code the nodes' http sender posts. */
    private static HttpServer smsGateway(Map<String, String> codes) {
        Pattern body = Pattern.compile("\"phone_number\":\"([^\"]+)\",\"code\":\"([^\"]+)\"");
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/codes", exchange -> {
                Matcher m = body.matcher(new String(exchange.getRequestBody().readAllBytes(), UTF_8));
                boolean found = m.find();
                if (found) {
                    codes.put(m.group(1), m.group(2));
                }
                exchange.sendResponseHeaders(found ? 204 : 400, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the SMS gateway", e);
        }
    }
}
