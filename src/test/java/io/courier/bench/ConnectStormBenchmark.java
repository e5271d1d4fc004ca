package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.support.RegisteredDevice;
import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A node restart as the node that takes the load sees it: N registered devices open their Connect streams at once.
 * Reports the time to the last QueueEmpty, the refused streams by status, and the heap per idle stream (heap after
 * a full GC with the streams open minus before, over the open streams). The node runs in this JVM, so that figure
 * also holds the load generator's side of each stream: an upper bound for the node's own.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=storm}; knobs -Dbench.storm.devices (10000),
 * -Dbench.storm.channels (16), -Dbench.storm.timeout.seconds (120).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "storm")
class ConnectStormBenchmark extends BenchSupport {
    @Test
    void run() throws Exception {
        int devices = property("bench.storm.devices", 10_000);
        int channelCount = property("bench.storm.channels", 16);
        Duration timeout = Duration.ofSeconds(property("bench.storm.timeout.seconds", 120));

        long registrationStart = System.nanoTime();
        List<String> tokens = registerMany(devices).stream().map(RegisteredDevice::authToken).toList();
        double registrationSeconds = (System.nanoTime() - registrationStart) / 1e9;

        List<ManagedChannel> channels = IntStream.range(0, channelCount).mapToObj(i -> newChannel()).toList();
        long heapBefore = HeapGauge.usedAfterFullGc();
        ConnectStorm.Result storm;
        long heapAfter;
        long open;
        List<Plots.Plot> overTime;
        try (ConnectStorm connections = new ConnectStorm(channels)) {
            try (Timeline timeline = connections.timeline(Duration.ofMillis(500))) {
                storm = connections.open(tokens, timeout);
                overTime = Plots.overTime("The storm", timeline);
            }
            heapAfter = HeapGauge.usedAfterFullGc();
            open = devices - connections.closedCount();
        } finally {
            shutdown(channels);
        }
        long perStream = open == 0 ? 0 : (heapAfter - heapBefore) / open;
        boolean allReady = storm.ready() == devices;

        StringBuilder report = new StringBuilder("""
                ## Connect storm
                %d registered devices (registered in %.1f s) open their streams at once over %d channels.

                | what | value |
                |---|---|
                | reached QueueEmpty | %d of %d |
                | first open → last QueueEmpty | %d ms%s |
                | open → QueueEmpty per stream p50 / p99 / p99.9 / max | %s |
                | refused (ended before QueueEmpty) | %d |
                | neither ready nor refused after %d s | %d |
                | streams still open at the heap measurement | %d |
                | heap after full GC before / with the streams open | %.1f MB / %.1f MB |
                | heap per open stream (node + client side) | %d bytes |
                """.formatted(devices, registrationSeconds, channelCount, storm.ready(), devices,
                storm.lastReadyMillis(), allReady ? "" : " (not all ready)",
                LatencyStats.percentiles(storm.toReady()), storm.refusedCount(), timeout.toSeconds(),
                storm.pending(), open, heapBefore / 1e6, heapAfter / 1e6, perStream));
        storm.refused().forEach((status, count) -> report.append("| refused: ").append(status.replace('|', '/'))
                .append(" | ").append(count).append(" |\n"));
        List<Plots.Plot> plots = new ArrayList<>();
        plots.add(Plots.percentiles("Open → QueueEmpty per stream, " + devices + " streams at once",
                List.of(Map.entry("open → QueueEmpty", storm.toReady()))));
        plots.addAll(overTime);
        publish("connect-storm", report.toString(), "devices=%d all_ready_ms=%s refused=%d heap_per_stream_bytes=%d"
                .formatted(devices, allReady ? Long.toString(storm.lastReadyMillis()) : "never", storm.refusedCount(),
                        perStream), plots);
    }
}
