package io.courier.bench;

import static io.courier.support.TextMessages.text;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.client.ClientStore;
import io.courier.client.ConnectionEvent;
import io.courier.client.CourierClient;
import io.courier.client.IncomingMessage;
import io.courier.client.Tick;
import io.courier.support.LinkModel;
import io.courier.support.LinkModel.Direction;
import io.courier.support.TcpProxy;
import io.courier.support.WireFrames;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Two phones with the Java SDK behind one 2G link (250 ms one way, 200 kbit/s each way, loss and jitter from
 * {@link LinkModel}) talk through the node: a 1 KB Signal message every 2.4 s, each followed half an interval later
 * by the same number of bytes through a bare TCP relay over the same link (the floor, same run). Then the link drops
 * for 30 s while a third device queues 20 messages for the recipient, and the time until the recipient has them all
 * is compared with 2 RTT + their transfer time. The link's per-segment trace attributes time per hop and bytes per
 * protocol frame. Run with {@code mvn -B verify -Pbench -Dbench.scenario=2g}.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "2g")
class TwoGBenchmark extends BenchSupport {
    private static final int WARM_UP = 3;
    private static final int WARM_UP_BASE = 1_000_000;
    private static final int QUEUED_BASE = 2_000_000;
    private static final long BITS_PER_SECOND = 200_000;
    private static final Duration ONE_WAY = Duration.ofMillis(250);
    private static final Duration WAIT = Duration.ofMinutes(2);
    /** Quiet for longer than the SDK holds a receipt's ack: every receipt the run caused has been acked. */
    private static final Duration RECEIPTS_ACKED = CourierClient.RECEIPT_ACK_DELAY.plusSeconds(1);

    @Inject
    MeterRegistry meters;

    @Test
    void run() throws Exception {
        int count = property("bench.2g.messages", 100);
        double loss = property("bench.2g.loss", 0.01);
        int jitterMs = property("bench.2g.jitter-ms", 0);
        int plaintextBytes = property("bench.payload", 1024);
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(property("bench.2g.interval-ms", 2400));
        int queued = property("bench.2g.queued", 20);
        int outageSeconds = property("bench.2g.outage-seconds", 30);
        boolean notifyNetwork = Boolean.parseBoolean(System.getProperty("bench.2g.notify-network", "true"));

        LinkModel link = new LinkModel(BITS_PER_SECOND, ONE_WAY, Duration.ofMillis(jitterMs), loss, 11);
        link.startTrace();
        int grpcPort = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        try (TcpRelay relay = new TcpRelay(); TcpProxy toNode = new TcpProxy(grpcPort, link);
                TcpProxy toRelay = new TcpProxy(relay.port(), link);
                Phone alice = new Phone("alice", toNode.port()); Phone bob = new Phone("bob", toNode.port());
                Phone carol = new Phone("carol", -1)) {
            // Warm-up: sessions (bundle fetches), JIT, prepared statements.
            for (int i = 0; i < WARM_UP; i++) {
                alice.client.send(bob.account, body(WARM_UP_BASE + i, plaintextBytes)).block(WAIT);
                bob.await(Set.of(WARM_UP_BASE + i));
                awaitQuiet(link); // B's session ack is back at A: the next messages are plain SignalMessages
            }
            awaitQuiet(link, RECEIPTS_ACKED); // the warm-up's receipt acks are out before the run's window opens
            List<ConnectResponse> warmed = deliveries(WireFrames.messages(WireFrames.frames(link.trace())));
            io.courier.api.v1.Delivery typical = warmed.get(warmed.size() - 1).getDelivery();
            int ciphertextBytes = typical.getCiphertext().size();
            String envelope = typical.getType().name();

            Run run;
            NodeTimes before = nodeTimes();
            String stalls;
            try (RelayPair floor = new RelayPair(toRelay.port(), ciphertextBytes); Stalls meter = new Stalls()) {
                run = measure(link, alice, bob, floor, count, intervalNanos, plaintextBytes);
                stalls = LatencyStats.percentiles(meter.stats.snapshot());
            }
            String node = nodeTimes().since(before);
            Reconnect reconnect = reconnect(link, carol, bob, queued, outageSeconds, plaintextBytes, notifyNetwork);
            report(link, run, reconnect, count, loss, jitterMs, ciphertextBytes + " B " + envelope, ciphertextBytes,
                    plaintextBytes, notifyNetwork, node, stalls);
        }
    }

    /** Latencies of one run, and the window of the trace it covers. */
    private record Run(long[] sent, long[] acked, long[] delivered, long[] floorSent, long[] floorDelivered,
            long fromNanos, long toNanos) {
    }

    private Run measure(LinkModel link, Phone alice, Phone bob, RelayPair floor, int count, long intervalNanos,
            int plaintextBytes) {
        long[] sent = new long[count];
        long[] acked = new long[count];
        long[] floorSent = new long[count];
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long from = System.nanoTime();
        try {
            for (int k = 0; k < count; k++) {
                int index = k;
                ticker.schedule(() -> {
                    sent[index] = System.nanoTime();
                    alice.client.send(bob.account, body(index, plaintextBytes))
                            .subscribe(ack -> acked[index] = System.nanoTime());
                }, 200_000_000L + k * intervalNanos, TimeUnit.NANOSECONDS);
                ticker.schedule(() -> floorSent[index] = floor.send(index),
                        200_000_000L + k * intervalNanos + intervalNanos / 2, TimeUnit.NANOSECONDS);
            }
            Set<Integer> all = java.util.stream.IntStream.range(0, count).boxed().collect(Collectors.toSet());
            Duration schedule = Duration.ofNanos(count * intervalNanos);
            bob.await(all, schedule.plus(WAIT));
            Awaitility.await().atMost(schedule.plus(WAIT)).until(() -> floor.arrivals.keySet().containsAll(all));
            // Everything a message causes: the receipt to the sender and its ack, then a quiet link.
            Awaitility.await().atMost(WAIT).until(() -> alice.delivered.get() >= count + WARM_UP);
            awaitQuiet(link, RECEIPTS_ACKED);
        } finally {
            ticker.shutdownNow();
        }
        long[] delivered = new long[count];
        long[] floorDelivered = new long[count];
        for (int k = 0; k < count; k++) {
            delivered[k] = bob.arrivals.get(k);
            floorDelivered[k] = floor.arrivals.get(k);
        }
        return new Run(sent, acked, delivered, floorSent, floorDelivered, from, System.nanoTime());
    }

    private record Reconnect(long millis, long floorMillis, long bytes, long firstFrameMillis, String timeline) {
    }

    /** The link drops; a friend on a good connection queues messages; the link comes back. */
    private Reconnect reconnect(LinkModel link, Phone friend, Phone phone, int queued, int outageSeconds,
            int plaintextBytes, boolean notifyNetwork) {
        friend.client.send(phone.account, body(QUEUED_BASE, plaintextBytes)).block(WAIT);
        phone.await(Set.of(QUEUED_BASE));
        awaitQuiet(link); // the session ack is back at the friend: the queued messages are plain SignalMessages
        long cut = System.nanoTime();
        link.cut();
        Set<Integer> expected = new java.util.HashSet<>();
        for (int i = 1; i <= queued; i++) {
            friend.client.send(phone.account, body(QUEUED_BASE + i, plaintextBytes)).block(WAIT);
            expected.add(QUEUED_BASE + i);
        }
        // The outage itself: the scenario's length, not a wait for anything.
        LockSupport.parkNanos(cut + TimeUnit.SECONDS.toNanos(outageSeconds) - System.nanoTime());
        long up = System.nanoTime();
        link.restore();
        if (notifyNetwork) {
            phone.client.networkAvailable(); // what the phone's OS tells an app when the network is back
        }
        phone.await(expected);
        long last = expected.stream().mapToLong(phone.arrivals::get).max().orElseThrow();
        List<WireFrames.Frame> frames = WireFrames.frames(link.trace());
        List<WireFrames.GrpcMessage> messages = WireFrames.messages(frames);
        int connection = messages.stream().filter(m -> m.readNanos() >= up && m.decoded() instanceof ConnectResponse r
                && r.hasDelivery()).findFirst().orElseThrow().connection();
        List<WireFrames.Frame> down = frames.stream().filter(f -> f.connection() == connection
                && f.direction() == Direction.DOWN && f.deliveredNanos() <= last).toList();
        long bytes = down.stream().mapToLong(WireFrames.Frame::wireBytes).sum();
        long firstFrame = frames.stream().filter(f -> f.connection() == connection).mapToLong(
                WireFrames.Frame::readNanos).min().orElseThrow();
        long floor = link.roundTrip().multipliedBy(2).toMillis()
                + TimeUnit.NANOSECONDS.toMillis(link.serialisationNanos(bytes));
        long firstDelivery = messages.stream().filter(m -> m.connection() == connection
                && m.decoded() instanceof ConnectResponse r && r.hasDelivery()).mapToLong(
                        WireFrames.GrpcMessage::deliveredNanos).min().orElseThrow();
        StringBuilder timeline = new StringBuilder(
                "| direction | frame | bytes | onto link | off link |\n|---|---|---|---|---|\n");
        frames.stream().filter(f -> f.connection() == connection && f.readNanos() <= firstDelivery)
                .forEach(f -> timeline.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f |%n",
                        f.direction() == Direction.UP ? "up" : "down", f.typeName(), f.wireBytes(),
                        (f.readNanos() - up) / 1e6, (f.deliveredNanos() - up) / 1e6)));
        return new Reconnect(TimeUnit.NANOSECONDS.toMillis(last - up), floor, bytes,
                TimeUnit.NANOSECONDS.toMillis(firstFrame - up), timeline.toString());
    }

    private void report(LinkModel link, Run run, Reconnect reconnect, int count, double loss, int jitterMs,
            String ciphertext, int ciphertextBytes, int plaintextBytes, boolean notifyNetwork, String node,
            String stalls)
            throws Exception {
        Histogram courier = histogram(count, k -> run.delivered()[k] - run.sent()[k]);
        Histogram sendAck = histogram(count, k -> run.acked()[k] - run.sent()[k]);
        Histogram floor = histogram(count, k -> run.floorDelivered()[k] - run.floorSent()[k]);

        List<LinkModel.Segment> trace = link.trace();
        List<WireFrames.Frame> frames = WireFrames.frames(trace).stream()
                .filter(f -> f.readNanos() >= run.fromNanos() && f.readNanos() <= run.toNanos()).toList();
        List<WireFrames.GrpcMessage> messages = WireFrames.messages(WireFrames.frames(trace)).stream()
                .filter(m -> m.readNanos() >= run.fromNanos() && m.readNanos() <= run.toNanos()).toList();
        Set<Integer> grpcConnections = frames.stream().map(WireFrames.Frame::connection).collect(Collectors.toSet());
        long retransmitted = trace.stream().filter(s -> s.readNanos() >= run.fromNanos()
                && s.readNanos() <= run.toNanos() && s.retransmitted()).count();
        long relayBytes = trace.stream().filter(s -> !grpcConnections.contains(s.connection())
                && s.readNanos() >= run.fromNanos() && s.readNanos() <= run.toNanos())
                .mapToLong(s -> s.bytes().length).sum();

        Bytes bytes = bytes(frames, messages, count);
        String hops = hops(run, messages, count);
        String timeline = timeline(run, frames, messages, courier.getValueAtPercentile(50) * 1000, count);
        String slowest = timeline(run, frames, messages, courier.getMaxValue() * 1000, count);

        double p50 = LatencyStats.millis(courier, 50);
        double p99 = LatencyStats.millis(courier, 99);
        double floorP50 = LatencyStats.millis(floor, 50);
        double floorP99 = LatencyStats.millis(floor, 99);
        String report = """
                ## Two phones on 2G
                Link: %d kbit/s each way, %d ms one way, jitter 0–%d ms, loss %.1f %% per segment (retransmission \
                after %d ms); %d segments retransmitted in the run. %d messages of %d B plaintext (%s), one every %.1f s; the floor sends %d B through a bare TCP relay over the same link half \
                an interval later.

                | path | p50 / p99 / p99.9 / max |
                |---|---|
                | Courier send → recipient's app | %s |
                | Courier send → SendAck | %s |
                | bare TCP relay (floor) | %s |

                ### Where the time goes (per message, p50 / p99 / max)
                %s
                Inside the node during the run (its own timers): %s. Stalls of this JVM (node and phones) during \
                the run, as a thread that parks for 1 ms sees them: %s.

                ### A median message on the wire (ms from send; A = sender, B = recipient)
                %s
                ### The slowest message on the wire
                %s
                ### Bytes per delivered message (both phones, both directions, %d messages)
                %s
                Relay: %d B per message through the link, both ways (the payload itself).

                ### Reconnect
                Link down %d s with %d messages queued for the recipient, then back%s: all of them in the app \
                %d ms after the link came back (first byte on the new connection after %d ms); floor 2 RTT + \
                transfer of %d B = %d ms. The new connection until its first delivery is off the link (ms after \
                the link came back):

                %s
                """.formatted(BITS_PER_SECOND / 1000, ONE_WAY.toMillis(), jitterMs, loss * 100,
                link.retransmitTimeout().toMillis(), retransmitted, count, plaintextBytes, ciphertext,
                run.sent().length > 1 ? (run.sent()[1] - run.sent()[0]) / 1e9 : 0, ciphertextBytes,
                LatencyStats.percentiles(courier), LatencyStats.percentiles(sendAck), LatencyStats.percentiles(floor),
                hops, node, stalls, timeline, slowest, count, bytes.table(), relayBytes / count, property("bench.2g.outage-seconds", 30),
                property("bench.2g.queued", 20), notifyNetwork ? " (the phone told the network is back)" : "",
                reconnect.millis(), reconnect.firstFrameMillis(), reconnect.bytes(), reconnect.floorMillis(),
                reconnect.timeline());
        List<Plots.Plot> plots = List.of(
                Plots.percentiles("Latency distribution on 2G", List.of(Map.entry("send → recipient's app", courier),
                        Map.entry("send → SendAck", sendAck), Map.entry("bare TCP relay (floor)", floor))),
                Plots.xy("Each message on 2G, in the order sent", "sent at (s into the run)", "latency (ms)", false,
                        List.of(perMessage("send → recipient's app", run, run.sent(), run.delivered()),
                                perMessage("bare TCP relay (floor)", run, run.floorSent(), run.floorDelivered()))));
        publish("2g", report, String.format(Locale.ROOT,
                "p50_ms=%.1f p99_ms=%.1f floor_p50_ms=%.1f floor_p99_ms=%.1f ratio_p50=%.3f ratio_p99=%.3f "
                        + "overhead_bytes_per_msg=%.0f sendack_p50_ms=%.1f reconnect_ms=%d reconnect_floor_ms=%d "
                        + "loss=%.3f",
                p50, p99, floorP50, floorP99, p50 / floorP50, p99 / floorP99, bytes.overheadPerMessage(),
                LatencyStats.millis(sendAck, 50), reconnect.millis(), reconnect.floorMillis(), loss), plots);
    }

    /** Each message's latency at the time it was sent. */
    private static Plots.Series perMessage(String name, Run run, long[] sent, long[] arrived) {
        double[] at = new double[sent.length];
        double[] millis = new double[sent.length];
        for (int k = 0; k < sent.length; k++) {
            at[k] = (sent[k] - run.fromNanos()) / 1e9;
            millis[k] = (arrived[k] - sent[k]) / 1e6;
        }
        return new Plots.Series(name, at, millis, Plots.Style.MARKERS);
    }

    /** The node's send→SendAck timer and its CQL requests, to tell database time from the rest. */
    private record NodeTimes(long sends, double sendNanos, long cql, double cqlNanos) {
        String since(NodeTimes before) {
            return String.format(Locale.ROOT, "%d sends, send → SendAck mean %.1f ms; %d CQL requests, mean %.1f ms",
                    sends - before.sends, (sendNanos - before.sendNanos) / Math.max(1, sends - before.sends) / 1e6,
                    cql - before.cql, (cqlNanos - before.cqlNanos) / Math.max(1, cql - before.cql) / 1e6);
        }
    }

    private NodeTimes nodeTimes() {
        Timer send = meters.get("courier.send.ack").timer();
        Timer cql = meters.get("courier.cql.requests").tag("outcome", "success").timer();
        return new NodeTimes(send.count(), send.totalTime(TimeUnit.NANOSECONDS), cql.count(),
                cql.totalTime(TimeUnit.NANOSECONDS));
    }

    /** Until nothing crossed the link for a second: what the last message caused has settled. */
    private static void awaitQuiet(LinkModel link) {
        awaitQuiet(link, Duration.ofSeconds(1));
    }

    private static void awaitQuiet(LinkModel link, Duration quiet) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> System.nanoTime() - link.lastDeliveredNanos() > quiet.toNanos());
    }

    private static Histogram histogram(int count, java.util.function.IntToLongFunction nanos) {
        LatencyStats stats = new LatencyStats();
        for (int k = 0; k < count; k++) {
            stats.recordNanos(nanos.applyAsLong(k));
        }
        return stats.snapshot();
    }

    /** Bytes on the wire by what carried them, and the total beyond the ciphertext per message. */
    private record Bytes(String table, double overheadPerMessage) {
    }

    private static Bytes bytes(List<WireFrames.Frame> frames, List<WireFrames.GrpcMessage> messages, int count) {
        Map<String, long[]> rows = new LinkedHashMap<>(); // kind -> {count, bytes beyond ciphertext}
        long ciphertext = 0;
        for (WireFrames.GrpcMessage m : messages) {
            long c = ciphertextOf(m);
            ciphertext += c;
            long[] row = rows.computeIfAbsent("gRPC " + m.kind(), k -> new long[2]);
            row[0]++;
            row[1] += WireFrames.GRPC_PREFIX + m.length() - c;
        }
        for (WireFrames.Frame f : frames) {
            long[] row = rows.computeIfAbsent(f.type() == WireFrames.DATA ? "HTTP/2 DATA frame headers"
                    : "HTTP/2 " + f.typeName() + " " + f.direction().name().toLowerCase(), k -> new long[2]);
            row[0]++;
            row[1] += f.type() == WireFrames.DATA ? WireFrames.FRAME_HEADER : f.wireBytes();
        }
        long total = frames.stream().mapToLong(WireFrames.Frame::wireBytes).sum();
        StringBuilder table = new StringBuilder("| carried by | count | bytes beyond ciphertext | per message |\n"
                + "|---|---|---|---|\n");
        rows.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> table.append(
                String.format(Locale.ROOT, "| %s | %d | %d | %.1f |%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                        e.getValue()[1] / (double) count)));
        double overhead = (total - ciphertext) / (double) count;
        table.append(String.format(Locale.ROOT, "| **all** (%d B on the wire, %d B of it ciphertext) | | %d | %.1f |%n",
                total, ciphertext, total - ciphertext, overhead));
        return new Bytes(table.toString(), overhead);
    }

    private static long ciphertextOf(WireFrames.GrpcMessage m) {
        if (m.decoded() instanceof ConnectRequest r && r.hasSend()) {
            return java.util.stream.Stream.concat(r.getSend().getEnvelopesList().stream(),
                    r.getSend().getSelfEnvelopesList().stream()).mapToLong(e -> e.getCiphertext().size()).sum()
                    + r.getSend().getGroupCiphertext().size();
        }
        if (m.decoded() instanceof ConnectResponse r && r.hasDelivery()) {
            return r.getDelivery().getCiphertext().size();
        }
        return 0;
    }

    private static List<ConnectResponse> deliveries(List<WireFrames.GrpcMessage> messages) {
        return messages.stream().filter(m -> m.decoded() instanceof ConnectResponse r && r.hasDelivery())
                .map(m -> (ConnectResponse) m.decoded()).toList();
    }

    /** Per message: SDK, uplink, node, downlink, SDK, from the frames that carried it. */
    private static String hops(Run run, List<WireFrames.GrpcMessage> messages, int count) {
        List<WireFrames.GrpcMessage> sends = messages.stream()
                .filter(m -> m.decoded() instanceof ConnectRequest r && r.hasSend()).toList();
        // By server id: compact deliveries carry no client id; the SendAck pairs the two.
        Map<Long, WireFrames.GrpcMessage> deliveryByServerId = new ConcurrentHashMap<>();
        Map<Long, WireFrames.GrpcMessage> ackByClientId = new ConcurrentHashMap<>();
        for (WireFrames.GrpcMessage m : messages) {
            if (m.decoded() instanceof ConnectResponse r && r.hasDelivery()) {
                deliveryByServerId.putIfAbsent(r.getDelivery().getServerId(), m);
            } else if (m.decoded() instanceof ConnectResponse r && r.hasSendAck()) {
                ackByClientId.putIfAbsent(r.getSendAck().getClientMessageId(), m);
            }
        }
        Map<String, LatencyStats> hops = new LinkedHashMap<>();
        for (String hop : List.of("A: send() → Send frame onto the link", "uplink: Send frame on the link",
                "node: Send in → SendAck out", "downlink: SendAck on the link", "node: Send in → Delivery out",
                "downlink: Delivery on the link", "B: Delivery in → app")) {
            hops.put(hop, new LatencyStats());
        }
        int matched = 0;
        for (int k = 0; k < Math.min(count, sends.size()); k++) {
            WireFrames.GrpcMessage send = sends.get(k);
            long id = ((ConnectRequest) send.decoded()).getSend().getClientMessageId();
            WireFrames.GrpcMessage ack = ackByClientId.get(id);
            WireFrames.GrpcMessage delivery = ack == null ? null
                    : deliveryByServerId.get(((ConnectResponse) ack.decoded()).getSendAck().getServerId());
            if (delivery == null) {
                continue;
            }
            matched++;
            List<Long> values = List.of(send.readNanos() - run.sent()[k], send.deliveredNanos() - send.readNanos(),
                    ack.readNanos() - send.deliveredNanos(), ack.deliveredNanos() - ack.readNanos(),
                    delivery.readNanos() - send.deliveredNanos(), delivery.deliveredNanos() - delivery.readNanos(),
                    run.delivered()[k] - delivery.deliveredNanos());
            int i = 0;
            for (LatencyStats stats : hops.values()) {
                stats.recordNanos(values.get(i++));
            }
        }
        StringBuilder table = new StringBuilder("| hop (" + matched + " messages matched on the wire) | p50 / p99 / "
                + "p99.9 / max |\n|---|---|\n");
        hops.forEach((hop, stats) -> table.append("| ").append(hop).append(" | ")
                .append(LatencyStats.percentiles(stats.snapshot())).append(" |\n"));
        return table.toString();
    }

    /** Every frame on both phones' connections around the message whose latency is nearest {@code nanos}. */
    private static String timeline(Run run, List<WireFrames.Frame> frames, List<WireFrames.GrpcMessage> messages,
            long nanos, int count) {
        int k = java.util.stream.IntStream.range(0, count).boxed().min(Comparator.comparingLong(
                i -> Math.abs(run.delivered()[i] - run.sent()[i] - nanos))).orElseThrow();
        long t0 = run.sent()[k];
        long until = run.delivered()[k] + TimeUnit.MILLISECONDS.toNanos(1200);
        Map<Long, WireFrames.GrpcMessage> byRead = messages.stream().collect(
                Collectors.toMap(WireFrames.GrpcMessage::deliveredNanos, m -> m, (a, b) -> a));
        Set<Integer> phones = messages.stream().filter(m -> m.decoded() != null)
                .map(WireFrames.GrpcMessage::connection).collect(Collectors.toSet());
        int sender = messages.stream().filter(m -> m.decoded() instanceof ConnectRequest r && r.hasSend())
                .findFirst().map(WireFrames.GrpcMessage::connection).orElse(-1);
        StringBuilder out = new StringBuilder("app send() at 0, in the app at %.1f\n\n".formatted(
                (run.delivered()[k] - t0) / 1e6));
        out.append("| phone | direction | frame | bytes | onto link | off link |\n|---|---|---|---|---|---|\n");
        for (WireFrames.Frame f : frames) {
            if (f.readNanos() < t0 - TimeUnit.MILLISECONDS.toNanos(100) || f.readNanos() > until
                    || !phones.contains(f.connection())) {
                continue;
            }
            WireFrames.GrpcMessage m = f.type() == WireFrames.DATA ? byRead.get(f.deliveredNanos()) : null;
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.1f | %.1f |%n",
                    f.connection() == sender ? "A" : "B", f.direction() == Direction.UP ? "up" : "down",
                    m == null ? f.typeName() : "DATA " + m.kind(), f.wireBytes(), (f.readNanos() - t0) / 1e6,
                    (f.deliveredNanos() - t0) / 1e6));
        }
        return out.toString();
    }

    /** A text message of about {@code size} bytes that starts with its index. */
    private static byte[] body(int index, int size) {
        String head = index + " ";
        return text(head + "x".repeat(Math.max(0, size - head.length())));
    }

    private static int index(IncomingMessage message) {
        String text = text(message);
        return Integer.parseInt(text.substring(0, text.indexOf(' ')));
    }

    /** A device with the SDK: registered over loopback, then on its own channel through the link (port -1: none). */
    private final class Phone implements AutoCloseable {
        final CourierClient client;
        final UUID account;
        final ManagedChannel channel;
        final Map<Integer, Long> arrivals = new ConcurrentHashMap<>();
        final AtomicInteger delivered = new AtomicInteger();

        Phone(String name, int proxyPort) {
            ClientStore store = ClientStore.inMemory();
            String number = randomPhoneNumber();
            CourierClient setup = CourierClient.create(TwoGBenchmark.channel, store);
            var session = setup.requestVerificationCode(number).block(WAIT);
            account = setup.register(session, verificationCodes.lastCodeFor(number), name).block(WAIT).accountId();
            setup.close();
            channel = proxyPort < 0 ? null
                    : ManagedChannelBuilder.forAddress("127.0.0.1", proxyPort).usePlaintext().build();
            client = CourierClient.create(channel == null ? TwoGBenchmark.channel : channel, store);
            client.incoming().subscribe(m -> arrivals.put(index(m), System.nanoTime()));
            client.ticks().subscribe(t -> {
                if (t.state() == Tick.State.DELIVERED) {
                    delivered.incrementAndGet();
                }
            });
            AtomicInteger drained = new AtomicInteger();
            client.events().subscribe(e -> {
                if (e == ConnectionEvent.DRAINED) {
                    drained.incrementAndGet();
                }
            });
            client.connect();
            Awaitility.await().atMost(WAIT).until(() -> drained.get() > 0);
        }

        void await(Set<Integer> indexes) {
            await(indexes, WAIT);
        }

        void await(Set<Integer> indexes, Duration atMost) {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(10))
                    .until(() -> arrivals.keySet().containsAll(indexes));
        }

        @Override
        public void close() throws InterruptedException {
            client.close();
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * How late a thread that parks for 1 ms wakes up: the CPU the machine (shared, loaded) and this JVM's pauses deny
     * everything in it, node and phones alike. Tells the machine's noise from Courier's own time.
     */
    private static final class Stalls implements AutoCloseable {
        private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
        final LatencyStats stats = new LatencyStats();
        private final Thread meter = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long start = System.nanoTime();
                LockSupport.parkNanos(PARK_NANOS);
                stats.recordNanos(System.nanoTime() - start - PARK_NANOS);
            }
        }, "stall-meter");

        Stalls() {
            meter.setDaemon(true);
            meter.start();
        }

        @Override
        public void close() {
            meter.interrupt();
        }
    }

    /** Two sockets through the link to the bare relay: what one writes, the other reads. */
    private static final class RelayPair implements AutoCloseable {
        private final Socket from;
        private final Socket to;
        private final int size;
        final Map<Integer, Long> arrivals = new ConcurrentHashMap<>();

        RelayPair(int proxyPort, int size) throws Exception {
            this.size = size;
            from = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
            to = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
            from.setTcpNoDelay(true);
            to.setTcpNoDelay(true);
            Thread reader = new Thread(() -> {
                try (InputStream in = to.getInputStream()) {
                    for (byte[] message; (message = in.readNBytes(size)).length == size;) {
                        arrivals.put(ByteBuffer.wrap(message).getInt(), System.nanoTime());
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "relay-reader");
            reader.setDaemon(true);
            reader.start();
        }

        long send(int index) {
            long now = System.nanoTime();
            try {
                OutputStream out = from.getOutputStream();
                out.write(ByteBuffer.allocate(size).putInt(index).array());
                out.flush();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return now;
        }

        @Override
        public void close() throws Exception {
            from.close();
            to.close();
        }
    }
}
