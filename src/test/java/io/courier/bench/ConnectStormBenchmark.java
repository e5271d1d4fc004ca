package io.courier.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.support.RegisteredDevice;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A node restart as the node that takes the load sees it: N registered devices open their Connect streams at once,
 * multiplexed over a few HTTP/2 connections by a generator in a JVM of its own ({@link StormChild}), so this JVM
 * holds the node and only the node's side of each stream. Reports the time to the last QueueEmpty, the refused
 * streams by status, what each idle stream costs the node (live heap after a full GC and resident set size, with the
 * streams open minus before, over the streams the node counts open; and the heap by class: the per-stream bill), and
 * the ping → Pong round trips of a few bystander devices, online before the storm, while it lasts.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=storm}; knobs -Dbench.devices (10000; also
 * -Dbench.storm.devices), -Dbench.storm.channels (16), -Dbench.storm.timeout.seconds (120),
 * -Dbench.storm.bystanders (5, each pinging once a second, the node's sustained ping budget),
 * -Dbench.storm.generator-heap (3g).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "storm")
class ConnectStormBenchmark extends BenchSupport {
    private static final Duration PING_PERIOD = Duration.ofSeconds(1);
    /** Who holds what in the per-stream bill, by class name prefix. */
    private static final List<Map.Entry<String, List<String>>> OWNERS = List.of(
            Map.entry("gRPC and Netty (the HTTP/2 stream, call, framer, deframer)", List.of("io.grpc.", "io.netty.")),
            Map.entry("Courier (stream parts, mailbox, budgets, presence)", List.of("io.courier.")),
            Map.entry("Hazelcast (grid entries: presence, device queue, rate limits)", List.of("com.hazelcast.")),
            Map.entry("Reactor (pending subscriptions)", List.of("reactor.")));
    /** Classes in the report's per-stream bill. */
    private static final int BILL_LINES = 25;
    /** Where the node's CPU goes during the storm, by thread name (this JVM is the node, the generator is not). */
    private static final List<Map.Entry<String, Predicate<String>>> CPU_OWNERS = List.of(
            Map.entry("Hazelcast (partition and generic operations, its I/O)", name -> name.startsWith("hz.")),
            Map.entry("CQL driver (its I/O and timers)", name -> name.matches("s\\d+-.*")),
            Map.entry("gRPC transport (Netty event loops)", name -> name.contains("eventloop")
                    || name.contains("ELG") || name.startsWith("grpc")),
            Map.entry("Courier stream workers (courier-stream)", name -> name.startsWith("courier-stream")),
            Map.entry("Reactor timers and elastic threads", name -> name.startsWith("parallel-")
                    || name.startsWith("boundedElastic")));
    /** The processes sharing the node's cores, by what their command line runs. */
    private static final Function<String, String> PROCESSES = command -> command.contains("CassandraDaemon")
            ? "Cassandra" : command.contains(StormGenerator.class.getName()) ? "the generator"
            : command.contains("s3proxy") ? "S3Proxy" : null;

    @Inject
    MeterRegistry meters;

    @Test
    void run() throws Exception {
        int devices = property("bench.devices", property("bench.storm.devices", 10_000));
        int channelCount = property("bench.storm.channels", 16);
        int bystanderCount = property("bench.storm.bystanders", 5);
        Duration timeout = Duration.ofSeconds(property("bench.storm.timeout.seconds", 120));
        String generatorHeap = System.getProperty("bench.storm.generator-heap", "3g");

        long registrationStart = System.nanoTime();
        List<RegisteredDevice> registered = registerMany(devices + bystanderCount);
        double registrationSeconds = (System.nanoTime() - registrationStart) / 1e9;
        List<String> tokens = registered.subList(0, devices).stream().map(RegisteredDevice::authToken).toList();

        LatencyStats pings = new LatencyStats();
        StormTally tally = new StormTally(devices);
        StormTally.Result storm;
        Histogram pingsDuringStorm;
        long unanswered = 0;
        Footprint before;
        Footprint after;
        double openBefore;
        double open;
        List<Plots.Plot> overTime;
        List<Bystander> bystanders = new ArrayList<>();
        List<ThreadCpu> cpu = new ArrayList<>();
        double[] cqlBefore;
        double[] cqlDuring;
        long gcBefore;
        long gcDuring;
        long[] cpuNanos;
        Map<String, Long> processNanos;
        double busyCores;
        try (BenchChannel side = new BenchChannel("127.0.0.1", grpcPort())) {
            try {
                for (RegisteredDevice device : registered.subList(devices, registered.size())) {
                    bystanders.add(new Bystander(side.channel(), device.authToken(), pings));
                }
                for (Bystander bystander : bystanders) {
                    bystander.online().get(30, TimeUnit.SECONDS);
                }
                openBefore = openStreams();
                before = Footprint.now();
                cqlBefore = new double[] { cqlStatements(meters, "read"), cqlStatements(meters, "write") };
                gcBefore = gcMillis();
                ProcessCpu processes = ProcessCpu.start(PROCESSES);
                cpu.add(ThreadCpu.start(thread -> true));
                CPU_OWNERS.forEach(owner -> cpu.add(ThreadCpu.start(
                        thread -> owner.getValue().test(thread.getThreadName()))));
                bystanders.forEach(b -> b.startPinging(PING_PERIOD));
                try (JfrWindow profile = JfrWindow.of("connect-storm", processes.children());
                        Timeline timeline = Timeline.start(Duration.ofMillis(500), tally.tracked(),
                        new Timeline.Tracked("bystander ping → Pong", pings));
                        StormChild generator = StormChild.start(grpcPort(), channelCount, tokens, generatorHeap,
                                Path.of("target", "benchmarks", "storm-generator.log"), tally)) {
                    storm = tally.await(timeout);
                    cpuNanos = cpu.stream().mapToLong(ThreadCpu::elapsedNanos).toArray();
                    processNanos = processes.elapsedNanos();
                    busyCores = processes.busyCores();
                    cqlDuring = new double[] { cqlStatements(meters, "read") - cqlBefore[0],
                            cqlStatements(meters, "write") - cqlBefore[1] };
                    gcDuring = gcMillis() - gcBefore;
                    pingsDuringStorm = pings.snapshot();
                    for (Bystander bystander : bystanders) {
                        bystander.stopPinging();
                    }
                    overTime = Plots.overTime("The storm", timeline);
                    open = openStreams() - openBefore;
                    after = Footprint.now();
                    for (Bystander bystander : bystanders) {
                        unanswered += bystander.unanswered();
                    }
                }
            } finally {
                for (Bystander bystander : bystanders) {
                    bystander.close();
                }
            }
        }
        // With most streams gone the difference is noise over a few streams: not a cost per stream.
        boolean measured = open >= devices / 2.0;
        long heapPerStream = measured ? Math.round((after.heapBytes() - before.heapBytes()) / open) : -1;
        long rssPerStream = measured ? after.residentPerUnitSince(before, open) : -1;
        boolean allReady = storm.ready() == devices;
        double pingP99 = LatencyStats.millis(pingsDuringStorm, 99);

        StringBuilder report = new StringBuilder("""
                ## Connect storm
                %d registered devices (registered in %.1f s, before the storm) open their streams at once, multiplexed \
                over %d HTTP/2 connections by a generator in its own JVM; %d bystander devices, online before, ping once \
                a second each.

                | what | value |
                |---|---|
                | reached QueueEmpty | %d of %d |
                | first open → last QueueEmpty | %d ms%s |
                | open → QueueEmpty per stream p50 / p99 / p99.9 / max | %s |
                | refused (ended before QueueEmpty) | %d |
                | neither ready nor refused after %d s | %d |
                | bystander ping → Pong during the storm p50 / p99 / p99.9 / max (%d pings; unanswered %d) | %s |
                | streams the node counts open at the measurement (storm's) | %.0f |
                | node heap after full GC before / with the streams open | %.1f MB / %.1f MB |
                | node RSS before / with the streams open (heap committed) | %.1f MB (%.1f MB) / %.1f MB (%.1f MB) |
                | node heap per open stream (-1: not measured, fewer than half the streams open) | %d bytes |
                | node RSS per open stream (outside the heap, plus the live heap) | %d bytes |
                """.formatted(devices, registrationSeconds, channelCount, bystanderCount, storm.ready(), devices,
                storm.lastReadyMillis(), allReady ? "" : " (not all ready)",
                LatencyStats.percentiles(storm.toReady()), storm.refusedCount(), timeout.toSeconds(),
                storm.pending(), pingsDuringStorm.getTotalCount(), unanswered,
                LatencyStats.percentiles(pingsDuringStorm), open, before.heapBytes() / 1e6, after.heapBytes() / 1e6,
                before.rssBytes() / 1e6, before.heapCommittedBytes() / 1e6, after.rssBytes() / 1e6,
                after.heapCommittedBytes() / 1e6, heapPerStream, rssPerStream));
        // Everything the node did from the first open to the last settled stream, per stream that got there.
        double opens = Math.max(1, storm.ready() + storm.refusedCount());
        report.append(String.format(Locale.ROOT, "| node CPU per open, Java threads (GC and JIT not included) |"
                + " %.0f µs |%n", cpuNanos[0] / 1e3 / opens));
        for (int i = 0; i < CPU_OWNERS.size(); i++) {
            report.append(String.format(Locale.ROOT, "| … of which %s | %.0f µs |%n", CPU_OWNERS.get(i).getKey(),
                    cpuNanos[i + 1] / 1e3 / opens));
        }
        // Where the rest of the box's CPU went: the node's collectors and compilers, the database, the generator.
        processNanos.forEach((process, nanos) -> report.append(String.format(Locale.ROOT,
                "| CPU per open of %s, every thread (GC and JIT too) | %.0f µs |%n",
                process.equals(ProcessCpu.THIS_JVM) ? "the node's JVM" : process, nanos / 1e3 / opens)));
        report.append(String.format(Locale.ROOT, "| the machine's busy CPU during the storm (steal included) |"
                + " %.2f of %d cores |%n", busyCores, ProcessCpu.machineCores()));
        report.append(String.format(Locale.ROOT, "| CQL reads / writes per open | %.2f / %.2f |%n",
                cqlDuring[0] / opens, cqlDuring[1] / opens));
        report.append(String.format(Locale.ROOT, "| GC time during the storm (collectors' own count) | %d ms |%n",
                gcDuring));
        storm.refused().forEach((status, count) -> report.append("| refused: ").append(status.replace('|', '/'))
                .append(" | ").append(count).append(" |\n"));
        report.append("\nThe node's live heap per open stream by class (the largest ").append(BILL_LINES)
                .append("; shallow sizes, from the class histograms before and with the streams open):\n\n")
                .append("| class | instances per stream | bytes per stream |\n|---|---|---|\n");
        if (measured) {
            List<Footprint.Line> bill = after.billSince(before, Math.round(open), BILL_LINES);
            bill.forEach(line -> report.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.0f |%n",
                    line.className(), line.instancesPerUnit(), line.bytesPerUnit())));
            report.append(String.format(Locale.ROOT, "| the rest of the heap difference | | %.0f |%n",
                    (after.heapBytes() - before.heapBytes()) / open
                            - bill.stream().mapToDouble(Footprint.Line::bytesPerUnit).sum()));
        }
        if (measured) {
            report.append("\nThe same by owner (every class, not only the largest):\n\n")
                    .append("| owner | bytes per stream |\n|---|---|\n");
            after.billByOwner(before, Math.round(open), OWNERS, "JDK collections, arrays and strings (any owner)")
                    .forEach((owner, bytes) -> report.append(String.format(Locale.ROOT, "| %s | %.0f |%n", owner,
                            bytes)));
        }
        List<Plots.Plot> plots = new ArrayList<>();
        plots.add(Plots.percentiles("Open → QueueEmpty per stream, " + devices + " streams at once",
                List.of(Map.entry("open → QueueEmpty", storm.toReady()),
                        Map.entry("bystander ping → Pong", pingsDuringStorm))));
        plots.addAll(overTime);
        publish("connect-storm", report.toString(), String.format(Locale.ROOT,
                "devices=%d all_ready_ms=%s refused=%d heap_per_stream_bytes=%s rss_per_stream_bytes=%s"
                        + " bystander_ping_p99_ms=%.1f",
                devices, allReady ? Long.toString(storm.lastReadyMillis()) : "never", storm.refusedCount(),
                measured ? Long.toString(heapPerStream) : "none", measured ? Long.toString(rssPerStream) : "none",
                pingP99), plots);
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(millis -> millis > 0).sum();
    }

    private double openStreams() {
        return meters.get("courier.streams.open").gauge().value();
    }
}
