package io.courier.bench;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Production values for what the test profile shrinks, so the benchmark measures the real configuration; the
 * delivery hold comes from {@code -Dbench.hold} (default 5s).
 */
public class BenchProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("courier.edge.window", "256", "courier.keys.bundle-fetch-refill", "1s",
                "courier.edge.rescan-interval", "15s", "courier.edge.ping-burst", "20",
                "courier.messaging.group-deliveries-refill", "0.0005s",
                // The group scenario creates groups until one's partition is the node's: up to 21 per sender.
                "courier.groups.creation-burst", "32",
                // The suite lifts the node's share of reopens; benchmarks meet the production default.
                "courier.edge.node-reopen-burst", "100", "courier.presence.node-lookups-burst", "1024",
                // -Dbench.hold=0: write-through everywhere
                "courier.messaging.hold", System.getProperty("bench.hold", "5s"));
    }
}
