package io.courier.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.net.InetSocketAddress;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.metadata.Node;

import com.hazelcast.config.Config;
import com.hazelcast.config.ConfigXmlGenerator;
import com.hazelcast.config.InMemoryXmlConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.operationservice.impl.OperationServiceImpl;

import io.courier.cluster.GridTypes;
import io.courier.local.FreePorts;
import io.courier.messaging.OwnerDuties;
import io.courier.store.Cql;
import io.courier.store.CqlRequestMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A Hazelcast member like the node's, in a JVM of its own, as a second node's member would be: the node's own
 * configuration (maps, serialization filter, properties) with a port of its own, joined to the node. Like a node's
 * member it spills the device queues and flushes the ticks of the partitions it owns, on a CQL session of its own
 * whose statements it counts ({@link #cqlCounts()}). It stops when this JVM closes its stdin (or dies).
 */
public final class MemberProcess implements AutoCloseable {
    /**
     * The CQL statements a member's own session requested so far, and the grid operations the member ran (its
     * primaries, its backups of other members' and the grid's own housekeeping: {@link #gridOperations}).
     */
    public record CqlCounts(double writes, double rows, double reads, double gridOps) {
        public static final CqlCounts NONE = new CqlCounts(0, 0, 0, 0);
    }

    /** How a member's bookkeeping runs: the node's messaging settings. */
    public record Duties(int memoryItems, long memoryBytes, Duration hold, Duration tickFlush, Duration interval) {
    }

    private static final Duration COUNTS_EVERY = Duration.ofMillis(100);
    /** A byte on the child's stdin: collect garbage, then write the heap in use beside the counts file. */
    private static final int HEAP_COMMAND = 'g';

    private final Process process;
    private final Path counts;

    private MemberProcess(Process process, Path counts) {
        this.process = process;
        this.counts = counts;
    }

    public static MemberProcess join(HazelcastInstance node, CqlSession session, Duties duties, Path logFile) {
        try {
            Path counts = Files.createTempFile("courier-member", ".counts");
            Node cassandra = session.getMetadata().getNodes().values().iterator().next();
            String consistency = session.getContext().getConfig().getDefaultProfile()
                    .getString(DefaultDriverOption.REQUEST_CONSISTENCY);
            Path config = Files.createTempFile("courier-member", ".xml");
            Files.writeString(config, new ConfigXmlGenerator(true, false).generate(node.getConfig()));
            String seed = node.getCluster().getLocalMember().getAddress().getHost() + ":"
                    + node.getCluster().getLocalMember().getAddress().getPort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-") || a.startsWith("-Djava.util.concurrent"))
                    .forEach(command::add);
            command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    MemberProcess.class.getName(), config.toString(), String.valueOf(FreePorts.pick()), seed,
                    cassandra.getEndPoint().resolve().toString().replaceFirst("^.*/", ""),
                    cassandra.getDatacenter(), session.getKeyspace().orElseThrow().asInternal(), consistency,
                    String.valueOf(duties.memoryItems()), String.valueOf(duties.memoryBytes()),
                    duties.hold().toString(), duties.tickFlush().toString(), duties.interval().toString(),
                    counts.toString()));
            return new MemberProcess(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).start(), counts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the member's session counted, as of its last report (a tenth of a second ago at most). */
    public CqlCounts cqlCounts() {
        try {
            String[] parts = Files.readString(counts).trim().split(" ");
            return parts.length < 4 ? CqlCounts.NONE : new CqlCounts(Double.parseDouble(parts[0]),
                    Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), Double.parseDouble(parts[3]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The member's heap in use after a full collection in its JVM (what is really live there now): asks the child
     * over its stdin and waits for its answer.
     */
    public long usedHeapAfterFullGc() {
        Path heap = heapFile(counts);
        try {
            Files.deleteIfExists(heap);
            process.getOutputStream().write(HEAP_COMMAND);
            process.getOutputStream().flush();
            await().atMost(Duration.ofMinutes(1)).until(() -> Files.exists(heap));
            return Long.parseLong(Files.readString(heap).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The child: {@code <config.xml> <port> <seed host:port> <cql host:port> <datacenter> <keyspace> <consistency>
     * <memory items> <memory bytes> <hold> <tick flush> <interval> <counts file>}.
     */
    public static void main(String[] args) throws IOException {
        Config config = new InMemoryXmlConfig(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        config.setClassLoader(MemberProcess.class.getClassLoader());
        config.setLiteMember(false); // the node joins as a lite member, then promotes itself
        // The node's wire forms are objects, not classes the XML can name: registered again from code.
        config.getSerializationConfig().getSerializerConfigs().clear();
        config.getSerializationConfig().getDataSerializableFactories().clear();
        config.getSerializationConfig().getDataSerializableFactoryClasses().clear();
        GridTypes.withCluster(SecondMember.NODE_TYPES).forEach(types -> {
            types.serializers().forEach(config.getSerializationConfig()::addSerializerConfig);
            types.operations().forEach(config.getSerializationConfig()::addDataSerializableFactory);
        });
        int port = Integer.parseInt(args[1]);
        ServerSocketEndpointConfig members = (ServerSocketEndpointConfig) config.getAdvancedNetworkConfig()
                .getEndpointConfigs().get(EndpointQualifier.MEMBER);
        members.setPort(port);
        config.getAdvancedNetworkConfig().getJoin().getTcpIpConfig().setMembers(List.of(args[2],
                "127.0.0.1:" + port));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String[] cql = args[3].split(":");
        CqlSession session = CqlSession.builder()
                .addContactPoint(new InetSocketAddress(cql[0], Integer.parseInt(cql[1])))
                .withLocalDatacenter(args[4]).withKeyspace(args[5])
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withString(DefaultDriverOption.REQUEST_CONSISTENCY, args[6]).build())
                .addRequestTracker(new CqlRequestMetrics(meters)).build();
        OwnerDuties duties = OwnerDuties.start(member, new Cql(session), Integer.parseInt(args[7]),
                Long.parseLong(args[8]), Duration.parse(args[9]), Duration.parse(args[10]), Duration.parse(args[11]));
        Path counts = Path.of(args[12]);
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
        reporter.scheduleAtFixedRate(() -> report(meters, member, counts), 0, COUNTS_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        int command;
        while ((command = System.in.read()) >= 0) { // runs until the parent closes stdin or dies
            if (command == HEAP_COMMAND) {
                writeHeapAfterFullGc(heapFile(counts));
            }
        }
        reporter.shutdownNow();
        duties.close();
        member.getLifecycleService().terminate();
        session.close();
        System.exit(0);
    }

    private static void writeHeapAfterFullGc(Path heap) {
        System.gc();
        System.gc(); // the second one also frees what reference processing released in the first
        try {
            Path next = heap.resolveSibling(heap.getFileName() + ".next");
            Files.writeString(next, String.valueOf(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()));
            Files.move(next, heap, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path heapFile(Path counts) {
        return counts.resolveSibling(counts.getFileName() + ".heap");
    }

    /** Replaces the counts file in one move, so the parent never reads half a line. */
    private static void report(SimpleMeterRegistry meters, HazelcastInstance member, Path counts) {
        try {
            Path next = counts.resolveSibling(counts.getFileName() + ".next");
            Files.writeString(next, "%s %s %s %d".formatted(statements(meters, "write"),
                    meters.get("courier.cql.rows.written").counter().count(), statements(meters, "read"),
                    gridOperations(member)));
            Files.move(next, counts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Operations this member's partition and generic threads ran so far, backups and housekeeping included. */
    public static long gridOperations(HazelcastInstance member) {
        NodeEngine engine = ((HazelcastInstanceProxy) member).getOriginal().node.getNodeEngine();
        return ((OperationServiceImpl) engine.getOperationService()).getExecutedOperationCount();
    }

    /** CQL statements of a kind ("read", "write") a request tracker has counted, over every table. */
    public static double statements(MeterRegistry meters, String kind) {
        return meters.find("courier.cql.statements").tag("kind", kind).counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
