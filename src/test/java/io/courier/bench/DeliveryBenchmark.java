package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.datastax.oss.driver.api.core.CqlSession;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * 1:1 delivery at one fixed rate (not a test: it asserts nothing about speed). Boots a node on the local Cassandra
 * and S3Proxy like the suite does, registers device pairs, runs the open-loop load, then the raw CQL insert floor on
 * the same database. Run with {@code mvn -B verify -Pbench -Dbench.scenario=delivery}; tune with -Dbench.pairs,
 * -Dbench.rate, -Dbench.seconds, -Dbench.payload.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "delivery")
class DeliveryBenchmark extends BenchSupport {
    @Inject
    CqlSession session;

    @Test
    void run() throws Exception {
        int pairs = property("bench.pairs", 50);
        int rate = property("bench.rate", 500);
        int seconds = property("bench.seconds", 30);
        int payload = property("bench.payload", 256);

        LoadGenerator.Result load;
        List<Plots.Plot> overTime;
        try (LoadGenerator generator = LoadGenerator.connect(channel, pairs(pairs), Duration.ofSeconds(60))) {
            // Warm-up: JIT, connection pools, prepared statements.
            generator.run(Math.max(1, rate / 5), Duration.ofSeconds(5), payload, Duration.ofSeconds(30));
            try (Timeline timeline = generator.timeline(Duration.ofSeconds(1))) {
                load = generator.run(rate, Duration.ofSeconds(seconds), payload, Duration.ofSeconds(30));
                overTime = Plots.overTime(rate + " msg/s", timeline);
            }
        }
        CqlFloor.Result floor = new CqlFloor(session).run(Duration.ofSeconds(Math.min(seconds, 15)), payload, 256);

        String report = """
                ## 1:1 delivery at a fixed rate
                %d device pairs, %d msg/s scheduled (open loop) for %d s, %d-byte envelopes; %d SendAcks; \
                delivered throughput %.0f msg/s.

                %s%s
                Floor: %.0f raw CQL inserts/s (256 in flight, same DB, same consistency), latency %s
                """.formatted(pairs, rate, seconds, payload, load.acked(), load.delivered() / load.seconds(),
                RUN_HEADER, row(load), floor.perSecond(), LatencyStats.percentiles(floor.latency().snapshot()));
        List<Plots.Plot> plots = new ArrayList<>();
        plots.add(Plots.percentiles("Latency distribution at " + rate + " msg/s", load,
                List.of(Map.entry("raw CQL insert (floor)", floor.latency().snapshot()))));
        plots.addAll(overTime);
        plots.add(Plots.bars("Delivered throughput beside its floor", "per second",
                List.of(Map.entry("Courier deliveries/s", load.delivered() / load.seconds()),
                        Map.entry("raw CQL inserts/s", floor.perSecond()))));
        publish("delivery", report, String.format(Locale.ROOT, "rate=%d delivered=%d p99_ms=%.1f floor=%.0f", rate,
                load.delivered(), load.p99DeliverMillis(), floor.perSecond()), plots);
    }
}
