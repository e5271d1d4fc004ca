package io.courier.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

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

/**
 * Wake-ups per second of one node to the local APNs server, with coalescing, and the time from a store to the
 * wake-up request arriving there (not a test: it asserts nothing about speed). Devices with APNs tokens and no
 * stream each get {@code bench.wakeup.stores} stores reported (as the delivery router does right after the inbox
 * write), interleaved across devices; each must produce exactly one wake-up. The floor is the same APNs client
 * library (Pushy) sending as many notifications straight to the same server, all in flight, in the same run. Run
 * with {@code mvn -B verify -Pbench -Dbench.scenario=wakeup}; tune with -Dbench.wakeup.devices,
 * -Dbench.wakeup.stores.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "wakeup")
class WakeUpBenchmark extends BenchSupport {
    private static final Duration PATIENCE = Duration.ofSeconds(180);

    PushServers push;

    @Inject
    WakeUps wakeUps;

    @Test
    void run() throws Exception {
        int devices = property("bench.wakeup.devices", 1000);
        int stores = property("bench.wakeup.stores", 5);
        Map<String, DeviceAddress> byToken = new HashMap<>();
        for (RegisteredDevice device : registerMany(devices)) {
            String token = MockApns.randomToken();
            withToken(PushServiceGrpc.newBlockingStub(channel), device.authToken()).setPushToken(SetPushTokenRequest
                    .newBuilder().setPlatform(PushPlatform.PUSH_PLATFORM_APNS).setToken(token).build());
            byToken.put(token, new DeviceAddress(Ids.uuid(device.accountId(), "account"), device.deviceId()));
        }
        Floor floor = floor(devices);

        List<DeviceAddress> targets = new ArrayList<>(byToken.values());
        Map<DeviceAddress, Long> firstStore = new HashMap<>();
        long started = System.nanoTime();
        for (int round = 0; round < stores; round++) {
            for (DeviceAddress device : targets) {
                firstStore.putIfAbsent(device, System.nanoTime());
                wakeUps.stored(device);
            }
        }
        // Latencies come from the server's arrival timestamps, not from this poll.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> woken(byToken).size() == devices);
        Map<String, MockApns.Notification> woken = woken(byToken);
        LatencyStats latency = new LatencyStats();
        long last = started;
        for (MockApns.Notification n : woken.values()) {
            latency.recordNanos(n.receivedNanos() - firstStore.get(byToken.get(n.token())));
            last = Math.max(last, n.receivedNanos());
        }
        long duplicates = push.apns().accepted().stream().filter(n -> byToken.containsKey(n.token())).count()
                - woken.size();
        double perSecond = woken.size() / ((last - started) / 1e9);
        double p99 = LatencyStats.millis(latency.snapshot(), 99);

        String report = """
                ## Wake-ups to the local APNs server
                %d offline devices with APNs tokens, %d stores each (interleaved): %d stores reported, %d wake-ups \
                arrived (%d duplicates), %.0f wake-ups/s from the first store to the last arrival.

                Store → wake-up request at APNs: %s (includes courier.push.wake-delay, %s)

                Floor: Pushy straight to the same server, %d notifications all in flight: %.0f/s.
                """.formatted(devices, stores, (long) devices * stores, woken.size(), duplicates, perSecond,
                LatencyStats.percentiles(latency.snapshot()), nodeSetting("courier.push.wake-delay", String.class,
                        "250ms"), devices, floor.perSecond());
        publish("wakeup", report, String.format(Locale.ROOT,
                "devices=%d stores=%d woken=%d duplicates=%d wakeups_per_s=%.0f store_to_request_p99_ms=%.1f"
                        + " floor_per_s=%.0f", devices, (long) devices * stores, woken.size(), duplicates, perSecond,
                p99, floor.perSecond()));
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

    private record Floor(double perSecond) {
    }

    /** The same library and server without Courier in between: every notification in flight at once. */
    private Floor floor(int count) throws Exception {
        MockApns apns = push.apns();
        ApnsClient client = new ApnsClientBuilder().setApnsServer("127.0.0.1", apns.port())
                .setSigningKey(ApnsSigningKey.loadFromPkcs8File(apns.signingKeyFile().toFile(), MockApns.TEAM_ID,
                        MockApns.KEY_ID))
                .setTrustedServerCertificateChain(apns.certificate().toFile()).setUseAlpn(true).build();
        try {
            // Warm-up: connection, TLS, JIT.
            sendAll(client, 100);
            long start = System.nanoTime();
            sendAll(client, count);
            return new Floor(count / ((System.nanoTime() - start) / 1e9));
        } finally {
            client.close().get(10, TimeUnit.SECONDS);
        }
    }

    private static void sendAll(ApnsClient client, int count) throws Exception {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(client.sendNotification(new SimpleApnsPushNotification(MockApns.randomToken(), MockApns.TOPIC,
                    "{}", Instant.now().plusSeconds(60))));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }
}
