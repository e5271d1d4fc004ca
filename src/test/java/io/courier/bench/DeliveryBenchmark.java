package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The 1:1 delivery benchmark (not a test: it asserts nothing about speed). Boots a node on the local Cassandra and
 * S3Proxy like the suite does, registers device pairs, runs the open-loop load, then the raw CQL insert floor on
 * the same database. Run with {@code mvn -B verify -Pbench}; tune with -Dbench.pairs, -Dbench.rate,
 * -Dbench.seconds, -Dbench.payload. The report goes to stdout and target/benchmarks/delivery.md.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
class DeliveryBenchmark extends ServerTest {
    @Inject
    CqlSession session;

    @Test
    void run() throws Exception {
        int pairs = Integer.getInteger("bench.pairs", 50);
        int rate = Integer.getInteger("bench.rate", 500);
        int seconds = Integer.getInteger("bench.seconds", 30);
        int payload = Integer.getInteger("bench.payload", 256);

        List<LoadGenerator.Pair> devicePairs = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            devicePairs.add(new LoadGenerator.Pair(device(participant()), device(participant())));
        }
        // Warm-up: JIT, connection pools, prepared statements.
        new LoadGenerator(channel).run(devicePairs, Math.max(1, rate / 5), Duration.ofSeconds(5), payload);
        LoadGenerator.Result load = new LoadGenerator(channel).run(devicePairs, rate, Duration.ofSeconds(seconds),
                payload);
        CqlFloor.Result floor = new CqlFloor(session).run(Duration.ofSeconds(Math.min(seconds, 15)), payload, 256);

        Histogram ack = load.sendAck().snapshot();
        Histogram delivery = load.delivery().snapshot();
        String report = """
                | what | value |
                |---|---|
                | load | %d device pairs, %d msg/s scheduled (open loop) for %d s, %d-byte envelopes |
                | messages | %d scheduled, %d SendAcks, %d delivered |
                | delivered throughput | %.0f msg/s |
                | send → SendAck p50 / p99 / p99.9 / max | %s |
                | send → deliver p50 / p99 / p99.9 / max | %s |
                | floor: raw CQL inserts (256 in flight, same DB, same consistency) | %.0f inserts/s, latency %s |
                """.formatted(pairs, rate, seconds, payload, load.scheduled(), load.acked(), load.delivered(),
                load.delivered() / load.seconds(), LatencyStats.percentiles(ack), LatencyStats.percentiles(delivery),
                floor.perSecond(), LatencyStats.percentiles(floor.latency().snapshot()));
        System.out.println(report);
        write(report);
    }

    private LoadGenerator.Device device(Participant p) {
        return new LoadGenerator.Device(p.device().authToken(), p.accountId(), p.signal().registrationId());
    }

    private static void write(String report) throws IOException {
        Path file = Path.of("target", "benchmarks", "delivery.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report);
    }
}
