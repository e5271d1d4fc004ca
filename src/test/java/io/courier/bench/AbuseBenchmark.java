package io.courier.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.support.RegisteredDevice;
import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * One authenticated device floods every up-frame kind as fast as its connection takes them and never reads, while
 * device pairs exchange messages at a moderate open-loop rate. A baseline run of the same load without the abuser
 * comes first. Reports the pairs' p99 send→deliver under abuse, the largest live heap (after any GC) during the
 * abused run, and how the abuser's stream ended. If the live heap passes -Dbench.abuse.heap-stop-mb the abuser stops
 * early, so the node survives to report.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=abuse}; knobs -Dbench.pairs (50), -Dbench.rate (100),
 * -Dbench.seconds (20), -Dbench.abuse.ids (ids per Ack/Read, 5000), -Dbench.abuse.heap-stop-mb (1500).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "abuse")
class AbuseBenchmark extends BenchSupport {
    private static final Duration GRACE = Duration.ofSeconds(10);

    @Test
    void run() throws Exception {
        int pairs = property("bench.pairs", 50);
        int rate = property("bench.rate", 100);
        Duration duration = Duration.ofSeconds(property("bench.seconds", 20));
        int payload = property("bench.payload", 256);
        int ids = property("bench.abuse.ids", 5000);
        long heapStop = property("bench.abuse.heap-stop-mb", 1500) * 1_000_000L;
        int maxEnvelope = nodeSetting("courier.messaging.max-envelope-bytes", Integer.class, 98_304);

        RegisteredDevice abuserDevice = registerUnique();
        LoadGenerator.Result baseline;
        LoadGenerator.Result abused;
        Abuser.Result abuse;
        long heapBefore;
        long heapMax;
        long heapPeak;
        boolean halted;
        ManagedChannel abuserChannel = newChannel();
        try (LoadGenerator load = LoadGenerator.connect(channel, pairs(pairs), Duration.ofSeconds(60))) {
            load.run(rate, Duration.ofSeconds(5), payload, GRACE); // warm-up
            baseline = load.run(rate, duration, payload, GRACE);
            heapBefore = HeapGauge.usedAfterFullGc();
            try (HeapGauge heap = new HeapGauge()) {
                Abuser abuser = new Abuser(abuserChannel, abuserDevice.authToken(), ids, maxEnvelope);
                AtomicBoolean stopped = new AtomicBoolean();
                heap.onLiveHeapAbove(heapStop, () -> {
                    stopped.set(true);
                    abuser.halt();
                });
                abused = load.run(rate, duration, payload, GRACE);
                abuse = abuser.stop(Duration.ofSeconds(5));
                heapMax = heap.maxAfterGcBytes();
                heapPeak = heap.maxBeforeGcBytes();
                halted = stopped.get();
            }
        } finally {
            shutdown(List.of(abuserChannel));
        }

        String report = """
                ## Abuse
                %d device pairs at %d msg/s for %d s (open loop), first alone, then beside one device that floods \
                Acks and Reads of %d ids, Pings, Sends to nobody, oversized Sends and empty frames, and never reads.

                %s%s%s
                | abuser | value |
                |---|---|
                | frames written | %s |
                | frames read after it stopped | %s |
                | how its stream ended | %s |
                | halted early at the heap limit (%d MB) | %s |
                | node heap: live before abuse / max live during it (after GC) / max in use (before GC) | \
                %.0f MB / %.0f MB / %.0f MB |
                """.formatted(pairs, rate, duration.toSeconds(), ids, RUN_HEADER, row(baseline).replaceFirst("\\| ",
                "| baseline: "), row(abused).replaceFirst("\\| ", "| abused: "), abuse.sent(), abuse.received(),
                abuse.status() == null ? "still open when the benchmark ended" : abuse.status(),
                heapStop / 1_000_000, halted, heapBefore / 1e6, heapMax / 1e6, heapPeak / 1e6);
        // The same pairs alone in the same run are the floor the abused p99 is read against.
        publish("abuse", report, String.format(Locale.ROOT,
                "pairs_p99_ms=%.1f baseline_p99_ms=%.1f heap_before_mb=%.0f heap_max_mb=%.0f abuser_status=%s",
                abused.p99DeliverMillis(), baseline.p99DeliverMillis(), heapBefore / 1e6, heapMax / 1e6,
                abuse.statusName()), List.of(Plots.againstBaseline("Bystanders' latency distribution", "abused",
                        baseline, abused)));
    }
}
