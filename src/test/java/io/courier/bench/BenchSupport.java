package io.courier.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.eclipse.microprofile.config.ConfigProvider;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;

import io.courier.client.ClientStore;
import io.courier.client.CourierClient;
import io.courier.messaging.DeviceQueues;
import io.courier.messaging.MessagingConfig;
import io.courier.support.MemberProcess;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What every benchmark entry point needs besides its load: many devices registered quickly, extra channels to the
 * node, and the report (a human table plus one {@code RESULT key=value ...} line for scripts).
 */
abstract class BenchSupport extends ServerTest {
    /**
     * Registrations in flight at once: they are unary calls, so a few threads keep the node busy;
     * -Dbench.registrations.in-flight for many thousands of devices.
     */
    private static final int REGISTRATION_THREADS = Integer.getInteger("bench.registrations.in-flight", 16);
    /** Unique within a run (a repeated number would re-register and unlink the earlier device). */
    private static final String NUMBER_PREFIX = "+49151" + ThreadLocalRandom.current().nextInt(10, 100);
    private static final AtomicInteger NUMBERS = new AtomicInteger();

    protected static int property(String name, int fallback) {
        return Integer.getInteger(name, fallback);
    }

    protected static double property(String name, double fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : Double.parseDouble(value);
    }

    protected RegisteredDevice registerUnique() {
        return register(NUMBER_PREFIX + String.format("%06d", NUMBERS.incrementAndGet()));
    }

    /** An SDK client registered under a fresh number, on the test channel. */
    protected CourierClient registeredClient() {
        String phone = randomPhoneNumber();
        CourierClient client = CourierClient.create(channel, ClientStore.inMemory());
        var session = client.requestVerificationCode(phone).block();
        client.register(session, verificationCodes.lastCodeFor(phone), "phone").block();
        return client;
    }

    protected List<RegisteredDevice> registerMany(int count) throws InterruptedException {
        return inParallel(count, i -> registerUnique());
    }

    /** Device pairs with real keys uploaded, so sends pass the device-list and registration-id checks. */
    protected List<LoadGenerator.Pair> pairs(int count) throws InterruptedException {
        Function<Participant, LoadGenerator.Device> device = p -> new LoadGenerator.Device(p.device().authToken(),
                p.accountId(), p.signal().registrationId());
        return inParallel(count, i -> new LoadGenerator.Pair(device.apply(withKeys(registerUnique())),
                device.apply(withKeys(registerUnique()))));
    }

    private static <T> List<T> inParallel(int count, IntFunction<T> task) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(REGISTRATION_THREADS);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.apply(index)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            throw new IllegalStateException("registration failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A channel of its own (one HTTP/2 connection), like another phone. */
    protected static ManagedChannel newChannel() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort()).usePlaintext().build();
    }

    /** The node's gRPC port in this test run. */
    protected static int grpcPort() {
        return ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    protected static void shutdown(List<ManagedChannel> channels) throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            c.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A second Hazelcast member in its own JVM, as a second node's would be: device queues then hold items in two
     * members' memory (unless -Dbench.hold=0), and half the partitions' owners are a network hop away. It spills
     * and flushes its own partitions' bookkeeping like a node, and its CQL statements count with the node's. It runs
     * no gRPC server and no group fan-out: benchmarks keep the streams and the groups on the node.
     */
    protected static MemberProcess secondMember(HazelcastInstance hazelcast, CqlSession session,
            MessagingConfig messaging, DeviceQueues queues) throws IOException {
        Path log = Path.of("target", "benchmarks", "second-member.log");
        Files.createDirectories(log.getParent());
        MemberProcess second = MemberProcess.join(hazelcast, session, new MemberProcess.Duties(
                messaging.queueMemoryItems(), messaging.queueMemoryBytes(), messaging.hold(), messaging.tickFlush(),
                messaging.spillInterval()), log);
        await().atMost(Duration.ofMinutes(2)).until(() -> hazelcast.getCluster().getMembers().size() == 2
                && (messaging.hold().isZero() || queues.holding()));
        return second;
    }

    /** CQL statements of a kind ("read", "write") this node's session has requested so far. */
    protected static double cqlStatements(MeterRegistry meters, String kind) {
        return MemberProcess.statements(meters, kind);
    }

    /** A node setting as the node sees it, for benchmarks that must stay inside the node's limits. */
    protected static <T> T nodeSetting(String key, Class<T> type, T fallback) {
        return ConfigProvider.getConfig().getOptionalValue(key, type).orElse(fallback);
    }

    /** Header and rows of a table of load runs. */
    protected static final String RUN_HEADER = """
            | rate (msg/s) | delivered | refused | send → SendAck p50 / p99 / p99.9 / max | send → deliver p50 / p99 / p99.9 / max |
            |---|---|---|---|---|
            """;

    protected static String row(LoadGenerator.Result run) {
        return "| %d | %d of %d | %s | %s | %s |%n".formatted(run.rate(), run.delivered(), run.scheduled(),
                run.refused().isEmpty() ? "0" : run.refused().toString(), LatencyStats.percentiles(run.sendAck()),
                LatencyStats.percentiles(run.delivery()));
    }

    /**
     * Prints the report and the RESULT line, and writes both to target/benchmarks/{name}.md, and beside it
     * {name}.html with the plots above the same text.
     */
    protected static void publish(String name, String report, String result, List<Plots.Plot> plots)
            throws IOException {
        String text = report + "\nRESULT " + result + "\n";
        System.out.println(text);
        Path dir = Path.of("target", "benchmarks");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".md"), text);
        new Report(name, report, result, plots).write(dir);
    }
}
