package io.courier.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.support.LogCapture;
import io.courier.support.RegisteredDevice;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Authenticated devices write garbage on their streams (random bytes, bit-flipped and truncated frames) and reopen
 * every stream the node closes, while device pairs exchange messages at a moderate open-loop rate; the same pairs
 * alone come first. Reports the bystanders' p99 beside the garbage, the node's log growth and live heap.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=fuzz}; knobs -Dbench.fuzzers (4), -Dbench.pairs (50),
 * -Dbench.rate (100), -Dbench.seconds (180).
 */
@QuarkusTest
@TestProfile(FuzzProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "fuzz")
class FuzzBenchmark extends BenchSupport {
    private static final Duration GRACE = Duration.ofSeconds(10);

    @Inject
    MeterRegistry meters;

    @Test
    void run() throws Exception {
        int fuzzers = property("bench.fuzzers", 4);
        int pairs = property("bench.pairs", 50);
        int rate = property("bench.rate", 100);
        Duration duration = Duration.ofSeconds(property("bench.seconds", 180));
        int payload = property("bench.payload", 256);

        List<RegisteredDevice> garbageWriters = registerMany(fuzzers);
        ManagedChannel fuzzChannel = newChannel();
        LoadGenerator.Result baseline;
        LoadGenerator.Result fuzzed;
        Fuzzer.Result fuzz;
        long heapBefore;
        long heapMax;
        long logLines;
        long logBytes;
        long stackTraces;
        double framesReadBefore;
        double framesRead;
        try (LoadGenerator load = LoadGenerator.connect(channel, pairs(pairs), Duration.ofSeconds(60))) {
            load.run(rate, Duration.ofSeconds(5), payload, GRACE); // warm-up
            baseline = load.run(rate, Duration.ofSeconds(30), payload, GRACE);
            heapBefore = HeapGauge.usedAfterFullGc();
            framesReadBefore = framesRead();
            try (HeapGauge heap = new HeapGauge(); LogCapture log = LogCapture.start()) {
                Fuzzer fuzzer = new Fuzzer(fuzzChannel,
                        garbageWriters.stream().map(RegisteredDevice::authToken).toList(),
                        garbageWriters.get(0).accountId());
                fuzzed = load.run(rate, duration, payload, GRACE);
                fuzz = fuzzer.stop(Duration.ofSeconds(10));
                framesRead = framesRead() - framesReadBefore;
                heapMax = heap.maxAfterGcBytes();
                logLines = log.lines();
                logBytes = log.bytes();
                stackTraces = log.stackTraces();
            }
        } finally {
            shutdown(List.of(fuzzChannel));
        }

        String report = """
                ## Garbage frames (fuzz)
                %d devices write garbage on their streams for %d s (mostly real frames with 1–3 flipped bits, one in \
                twenty each random bytes or a truncated frame) and reopen every stream the node closes; the per-device \
                limits that would cut them off are lifted (FuzzProfile). Beside them, %d device pairs at %d msg/s \
                (open loop); the same pairs alone for 30 s first.

                %s%s%s
                | garbage writers | value |
                |---|---|
                | frames written (most wait in buffers of streams the node has closed) | %,d |
                | frames the node read (all streams, bystanders' included) | %,.0f |
                | streams opened | %,d |
                | how the node ended them | %s |
                | node log while fuzzing: lines / bytes / stack traces | %d / %d / %d |
                | node heap: live before / max live during (after GC) | %.0f MB / %.0f MB |
                """.formatted(fuzzers, duration.toSeconds(), pairs, rate, RUN_HEADER,
                row(baseline).replaceFirst("\\| ", "| alone: "), row(fuzzed).replaceFirst("\\| ", "| beside garbage: "),
                fuzz.framesWritten(), framesRead, fuzz.streamsOpened(), fuzz.statuses(), logLines, logBytes, stackTraces,
                heapBefore / 1e6, heapMax / 1e6);
        publish("fuzz", report, String.format(Locale.ROOT,
                "frames_written=%d frames_read=%.0f streams=%d bystander_p99_ms=%.1f baseline_p99_ms=%.1f log_bytes=%d stack_traces=%d "
                        + "heap_before_mb=%.0f heap_max_mb=%.0f",
                fuzz.framesWritten(), framesRead, fuzz.streamsOpened(), fuzzed.p99DeliverMillis(), baseline.p99DeliverMillis(),
                logBytes, stackTraces, heapBefore / 1e6, heapMax / 1e6), List.of(Plots.againstBaseline(
                        "Bystanders' latency distribution", "fuzzed", baseline, fuzzed)));
    }

    /** Up-frames the node has read, of every type (undecodable ones count as "invalid"). */
    private double framesRead() {
        return Search.in(meters).name("courier.frames.received").counters().stream().mapToDouble(Counter::count).sum();
    }
}
