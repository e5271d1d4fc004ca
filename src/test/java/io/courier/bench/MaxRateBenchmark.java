package io.courier.bench;

import java.time.Duration;
import java.util.Locale;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.datastax.oss.driver.api.core.CqlSession;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The max sustainable 1:1 rate (the default of {@code mvn -B verify -Pbench}): a ramp of open-loop steps over the
 * same device pairs until a step's p99 send→deliver reaches 200 ms or a message is not delivered by the end of the
 * step; then the p99 at half that rate, then the raw CQL insert floor of the same database in the same run.
 * Knobs: -Dbench.pairs (200), -Dbench.payload (256), -Dbench.ramp.start (50), -Dbench.ramp.factor (2),
 * -Dbench.ramp.refine (3), -Dbench.step.seconds (5), -Dbench.floor.seconds (10).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "ramp")
class MaxRateBenchmark extends BenchSupport {
    private static final double P99_LIMIT_MS = 200;
    /** Time after a step's last send for its last deliveries: "everything delivered by the end of the step". */
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final Duration QUIET = Duration.ofSeconds(60);

    @Inject
    CqlSession session;

    @Test
    void run() throws Exception {
        int pairs = property("bench.pairs", 200);
        int payload = property("bench.payload", 256);
        Duration step = Duration.ofSeconds(property("bench.step.seconds", 5));
        RateRamp.Settings settings = new RateRamp.Settings(property("bench.ramp.start", 50),
                property("bench.ramp.factor", 2.0), property("bench.ramp.refine", 3), capRate(pairs), step, GRACE,
                QUIET, P99_LIMIT_MS, payload);

        RateRamp.Outcome ramp;
        LoadGenerator.Result half = null;
        try (LoadGenerator load = LoadGenerator.connect(channel, pairs(pairs), Duration.ofSeconds(60))) {
            load.run(settings.startRate(), Duration.ofSeconds(5), payload, QUIET); // warm-up: JIT, pools, statements
            ramp = new RateRamp(settings).run(load);
            if (ramp.maxRate() >= 2) {
                half = load.run(ramp.maxRate() / 2, step.multipliedBy(2), payload, Duration.ofSeconds(10));
            }
        }
        CqlFloor.Result floor = new CqlFloor(session).run(Duration.ofSeconds(property("bench.floor.seconds", 10)),
                payload, 256);

        StringBuilder report = new StringBuilder("""
                ## Max sustainable 1:1 rate
                %d device pairs, %d-byte envelopes, steps of %d s from %d msg/s ×%.2f then %d bisection steps \
                (cap %d msg/s); sustainable = p99 send→deliver < %.0f ms and all delivered within %d ms after the step.

                """.formatted(pairs, payload, step.toSeconds(), settings.startRate(), settings.factor(),
                settings.refine(), settings.capRate(), P99_LIMIT_MS, GRACE.toMillis()));
        report.append(RUN_HEADER);
        ramp.steps().forEach(run -> report.append(row(run)));
        report.append("\nStopped: ").append(ramp.stopReason()).append("\n\nMax sustainable: ")
                .append(ramp.maxRate()).append(" msg/s\n");
        if (half != null) {
            report.append("\nHalf that rate, ").append(step.multipliedBy(2).toSeconds()).append(" s:\n\n")
                    .append(RUN_HEADER).append(row(half));
        }
        report.append("\nFloor: %.0f raw CQL inserts/s (256 in flight, same DB, same consistency), latency %s\n"
                .formatted(floor.perSecond(), LatencyStats.percentiles(floor.latency().snapshot())));
        publish("max-rate", report.toString(), String.format(Locale.ROOT,
                "max_rate=%d floor=%.0f ratio=%.4f p99_half_ms=%s", ramp.maxRate(), floor.perSecond(),
                ramp.maxRate() / floor.perSecond(),
                half == null ? "none" : String.format(Locale.ROOT, "%.1f", half.p99DeliverMillis())));
    }

    /** Beyond 80 % of the per-device send limit × senders the node would rightly refuse sends. */
    private static int capRate(int pairs) {
        Duration refill = nodeSetting("courier.messaging.send-refill", Duration.class, Duration.ofMillis(20));
        return (int) (0.8 * pairs * 1000.0 / Math.max(1, refill.toMillis()));
    }
}
