package io.courier.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jakarta.inject.Inject;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;

import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.PushServiceGrpc;
import io.courier.api.v1.SetPushTokenRequest;
import io.courier.cluster.DeviceAddress;
import io.courier.common.Ids;
import io.courier.push.WakeUps;
import io.courier.support.MockApns;
import io.courier.support.PushServers;
import io.courier.support.RegisteredDevice;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Wake-ups per second of one node to the local APNs server, with coalescing, and the time from a store to the
 * wake-up request arriving there (not a test: it asserts nothing about speed). Devices with APNs tokens and no
 * stream each get {@code bench.wakeup.stores} stores reported (as the delivery router does right after the inbox
 * write); each must produce exactly one wake-up. First a burst (every device at once: throughput), then devices
 * paced at {@code bench.wakeup.rate} per second (latency below saturation, from the scheduled time). The floor is
 * the same APNs client library (Pushy) sending straight to the same server in the same run. Run with
 * {@code mvn -B verify -Pbench -Dbench.scenario=wakeup}; tune with -Dbench.wakeup.devices, -Dbench.wakeup.paced,
 * -Dbench.wakeup.rate, -Dbench.wakeup.stores.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "wakeup")
class WakeUpBenchmark extends BenchSupport {
    /** Every store is a stranger's message: the sender's budget per woken account is charged too. */
    private static final Optional<UUID> STRANGER = Optional.of(UUID.randomUUID());

    private static final Duration PATIENCE = Duration.ofSeconds(180);

    PushServers push;

    @Inject
    WakeUps wakeUps;

    @Test
    void run() throws Exception {
        int devices = property("bench.wakeup.devices", 500);
        int paced = property("bench.wakeup.paced", 200);
        int rate = property("bench.wakeup.rate", 50);
        int stores = property("bench.wakeup.stores", 5);
        Map<String, DeviceAddress> burst = withTokens(devices);
        Map<String, DeviceAddress> steady = withTokens(paced);
        double floor = floor(devices);

        // A burst: every device's stores at once, interleaved. Throughput is what the node sustains.
        Map<DeviceAddress, Long> firstStore = new HashMap<>();
        long started = System.nanoTime();
        for (int round = 0; round < stores; round++) {
            for (DeviceAddress device : burst.values()) {
                firstStore.putIfAbsent(device, System.nanoTime());
                wakeUps.stored(device, STRANGER);
            }
        }
        Run burstRun = measure(burst, firstStore, started);

        // Paced below that: one device's stores every 1/rate s, latency from its scheduled time (open loop).
        Map<DeviceAddress, Long> scheduled = new HashMap<>();
        long pacedStart = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        int i = 0;
        for (DeviceAddress device : steady.values()) {
            long due = pacedStart + i++ * interval;
            LockSupport.parkNanos(due - System.nanoTime()); // pacing the load, not waiting for a result
            scheduled.put(device, due);
            for (int round = 0; round < stores; round++) {
                wakeUps.stored(device, STRANGER);
            }
        }
        Run pacedRun = measure(steady, scheduled, pacedStart);

        String report = """
                ## Wake-ups to the local APNs server
                Devices with APNs tokens and no stream, %d stores reported for each (the delivery router's call after \
                an inbox write); every device must get exactly one wake-up.

                | load | devices | wake-ups | duplicates | wake-ups/s | store → request at APNs p50 / p99 / p99.9 / max |
                |---|---|---|---|---|---|
                | burst (all at once) | %d | %d | %d | %.0f | %s |
                | paced, %d devices/s | %d | %d | %d | %.0f | %s |

                Latency includes courier.push.wake-delay (%s). Floor: Pushy straight to the same server, %d \
                notifications, 64 in flight: %.0f/s.
                """.formatted(stores, devices, burstRun.woken(), burstRun.duplicates(), burstRun.perSecond(),
                LatencyStats.percentiles(burstRun.latency()), rate, paced, pacedRun.woken(), pacedRun.duplicates(),
                pacedRun.perSecond(), LatencyStats.percentiles(pacedRun.latency()),
                nodeSetting("courier.push.wake-delay", String.class, "250ms"), devices, floor);
        publish("wakeup", report, String.format(Locale.ROOT, "devices=%d woken=%d duplicates=%d wakeups_per_s=%.0f"
                + " burst_p99_ms=%.1f paced_rate=%d paced_p99_ms=%.1f floor_per_s=%.0f", devices, burstRun.woken(),
                burstRun.duplicates() + pacedRun.duplicates(), burstRun.perSecond(),
                LatencyStats.millis(burstRun.latency(), 99), rate, LatencyStats.millis(pacedRun.latency(), 99),
                floor), List.of(
                        Plots.percentiles("Store → request at APNs", List.of(Map.entry("burst", burstRun.latency()),
                                Map.entry("paced, " + rate + " devices/s", pacedRun.latency()))),
                        Plots.bars("Wake-ups beside their floor", "per second",
                                List.of(Map.entry("burst wake-ups/s", burstRun.perSecond()),
                                        Map.entry("Pushy straight to the server (floor)", floor)))));
    }

    /** Registered devices with an APNs token each, by token. */
    private Map<String, DeviceAddress> withTokens(int count) throws InterruptedException {
        Map<String, DeviceAddress> byToken = new HashMap<>();
        for (RegisteredDevice device : registerMany(count)) {
            String token = MockApns.randomToken();
            withToken(PushServiceGrpc.newBlockingStub(channel), device.authToken()).setPushToken(SetPushTokenRequest
                    .newBuilder().setPlatform(PushPlatform.PUSH_PLATFORM_APNS).setToken(token).build());
            byToken.put(token, new DeviceAddress(Ids.uuid(device.accountId(), "account"), device.deviceId()));
        }
        return byToken;
    }

    private record Run(int woken, long duplicates, double perSecond, Histogram latency) {
    }

    /** Waits until every device got its wake-up; latencies from the server's arrival timestamps. */
    private Run measure(Map<String, DeviceAddress> byToken, Map<DeviceAddress, Long> since, long started) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> woken(byToken).size() == byToken.size());
        Map<String, MockApns.Notification> woken = woken(byToken);
        LatencyStats latency = new LatencyStats();
        long last = started;
        for (MockApns.Notification n : woken.values()) {
            latency.recordNanos(n.receivedNanos() - since.get(byToken.get(n.token())));
            last = Math.max(last, n.receivedNanos());
        }
        long duplicates = push.apns().accepted().stream().filter(n -> byToken.containsKey(n.token())).count()
                - woken.size();
        return new Run(woken.size(), duplicates, woken.size() / ((last - started) / 1e9), latency.snapshot());
    }

    /** The first wake-up each of the devices got, by token. */
    private Map<String, MockApns.Notification> woken(Map<String, DeviceAddress> byToken) {
        Map<String, MockApns.Notification> first = new HashMap<>();
        for (MockApns.Notification n : push.apns().accepted()) {
            if (byToken.containsKey(n.token())) {
                first.putIfAbsent(n.token(), n);
            }
        }
        return first;
    }

    /** The same library and server without Courier in between, 64 notifications in flight. */
    private double floor(int count) throws Exception {
        MockApns apns = push.apns();
        ApnsClient client = new ApnsClientBuilder().setApnsServer("127.0.0.1", apns.port())
                .setSigningKey(ApnsSigningKey.loadFromPkcs8File(apns.signingKeyFile().toFile(), MockApns.TEAM_ID,
                        MockApns.KEY_ID))
                .setTrustedServerCertificateChain(apns.certificate().toFile()).setUseAlpn(true).build();
        try {
            sendAll(client, 100); // warm-up: connection, TLS, JIT
            long start = System.nanoTime();
            sendAll(client, count);
            return count / ((System.nanoTime() - start) / 1e9);
        } finally {
            client.close().get(10, TimeUnit.SECONDS);
        }
    }

    private static void sendAll(ApnsClient client, int count) {
        Flux.range(0, count).flatMap(i -> Mono.fromCompletionStage(() -> client.sendNotification(
                new SimpleApnsPushNotification(MockApns.randomToken(), MockApns.TOPIC, "{}",
                        Instant.now().plusSeconds(60)))), 64).blockLast(PATIENCE);
    }
}
