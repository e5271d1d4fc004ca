package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;

import io.micrometer.core.instrument.MeterRegistry;
import io.courier.messaging.DeviceQueues;
import io.courier.messaging.MessagingConfig;
import io.courier.support.MemberProcess;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The max sustainable 1:1 rate (the default of {@code mvn -B verify -Pbench}): a ramp of open-loop steps over the
 * same device pairs until a step's p99 send→deliver reaches 200 ms or a message is not delivered by the end of the
 * step; then the p99 at half that rate, then the raw CQL insert floor of the same database in the same run.
 * The half-rate run also measures what the node spends per delivered message: CQL statements by kind (the node's
 * request tracker, {@code courier.cql.statements}) and CPU time of the node's threads, which are all of this JVM's
 * threads but the load generator's ({@link BenchChannel}'s, named {@value BenchChannel#THREAD_PREFIX}…) and the
 * test's own (it runs the generator's send loop); GC and JIT compiler threads are in no one's share.
 * Last, gRPC's own floor on this box: a bare grpc-java relay of frames of the same size ({@link RelayFloor}); and,
 * before the second member leaves, the grid's: bare entry operations with a synchronous backup ({@link GridFloor}).
 * After the half-rate run, sparse traffic: every sender sends once in {@code bench.sparse.seconds}, as phones do
 * (messages minutes apart, not twice a second), and its CQL writes per message are counted the same way: what a
 * device's periodic bookkeeping costs when no other message of the device shares it.
 * Knobs: -Dbench.pairs (200), -Dbench.payload (256), -Dbench.ramp.start (50), -Dbench.ramp.factor (2),
 * -Dbench.ramp.refine (3), -Dbench.step.seconds (5), -Dbench.floor.seconds (10), -Dbench.relay.seconds (5),
 * -Dbench.grid.seconds (5), -Dbench.sparse.seconds (40; 0 skips it).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "ramp")
class MaxRateBenchmark extends BenchSupport {
    private static final double P99_LIMIT_MS = 200;
    /** Time after a step's last send for its last deliveries: "everything delivered by the end of the step". */
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final Duration QUIET = Duration.ofSeconds(60);
    /** Before and after the half-rate run, so the previous run's late acks and receipts fall outside its count. */
    private static final Duration SETTLE = Duration.ofSeconds(1);
    /** How long the idle cluster's grid operations are counted before the half-rate run. */
    private static final Duration IDLE = Duration.ofSeconds(5);
    /** Before the relay floor's measured window: its server and client paths are cold. */
    private static final Duration RELAY_WARM_UP = Duration.ofSeconds(1);

    @Inject
    CqlSession session;

    @Inject
    MeterRegistry meters;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    DeviceQueues queues;

    @Inject
    MessagingConfig messaging;

    /** One run and what the node spent on it per delivered message. */
    private record Measured(LoadGenerator.Result run, double cqlWrites, double cqlRows, double cqlReads,
            double cpuMicros, double gridOps, Map<String, Double> nodeStatementsByTable) {
    }

    @Test
    void run() throws Exception {
        int pairs = property("bench.pairs", 200);
        int payload = property("bench.payload", 256);
        Duration step = Duration.ofSeconds(property("bench.step.seconds", 5));
        RateRamp.Settings settings = new RateRamp.Settings(property("bench.ramp.start", 50),
                property("bench.ramp.factor", 2.0), property("bench.ramp.refine", 3), capRate(pairs), step, GRACE,
                QUIET, P99_LIMIT_MS, payload);

        int members = property("bench.members", 2);
        RateRamp.Outcome ramp;
        Measured half = null;
        Measured sparse = null;
        GridFloor.Result grid;
        List<Plots.Plot> overTime;
        try (MemberProcess second = members > 1 ? secondMember(hazelcast, session, messaging, queues) : null;
                BenchChannel client = new BenchChannel("127.0.0.1", grpcPort());
                LoadGenerator load = LoadGenerator.connect(client.channel(), pairs(pairs), Duration.ofSeconds(60))) {
            load.run(settings.startRate(), Duration.ofSeconds(5), payload, QUIET); // warm-up: JIT, pools, statements
            try (Timeline timeline = load.timeline(Duration.ofSeconds(1))) {
                ramp = new RateRamp(settings).run(load);
                if (ramp.maxRate() >= 2) {
                    half = measured(load, second, ramp.maxRate() / 2, step.multipliedBy(2), payload,
                            "max-rate-half");
                }
                int sparseSeconds = property("bench.sparse.seconds", 40);
                if (sparseSeconds > 0) {
                    sparse = measured(load, second, Math.max(1, pairs / sparseSeconds),
                            Duration.ofSeconds(sparseSeconds), payload, "max-rate-sparse");
                }
                overTime = Plots.overTime("The ramp" + (half == null ? "" : ", then half the max rate"), timeline);
            }
            // While the second member is up: a grid call's price on this cluster, after the counts were taken.
            grid = GridFloor.run(hazelcast, Duration.ofSeconds(property("bench.grid.seconds", 5)), 256,
                    thread -> !thread.getThreadName().startsWith(BenchChannel.THREAD_PREFIX));
        }
        // After the counts were taken: the floor's inserts go through the node's session.
        CqlFloor.Result floor = new CqlFloor(session).run(Duration.ofSeconds(property("bench.floor.seconds", 10)),
                payload, 256);
        RelayFloor.Result relay = RelayFloor.run(RELAY_WARM_UP, Duration.ofSeconds(property("bench.relay.seconds", 5)),
                payload);

        StringBuilder report = new StringBuilder("""
                ## Max sustainable 1:1 rate
                %d Hazelcast member(s), delivery hold %s; %d device pairs, %d-byte envelopes, steps of %d s from %d msg/s ×%.2f then %d bisection steps \
                (cap %d msg/s); sustainable = p99 send→deliver < %.0f ms and all delivered within %d ms after the step.

                """.formatted(members, messaging.hold(), pairs, payload, step.toSeconds(), settings.startRate(),
                settings.factor(),
                settings.refine(), settings.capRate(), P99_LIMIT_MS, GRACE.toMillis()));
        report.append(RUN_HEADER);
        ramp.steps().forEach(run -> report.append(row(run)));
        report.append("\nStopped: ").append(ramp.stopReason()).append("\n\nMax sustainable: ")
                .append(ramp.maxRate()).append(" msg/s\n");
        if (half != null) {
            report.append("\nHalf that rate, ").append(step.multipliedBy(2).toSeconds()).append(" s:\n\n")
                    .append(RUN_HEADER).append(row(half.run()))
                    .append(("\nPer delivered message at half rate: %.2f CQL writes (partition mutations; %.2f rows),"
                            + " %.2f CQL reads, %.1f µs CPU of the node's threads, %.1f grid operations run by the"
                            + " members (primaries and backups, net of what the idle cluster ran in as long)\n")
                            .formatted(half.cqlWrites(), half.cqlRows(), half.cqlReads(), half.cpuMicros(),
                                    half.gridOps()))
                    .append("\nThis node's CQL statements per delivered message by kind and table (the second member's"
                            + " are in the totals above only): ")
                    .append(byTable(half)).append('\n');
        }
        if (sparse != null) {
            report.append(("\nSparse traffic (every sender once in %d s, %d msg/s): %.2f CQL writes"
                    + " per delivered message (partition mutations; %.2f rows), %.2f reads; this node's by kind and"
                    + " table: %s\n").formatted(
                    Math.round(sparse.run().seconds()), sparse.run().rate(), sparse.cqlWrites(), sparse.cqlRows(),
                    sparse.cqlReads(), byTable(sparse)));
        }
        report.append("\nFloor: %.0f raw CQL inserts/s (256 in flight, same DB, same consistency), latency %s\n"
                .formatted(floor.perSecond(), LatencyStats.percentiles(floor.latency().snapshot())));
        report.append(("\nRelay floor: %.0f frames/s (%d frames) through a bare grpc-java bidi relay, one stream "
                + "to another on one loopback connection, frames of the benchmark's Send size\n")
                .formatted(relay.perSecond(), relay.frames()));
        report.append(("\nGrid floor: %.0f entry operations/s (%d) on random keys of a map with one synchronous backup, "
                + "256 in flight, on the benchmark's cluster; %.1f µs CPU of the node's threads per operation; "
                + "latency %s\n").formatted(grid.perSecond(), grid.ops(), grid.cpuMicrosPerOp(),
                        LatencyStats.percentiles(grid.latency().snapshot())));
        Histogram floorLatency = floor.latency().snapshot();
        List<Plots.Plot> plots = new ArrayList<>(Plots.ramp(ramp, P99_LIMIT_MS,
                List.of(Map.entry("CQL insert floor", floor.perSecond()),
                        Map.entry("gRPC relay floor", relay.perSecond()))));
        plots.add(half == null
                ? Plots.percentiles("Latency distribution", List.of(Map.entry("raw CQL insert (floor)", floorLatency)))
                : Plots.percentiles("Latency distribution at half the max rate", half.run(),
                        List.of(Map.entry("raw CQL insert (floor)", floorLatency))));
        plots.addAll(overTime);
        plots.add(Plots.bars("Max sustainable rate beside its floors", "per second",
                List.of(Map.entry("Courier msg/s", (double) ramp.maxRate()),
                        Map.entry("raw CQL inserts/s", floor.perSecond()),
                        Map.entry("gRPC relay frames/s", relay.perSecond()),
                        Map.entry("grid entry operations/s", grid.perSecond()))));
        publish("max-rate", report.toString(), String.format(Locale.ROOT,
                "max_rate=%d floor=%.0f ratio=%.4f p99_half_ms=%s relay_floor=%.0f relay_ratio=%.4f "
                        + "cql_writes_per_msg=%s cql_rows_per_msg=%s cql_reads_per_msg=%s node_cpu_us_per_msg=%s"
                        + " grid_ops_per_msg=%s grid_floor=%.0f grid_cpu_us_per_op=%.1f members=%d hold_ms=%d"
                        + " cql_writes_per_msg_sparse=%s",
                ramp.maxRate(), floor.perSecond(), ramp.maxRate() / floor.perSecond(),
                orNone(half, "%.1f", h -> h.run().p99DeliverMillis()), relay.perSecond(),
                ramp.maxRate() / relay.perSecond(), orNone(half, "%.2f", Measured::cqlWrites),
                orNone(half, "%.2f", Measured::cqlRows),
                orNone(half, "%.2f", Measured::cqlReads), orNone(half, "%.1f", Measured::cpuMicros),
                orNone(half, "%.1f", Measured::gridOps),
                grid.perSecond(), grid.cpuMicrosPerOp(), members,
                messaging.hold().toMillis(), orNone(sparse, "%.2f", Measured::cqlWrites)), plots);
    }

    /** This node's statements per delivered message, by kind and table. */
    private static String byTable(Measured measured) {
        return measured.nodeStatementsByTable().entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** A value of a measured run for the RESULT line, or "none" if it did not run. */
    private static String orNone(Measured half, String format, ToDoubleFunction<Measured> value) {
        return half == null ? "none" : String.format(Locale.ROOT, format, value.applyAsDouble(half));
    }

    /**
     * Runs {@code rate} for {@code duration} and counts what the node spent per delivered message: CPU from
     * {@link #SETTLE} before the run to {@link #SETTLE} after it; CQL statements from the run's start to one tick
     * flush time after its end (what held bookkeeping writes later belongs to the run's messages), after waiting
     * as long before it (so the ramp's own flushes have landed).
     */
    private Measured measured(LoadGenerator load, MemberProcess second, int rate, Duration duration, int payload,
            String profile) throws InterruptedException {
        Duration flushes = messaging.tickFlush().plus(messaging.spillInterval()).plus(SETTLE);
        Thread.sleep(Math.max(SETTLE.toMillis(), flushes.toMillis()));
        // What the idle cluster runs (sweeps, rescans, anti-entropy) goes on through the run and its flushes; taken
        // out of the count, so per-message operations don't grow as the rate falls.
        long idleFrom = System.nanoTime();
        double idleOps = gridOperations(second);
        Thread.sleep(IDLE.toMillis());
        double idleOpsPerNano = (gridOperations(second) - idleOps) / (System.nanoTime() - idleFrom);
        MemberProcess.CqlCounts before = counts(second);
        double writes = cqlStatements("write") + before.writes();
        double rows = cqlRowsWritten() + before.rows();
        double reads = cqlStatements("read") + before.reads();
        Map<String, Double> byTable = statementsByTable();
        long gridFrom = System.nanoTime();
        double gridOps = gridOperations(second);
        long generatorLoop = Thread.currentThread().getId(); // this thread runs the generator's send loop
        ThreadCpu cpu = ThreadCpu.start(thread -> thread.getThreadId() != generatorLoop
                && !thread.getThreadName().startsWith(BenchChannel.THREAD_PREFIX));
        LoadGenerator.Result run;
        try (JfrWindow ignored = JfrWindow.of(profile)) {
            run = load.run(rate, duration, payload, Duration.ofSeconds(10));
        }
        Thread.sleep(SETTLE.toMillis());
        double cpuMicros = cpu.elapsedNanos() / 1e3;
        Thread.sleep(flushes.toMillis());
        double delivered = run.delivered();
        MemberProcess.CqlCounts after = counts(second);
        Map<String, Double> perMessage = new TreeMap<>();
        statementsByTable().forEach((key, count) -> {
            double spent = (count - byTable.getOrDefault(key, 0.0)) / delivered;
            if (spent >= 0.001) {
                perMessage.put(key, spent);
            }
        });
        return new Measured(run, (cqlStatements("write") + after.writes() - writes) / delivered,
                (cqlRowsWritten() + after.rows() - rows) / delivered,
                (cqlStatements("read") + after.reads() - reads) / delivered, cpuMicros / delivered,
                (gridOperations(second) - gridOps - idleOpsPerNano * (System.nanoTime() - gridFrom)) / delivered,
                perMessage);
    }

    /** This node's CQL statements so far, by "kind table". */
    private Map<String, Double> statementsByTable() {
        Map<String, Double> counts = new TreeMap<>();
        meters.find("courier.cql.statements").counters().forEach(counter -> counts.merge(
                counter.getId().getTag("kind") + " " + counter.getId().getTag("table"), counter.count(), Double::sum));
        return counts;
    }

    /** Grid operations both members ran so far: primaries, backups and housekeeping. */
    private double gridOperations(MemberProcess second) {
        return MemberProcess.gridOperations(hazelcast) + counts(second).gridOps();
    }

    private static MemberProcess.CqlCounts counts(MemberProcess second) {
        return second == null ? MemberProcess.CqlCounts.NONE : second.cqlCounts();
    }

    private double cqlRowsWritten() {
        return meters.get("courier.cql.rows.written").counter().count();
    }

    private double cqlStatements(String kind) {
        return cqlStatements(meters, kind);
    }

    /** Beyond 80 % of the per-device send limit × senders the node would rightly refuse sends. */
    private static int capRate(int pairs) {
        Duration refill = nodeSetting("courier.messaging.send-refill", Duration.class, Duration.ofMillis(20));
        return (int) (0.8 * pairs * 1000.0 / Math.max(1, refill.toMillis()));
    }
}
