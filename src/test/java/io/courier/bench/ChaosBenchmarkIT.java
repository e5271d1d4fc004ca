package io.courier.bench;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.client.ConnectionEvent;
import io.courier.client.CourierClient;
import io.courier.client.NodeChannels;
import io.courier.client.Tick;
import io.courier.support.LocalCluster;
import io.grpc.ManagedChannel;

/**
 * Kill -9 under load: three nodes of the built application (child JVMs on one local Cassandra + S3Proxy owned by
 * this JVM), SDK clients in pairs, each on its own round-robin channel over all nodes, sending 1:1 at a fixed total
 * rate. After a quiet baseline (the floor), one node is SIGKILLed every {@code bench.chaos.kill-every} seconds and
 * restarted, for {@code bench.chaos.seconds}; then a rolling restart (SIGTERM, restart, one node at a time). Then the
 * senders stop and every acknowledged message must arrive. Counts lost (acked, never shown to the recipient app),
 * duplicates shown to an app, missing DELIVERED ticks, and each client's time from a dropped stream to QueueEmpty
 * on its next one. Run with {@code mvn -B verify -Pbench -Dbench.scenario=chaos}; knobs -Dbench.chaos.pairs (10),
 * -Dbench.chaos.rate (20 msg/s in all), -Dbench.chaos.seconds (180), -Dbench.chaos.kill-every (15),
 * -Dbench.chaos.baseline-seconds (30).
 */
@EnabledIfSystemProperty(named = "bench.scenario", matches = "chaos")
class ChaosBenchmarkIT {
    private static final Duration SETTLE = Duration.ofMinutes(3);

    /** One SDK device and what its app saw. */
    private static final class App {
        final CourierClient client;
        final ManagedChannel channel;
        final Set<String> shown = ConcurrentHashMap.newKeySet();
        final Set<Long> deliveredTicks = ConcurrentHashMap.newKeySet();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicReference<Long> droppedAt = new AtomicReference<>();
        volatile boolean drained;

        App(LocalCluster cluster, ChaosLedger ledger) {
            channel = NodeChannels.forNodes(cluster.grpcAddresses()).usePlaintext().build();
            client = cluster.register(channel);
            client.incoming().subscribe(m -> {
                String text = text(m);
                if (shown.add(text)) {
                    ledger.shown(text);
                } else {
                    duplicates.incrementAndGet();
                }
            });
            client.ticks().filter(t -> t.state() == Tick.State.DELIVERED).subscribe(t -> deliveredTicks.add(t.serverId()));
            client.events().subscribe(event -> {
                if (event == ConnectionEvent.DISCONNECTED) {
                    droppedAt.compareAndSet(null, System.nanoTime());
                } else if (event == ConnectionEvent.DRAINED) {
                    drained = true;
                    Long dropped = droppedAt.getAndSet(null);
                    if (dropped != null) {
                        ledger.reconnects.recordNanos(System.nanoTime() - dropped);
                    }
                }
            });
        }

        void close() {
            client.close();
            channel.shutdownNow();
        }
    }

    /** Every message by its text: when it was sent, its server id once acked; latencies per phase. */
    private static final class ChaosLedger {
        final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final Set<String> shownOnce = ConcurrentHashMap.newKeySet();
        final AtomicLong refused = new AtomicLong();
        final LatencyStats reconnects = new LatencyStats();
        volatile LatencyStats deliveries = new LatencyStats();
        /** Every phase's deliveries, for the timeline. */
        final LatencyStats allDeliveries = new LatencyStats();

        void shown(String text) {
            shownOnce.add(text);
            Long sent = sentAt.get(text);
            if (sent != null) {
                long nanos = System.nanoTime() - sent;
                deliveries.recordNanos(nanos);
                allDeliveries.recordNanos(nanos);
            }
        }
    }

    @Test
    void run() throws Exception {
        int pairs = Integer.getInteger("bench.chaos.pairs", 10);
        double rate = BenchSupport.property("bench.chaos.rate", 20.0);
        int chaosSeconds = Integer.getInteger("bench.chaos.seconds", 180);
        int killEvery = Integer.getInteger("bench.chaos.kill-every", 15);
        int baselineSeconds = Integer.getInteger("bench.chaos.baseline-seconds", 30);

        ChaosLedger ledger = new ChaosLedger();
        List<App> apps = new ArrayList<>();
        ScheduledExecutorService senders = Executors.newSingleThreadScheduledExecutor();
        try (LocalCluster cluster = LocalCluster.start(Path.of("target", "bench-chaos"), 3, Map.of())) {
            for (int i = 0; i < pairs * 2; i++) {
                apps.add(new App(cluster, ledger));
            }
            apps.forEach(app -> app.client.connect());
            Awaitility.await().atMost(SETTLE).until(() -> apps.stream().allMatch(a -> a.drained));

            Timeline timeline = Timeline.start(Duration.ofSeconds(1),
                    new Timeline.Tracked("send → shown", ledger.allDeliveries),
                    new Timeline.Tracked("stream dropped → QueueEmpty", ledger.reconnects));
            AtomicLong sequence = new AtomicLong();
            long periodMicros = (long) (1_000_000 / rate);
            senders.scheduleAtFixedRate(() -> {
                long n = sequence.getAndIncrement();
                int pair = (int) (n % pairs);
                App from = apps.get(pair * 2 + (int) (n / pairs % 2));
                App to = apps.get(pair * 2 + 1 - (int) (n / pairs % 2));
                String text = "m" + n;
                ledger.sentAt.put(text, System.nanoTime());
                from.client.send(to.client.credentials().accountId(), text(text)).subscribe(
                        sent -> ledger.acked.put(text, sent.serverId()), error -> ledger.refused.incrementAndGet());
            }, 0, periodMicros, TimeUnit.MICROSECONDS);

            TimeUnit.SECONDS.sleep(baselineSeconds); // the load runs for this long: it is the measurement
            Histogram floor = ledger.deliveries.snapshot();
            ledger.deliveries = new LatencyStats();

            long chaosStart = System.nanoTime();
            List<Long> restartMillis = new ArrayList<>();
            int kills = 0;
            while (System.nanoTime() - chaosStart < TimeUnit.SECONDS.toNanos(chaosSeconds)) {
                long killAt = System.nanoTime();
                int victim = kills++ % cluster.size();
                cluster.node(victim).kill();
                cluster.restart(victim);
                restartMillis.add((System.nanoTime() - killAt) / 1_000_000);
                long next = killAt + TimeUnit.SECONDS.toNanos(killEvery) - System.nanoTime();
                if (next > 0) {
                    TimeUnit.NANOSECONDS.sleep(next); // the kill period is the scenario's clock
                }
            }
            Histogram chaos = ledger.deliveries.snapshot();
            ledger.deliveries = new LatencyStats();

            for (int i = 0; i < cluster.size(); i++) {
                cluster.node(i).stop();
                cluster.restart(i);
            }
            Histogram rolling = ledger.deliveries.snapshot();
            senders.shutdown();
            senders.awaitTermination(10, TimeUnit.SECONDS);
            timeline.close();

            // Everything acked arrives, and its DELIVERED tick with it (the senders' SDKs resend what was not acked).
            try {
                Awaitility.await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).until(() -> ledger.acked
                        .keySet().stream().allMatch(ledger.shownOnce::contains) && ticksMissing(apps, ledger) == 0);
            } catch (ConditionTimeoutException notAll) {
                // reported below, then the assertions fail
            }
            long lost = ledger.acked.keySet().stream().filter(t -> !ledger.shownOnce.contains(t)).count();
            long duplicates = apps.stream().mapToLong(a -> a.duplicates.get()).sum();
            long ticksMissing = ticksMissing(apps, ledger);
            Histogram reconnects = ledger.reconnects.snapshot();

            String report = """
                    ## Chaos (kill -9 every %d s, then a rolling restart)
                    3 nodes, %d SDK clients in %d pairs on round-robin channels over all nodes, %.0f msg/s 1:1 in all.
                    %d SIGKILLs in %d s (kill → node ready again: %s ms), then SIGTERM + restart of each node.

                    | what | value |
                    |---|---|
                    | sent / acked / refused | %d / %d / %d |
                    | acked but never shown (lost) | %d |
                    | shown twice to an app (duplicates) | %d |
                    | DELIVERED ticks missing | %d |
                    | stream dropped → QueueEmpty on the next, p50 / p99 / p99.9 / max | %s (%d reconnects) |
                    | send → shown, baseline (the floor) | %s |
                    | send → shown, during kills | %s |
                    | send → shown, during the rolling restart | %s |
                    """.formatted(killEvery, pairs * 2, pairs, rate, kills, chaosSeconds, restartMillis,
                    ledger.sentAt.size(), ledger.acked.size(), ledger.refused.get(), lost, duplicates, ticksMissing,
                    LatencyStats.percentiles(reconnects), reconnects.getTotalCount(), LatencyStats.percentiles(floor),
                    LatencyStats.percentiles(chaos), LatencyStats.percentiles(rolling));
            String result = ("scenario=chaos kills=%d rolling_restarts=3 sent=%d acked=%d lost=%d duplicates=%d"
                    + " ticks_missing=%d reconnect_drain_p99_ms=%.0f reconnect_drain_max_ms=%.0f"
                    + " deliver_p99_ms_floor=%.0f deliver_p99_ms_kills=%.0f deliver_p99_ms_rolling=%.0f").formatted(
                    kills, ledger.sentAt.size(), ledger.acked.size(), lost, duplicates, ticksMissing,
                    LatencyStats.millis(reconnects, 99), reconnects.getMaxValue() / 1000.0,
                    LatencyStats.millis(floor, 99), LatencyStats.millis(chaos, 99), LatencyStats.millis(rolling, 99));
            List<Plots.Plot> plots = new ArrayList<>();
            plots.add(Plots.percentiles("Latency distribution by phase", List.of(
                    Map.entry("send → shown, baseline (floor)", floor),
                    Map.entry("send → shown, during kills", chaos),
                    Map.entry("send → shown, rolling restart", rolling),
                    Map.entry("stream dropped → QueueEmpty", reconnects))));
            plots.addAll(Plots.overTime("Baseline " + baselineSeconds + " s, then a kill every " + killEvery
                    + " s, then the rolling restart", timeline));
            BenchSupport.publish("chaos", report, result, plots);
            assertThat(lost).as("acked messages lost").isZero();
            assertThat(duplicates).as("messages shown twice").isZero();
            assertThat(ticksMissing).as("DELIVERED ticks missing").isZero();
        } finally {
            senders.shutdownNow();
            apps.forEach(App::close);
        }
    }

    private static long ticksMissing(List<App> apps, ChaosLedger ledger) {
        Set<Long> ticks = ConcurrentHashMap.newKeySet();
        apps.forEach(a -> ticks.addAll(a.deliveredTicks));
        return ledger.acked.values().stream().filter(id -> !ticks.contains(id)).count();
    }
}
