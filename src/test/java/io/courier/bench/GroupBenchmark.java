package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.datastax.oss.driver.api.core.CqlSession;
import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.common.CredentialVerifier;
import io.courier.common.Ids;
import io.courier.keys.KeyDirectory;
import io.courier.messaging.DeviceQueues;
import io.courier.messaging.MessagingConfig;
import io.courier.support.MemberProcess;
import io.courier.support.RegisteredDevice;
import io.courier.support.SignalDevice;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A full group (1024 members, every one online with one device) under a steady stream of group messages with 1:1
 * messages from the same sender beside them, a burst that measures the fan-out's pace against the raw CQL floor, and
 * the sender's client crypto. Not a test: it asserts nothing about speed. Run with
 * {@code mvn -B verify -Pbench -Dbench.scenario=group}; knobs -Dbench.group.members (1024), -Dbench.group.rate
 * (group messages/s, 1), -Dbench.group.seconds (30), -Dbench.group.burst (10 messages), -Dbench.payload (1024), -Dbench.members (2: the node and a second
 * Hazelcast member in its own JVM; 1: write-through).
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "group")
class GroupBenchmark extends BenchSupport {
    private static final int CHANNELS = 8;
    private static final Duration GRACE = Duration.ofSeconds(60);

    @Inject
    CqlSession session;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    DeviceQueues queues;

    @Inject
    MessagingConfig messaging;

    @Inject
    MeterRegistry meters;

    @Inject
    KeyDirectory keys;

    @Inject
    CredentialVerifier credentials;

    @Test
    void run() throws Exception {
        int size = property("bench.group.members", 1024);
        int rate = property("bench.group.rate", 1);
        int seconds = property("bench.group.seconds", 30);
        int burst = property("bench.group.burst", 10);
        int payload = property("bench.payload", 1024);
        int clusterMembers = property("bench.members", 2);

        long setupStart = System.nanoTime();
        try (MemberProcess second = clusterMembers > 1 ? secondMember(hazelcast, session, messaging, queues) : null) {
            List<RegisteredDevice> devices = registerMany(size);
            // Keys straight into the directory, as each device (its credential says which install it is).
            Flux.fromIterable(devices).flatMap(d -> Mono.fromCompletionStage(credentials.verify(d.authToken()))
                    .flatMap(caller -> keys.upload(caller, new SignalDevice().fullUpload(0, 0))), 32).blockLast();
            RegisteredDevice sender = devices.get(0);
            List<RegisteredDevice> members = devices.subList(1, size);
            Group group = groupRunHere(sender, members);
            RegisteredDevice first = members.get(0);
            LoadGenerator.Device directRecipient = new LoadGenerator.Device(first.authToken(), first.accountId(),
                    keys.registrations(Ids.uuid(first.accountId(), "id")).toCompletableFuture().get()
                            .get(first.deviceId()));
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;

            List<ManagedChannel> channels = IntStream.range(0, CHANNELS).mapToObj(i -> newChannel()).toList();
            GroupLoad.Result steady;
            GroupLoad.Result fanout;
            List<Plots.Plot> overTime;
            double writesPerDelivery;
            try (GroupLoad load = GroupLoad.connect(channels, sender.authToken(), group.getGroupId(),
                    members.stream().map(RegisteredDevice::authToken).toList(), directRecipient,
                    Duration.ofSeconds(120))) {
                load.run(rate, Duration.ofSeconds(5), payload, GRACE); // warm-up
                double writesBefore = writes(second);
                try (Timeline timeline = load.timeline(Duration.ofSeconds(1));
                        JfrWindow profile = JfrWindow.of("group-steady-and-burst")) {
                    steady = load.run(rate, Duration.ofSeconds(seconds), payload, GRACE);
                    fanout = load.run(burst, Duration.ofSeconds(1), payload, GRACE);
                    overTime = Plots.overTime("Steady, then the burst", timeline);
                }
                // Whatever a queue spills after the hold window belongs to these runs too.
                Thread.sleep(messaging.hold().plus(messaging.spillInterval()).toMillis());
                writesPerDelivery = (writes(second) - writesBefore)
                        / (double) Math.max(1, steady.memberDeliveries() + fanout.memberDeliveries());
            } finally {
                shutdown(channels);
            }
            report(size, rate, seconds, burst, payload, setupSeconds, steady, fanout, overTime, writesPerDelivery,
                    clusterMembers);
        }
    }

    /**
     * A group of every member, run by the node: a group's fan-out runs on the member owning its partition, and the
     * second member is a bare Hazelcast member (device queues, no gRPC, no fan-out worker), so groups are created
     * until one falls on the node's partitions (half of them, with two members).
     */
    private Group groupRunHere(RegisteredDevice sender, List<RegisteredDevice> members) {
        for (int attempt = 0; ; attempt++) {
            Group group = withToken(GroupServiceGrpc.newBlockingStub(channel), sender.authToken())
                    .createGroup(CreateGroupRequest.newBuilder()
                            .addAllMemberAccountIds(members.stream().map(RegisteredDevice::accountId).toList()).build())
                    .getGroup();
            UUID id = Ids.uuid(group.getGroupId(), "group_id");
            if (hazelcast.getPartitionService().getPartition(id).getOwner().localMember() || attempt >= 20) {
                return group;
            }
        }
    }

    /** CQL writes requested so far by the node and the second member. */
    private double writes(MemberProcess second) {
        return cqlStatements(meters, "write") + (second == null ? 0 : second.cqlCounts().writes());
    }

    private void report(int size, int rate, int seconds, int burst, int payload, double setupSeconds,
            GroupLoad.Result steady, GroupLoad.Result fanout, List<Plots.Plot> overTime, double writesPerDelivery,
            int clusterMembers) throws Exception {
        CqlFloor.Result floor = new CqlFloor(session).run(Duration.ofSeconds(10), 64, 256);
        SenderKeyCosts.Result crypto = new SenderKeyCosts(size - 1).run(2000, 1024);

        double groupP99 = LatencyStats.millis(steady.groupSendAck(), 99);
        double directP99 = LatencyStats.millis(steady.directSendAck(), 99);
        String report = """
                ## A %d-member group, every member online
                %d Hazelcast member(s), delivery hold %s.
                Set-up (register %d devices, keys, create the group): %.1f s. %d group messages/s plus as many 1:1
                messages from the same sender for %d s, %d-byte payloads; then a burst of %d group messages.

                | what | value |
                |---|---|
                | group messages fully delivered | %d of %d (refused: %s) |
                | group SendAck p50 / p99 / p99.9 / max | %s |
                | 1:1 SendAck (same run) p50 / p99 / p99.9 / max | %s |
                | group p99 / 1:1 p99 | %.2f× |
                | send → LAST member's delivery p50 / p99 / p99.9 / max | %s |
                | burst: %d × %d member deliveries, first send → last delivery | %.2f s = %.0f deliveries/s |
                | burst: send → last member p50 / p99 / max | %s |
                | raw CQL floor (64-byte inserts, 256 in flight) | %.0f inserts/s |
                | CQL writes per member delivery (steady + burst, node and second member, everything) | %.2f |
                | Sender Key encrypt, 1 KB, p50 / p99 / p99.9 / max | %s |
                | new Sender Key to %d member devices (pairwise encrypt) | %.0f ms |
                """.formatted(size, clusterMembers, messaging.hold(), size, setupSeconds, rate, seconds, payload, burst, steady.fullyDelivered(),
                steady.groupMessages(), steady.refused(), LatencyStats.percentiles(steady.groupSendAck()),
                LatencyStats.percentiles(steady.directSendAck()), groupP99 / directP99,
                LatencyStats.percentiles(steady.lastDelivery()), fanout.fullyDelivered(), size - 1,
                fanout.fanoutSeconds(), fanout.deliveriesPerSecond(), LatencyStats.percentiles(fanout.lastDelivery()),
                floor.perSecond(), writesPerDelivery, LatencyStats.percentiles(crypto.encrypt()), size - 1,
                crypto.distributeMillis());
        List<Plots.Plot> plots = new ArrayList<>();
        plots.add(Plots.percentiles("Latency distribution, " + rate + " group message(s)/s", List.of(
                Map.entry("group send → SendAck", steady.groupSendAck()),
                Map.entry("1:1 send → SendAck (same sender)", steady.directSendAck()),
                Map.entry("group send → last member's delivery", steady.lastDelivery()),
                Map.entry("burst: send → last member's delivery", fanout.lastDelivery()))));
        plots.addAll(overTime);
        plots.add(Plots.bars("Fan-out beside its floor", "per second",
                List.of(Map.entry("burst: member deliveries/s", fanout.deliveriesPerSecond()),
                        Map.entry("raw CQL inserts/s", floor.perSecond()))));
        publish("group", report, String.format(Locale.ROOT,
                "members=%d group_sendack_p99_ms=%.1f direct_sendack_p99_ms=%.1f last_delivery_p99_ms=%.1f"
                        + " last_delivery_p50_ms=%.1f fanout_per_s=%.0f floor=%.0f sk_encrypt_p50_us=%.0f"
                        + " sk_encrypt_p99_us=%.0f"
                        + " distribute_%d_ms=%.0f delivered=%d/%d cql_writes_per_delivery=%.2f cluster_members=%d"
                        + " hold_ms=%d",
                size, groupP99, directP99, LatencyStats.millis(steady.lastDelivery(), 99),
                LatencyStats.millis(steady.lastDelivery(), 50), fanout.deliveriesPerSecond(),
                floor.perSecond(), crypto.encrypt().getValueAtPercentile(50) * 1.0,
                crypto.encrypt().getValueAtPercentile(99) * 1.0, size - 1, crypto.distributeMillis(),
                steady.fullyDelivered(), steady.groupMessages(), writesPerDelivery, clusterMembers,
                messaging.hold().toMillis()), plots);
    }
}
