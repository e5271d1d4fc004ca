package io.courier.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.datastax.oss.driver.api.core.CqlSession;
import com.google.protobuf.ByteString;
import com.hazelcast.core.HazelcastInstance;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.CreateGroupRequest;
import io.courier.api.v1.GroupServiceGrpc;
import io.courier.api.v1.OutgoingMessage;
import io.courier.common.CredentialVerifier;
import io.courier.keys.KeyDirectory;
import io.courier.messaging.DeviceQueues;
import io.courier.messaging.MessagingConfig;
import io.courier.support.MemberProcess;
import io.courier.support.RegisteredDevice;
import io.courier.support.SignalDevice;
import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Honest device pairs exchange messages at a moderate open-loop rate, first alone (the same run's baseline), then
 * beside four attackers at once:
 * <ul>
 * <li>the many-address attacker ({@link ManyAddressAttacker}, in a JVM of its own: {@link AttackerChild}): N
 * registered devices, each behind an IPv6 /64 of its own (x-forwarded-for from the trusted loopback proxy),
 * reconnecting over and over and subscribing to the presence of 256 random ids on every stream;</li>
 * <li>a group flooder ({@link PacedSender}): one device sending into a group of those N accounts above its
 * account's budget of member deliveries;</li>
 * <li>a quota filler ({@link PacedSender}): a stranger sending envelopes of the largest size to one recipient who
 * never connects, above its send budget, until and after the node refuses it; at the end a third account sends the
 * same recipient one message (is the victim still reachable?);</li>
 * <li>the single abuser ({@link Abuser}): one device flooding every kind of up-frame and never reading.</li>
 * </ul>
 * Reports the pairs' p99 send→deliver under attack against the baseline, every member's heap after a full GC
 * before the attack and after it (once held queue items had time to spill), the largest live heap of this JVM's
 * member during it, what the node refused of each attacker, by status or FrameError code, and the CPU the
 * many-address attacker's JVM used. With two members
 * (the default) the second runs in a JVM of its own like a second node's. If this JVM's live heap passes
 * -Dbench.abuse.heap-stop-mb every attacker stops early, so the node survives to report.
 * Run with {@code mvn -B verify -Pbench -Dbench.scenario=abuse}; knobs -Dbench.pairs (50), -Dbench.rate (100),
 * -Dbench.seconds (60), -Dbench.members (2), -Dbench.abuse.tokens (1000), -Dbench.abuse.opens-per-second (250),
 * -Dbench.abuse.group-rate (4), -Dbench.abuse.fill-rate (60), -Dbench.abuse.ids (ids per Ack/Read, 5000),
 * -Dbench.abuse.heap-stop-mb (1500), -Dbench.abuse.subscribed-ids (random ids per stream, 256; 0 for reconnects
 * alone), -Dbench.abuse.attacks (a subset of presence,group,fill,abuser).
 */
@QuarkusTest
@TestProfile(AbuseProfile.class)
@EnabledIfSystemProperty(named = "bench.scenario", matches = "abuse")
class AbuseBenchmark extends BenchSupport {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final int ATTACKER_CHANNELS = 16;
    private static final int GROUP_PAYLOAD = 1024;
    private static final int GREW_LINES = 8;
    private static final String ALL_ATTACKS = "presence,group,fill,abuser";
    /** The processes sharing the node's cores during the attack, by what their command line runs. */
    private static final Function<String, String> PROCESSES = command -> command.contains("CassandraDaemon")
            ? "Cassandra" : command.contains(MemberProcess.class.getName()) ? "the second member"
            : command.contains(AttackerGenerator.class.getName()) ? "the many-address attacker"
            : command.contains("s3proxy") ? "S3Proxy" : null;
    /** The pairs' latency the target is about, as the load generator's timeline names it. */
    private static final String DELIVER = "send → deliver";

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    CqlSession session;

    @Inject
    DeviceQueues queues;

    @Inject
    MessagingConfig messaging;

    @Inject
    KeyDirectory keys;

    @Inject
    CredentialVerifier credentials;

    /** A member's heap after a full GC before and after the attack, in bytes. */
    private record Heap(long before, long after) {
        String text() {
            return String.format(Locale.ROOT, "%.0f MB → %.0f MB (%+.1f %%)", before / 1e6, after / 1e6,
                    100.0 * (after - before) / before);
        }
    }

    @Test
    void run() throws Exception {
        int pairs = property("bench.pairs", 50);
        int rate = property("bench.rate", 100);
        Duration duration = Duration.ofSeconds(property("bench.seconds", 60));
        int payload = property("bench.payload", 256);
        int members = property("bench.members", 2);
        int tokens = property("bench.abuse.tokens", 1000);
        int opensPerSecond = property("bench.abuse.opens-per-second", 250);
        double groupRate = property("bench.abuse.group-rate", 4.0);
        double fillRate = property("bench.abuse.fill-rate", 60.0);
        int ids = property("bench.abuse.ids", 5000);
        // 0: the many-address attacker's streams only reconnect (no presence lookups), to tell churn from lookups.
        int subscribedIds = property("bench.abuse.subscribed-ids", 256);
        long heapStop = property("bench.abuse.heap-stop-mb", 1500) * 1_000_000L;
        // For finding which attack costs what: a subset, e.g. -Dbench.abuse.attacks=presence,fill.
        Set<String> attacks = Set.of(System.getProperty("bench.abuse.attacks", ALL_ATTACKS).split(","));
        int maxEnvelope = nodeSetting("courier.messaging.max-envelope-bytes", Integer.class, 98_304);

        long setupStart = System.nanoTime();
        List<RegisteredDevice> attackers = registerMany(tokens);
        // Keys straight into the directory, as each device: the attackers are real group members with a device.
        Flux.fromIterable(attackers).flatMap(d -> Mono.fromCompletionStage(credentials.verify(d.authToken()))
                .flatMap(caller -> keys.upload(caller, new SignalDevice().fullUpload(0, 0))), 32).blockLast();
        RegisteredDevice flooder = registerUnique();
        ByteString groupId = withToken(GroupServiceGrpc.newBlockingStub(channel), flooder.authToken())
                .createGroup(CreateGroupRequest.newBuilder().addAllMemberAccountIds(attackers.stream()
                        .map(RegisteredDevice::accountId).toList()).build())
                .getGroup().getGroupId();
        Participant victim = withKeys(registerUnique());
        LoadGenerator.Device victimDevice = new LoadGenerator.Device(victim.device().authToken(), victim.accountId(),
                victim.signal().registrationId());
        RegisteredDevice filler = registerUnique();
        RegisteredDevice prober = registerUnique();
        RegisteredDevice abuserDevice = registerUnique();
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;

        List<ManagedChannel> channels = new ArrayList<>();
        // A connection each, like separate phones: a stream the node reads slowly holds up its whole connection.
        ManagedChannel abuserChannel = newChannel();
        ManagedChannel flooderChannel = newChannel();
        ManagedChannel fillerChannel = newChannel();
        ManagedChannel proberChannel = newChannel();
        channels.addAll(List.of(abuserChannel, flooderChannel, fillerChannel, proberChannel));
        ByteString fill = LoadGenerator.randomBytes(maxEnvelope);
        ByteString groupCiphertext = LoadGenerator.randomBytes(GROUP_PAYLOAD);

        LoadGenerator.Result baseline;
        LoadGenerator.Result abused;
        Abuser.Result abuse;
        ManyAddressAttacker.Result many;
        PacedSender.Tally group;
        PacedSender.Tally quota;
        boolean victimReachable;
        Heap node;
        Heap second = null;
        long heapMax;
        boolean halted;
        long attackerCpu;
        Map<String, Long> processNanos;
        double busyCores;
        Footprint footprintBefore;
        List<Footprint.Line> grew;
        double loadBefore;
        double loadAfter;
        List<Timeline.Point> overTime;
        List<Plots.Plot> plotsOverTime;
        try (MemberProcess member = members > 1 ? secondMember(hazelcast, session, messaging, queues) : null;
                LoadGenerator load = LoadGenerator.connect(channel, pairs(pairs), Duration.ofSeconds(60));
                PacedSender groupFlooder = new PacedSender(flooderChannel, flooder.authToken(),
                        id -> ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(id)
                                .setGroupId(groupId).setGroupCiphertext(groupCiphertext)).build());
                PacedSender quotaFiller = new PacedSender(fillerChannel, filler.authToken(),
                        id -> LoadGenerator.sendFrame(id, victimDevice, fill));
                PacedSender probe = new PacedSender(proberChannel, prober.authToken(),
                        id -> LoadGenerator.sendFrame(id, victimDevice, LoadGenerator.randomBytes(payload)))) {
            load.run(rate, Duration.ofSeconds(5), payload, GRACE); // warm-up
            baseline = load.run(rate, duration, payload, GRACE);
            footprintBefore = Footprint.now();
            long nodeBefore = footprintBefore.heapBytes();
            long secondBefore = member == null ? 0 : member.usedHeapAfterFullGc();
            loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            ProcessCpu processes = ProcessCpu.start(PROCESSES);
            // The many-address attacker in a JVM of its own: this JVM's heap and CPU are then not its.
            try (HeapGauge heap = new HeapGauge();
                    AttackerChild attacker = AttackerChild.start(grpcPort(), ATTACKER_CHANNELS,
                            attacks.contains("presence") ? attackers.stream().map(RegisteredDevice::authToken)
                                    .toList() : List.of(), subscribedIds, opensPerSecond,
                            Path.of("target", "benchmarks", "abuse-attacker.log"))) {
                Abuser abuser = attacks.contains("abuser")
                        ? new Abuser(abuserChannel, abuserDevice.authToken(), ids, maxEnvelope) : null;
                if (attacks.contains("group")) {
                    groupFlooder.start(groupRate);
                }
                if (attacks.contains("fill")) {
                    quotaFiller.start(fillRate);
                }
                AtomicBoolean stopped = new AtomicBoolean();
                heap.onLiveHeapAbove(heapStop, () -> {
                    stopped.set(true);
                    if (abuser != null) {
                        abuser.halt();
                    }
                    attacker.halt();
                    groupFlooder.halt();
                    quotaFiller.halt();
                });
                try (JfrWindow profile = JfrWindow.of("abuse", processes.children());
                        Timeline timeline = load.timeline(Duration.ofSeconds(1))) {
                    abused = load.run(rate, duration, payload, GRACE);
                    processNanos = processes.elapsedNanos();
                    busyCores = processes.busyCores();
                    overTime = timeline.points().get(DELIVER);
                    plotsOverTime = Plots.overTime("Under attack (from the attack's start)", timeline);
                }
                victimReachable = probe.sendOneAccepted(GRACE);
                abuse = abuser == null ? null : abuser.stop(Duration.ofSeconds(5));
                AttackerGenerator.Report attackerReport = attacker.stop();
                many = attackerReport.result();
                attackerCpu = attackerReport.cpuNanos();
                loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                groupFlooder.halt();
                quotaFiller.halt();
                group = groupFlooder.tally();
                quota = quotaFiller.tally();
                heapMax = heap.maxAfterGcBytes();
                halted = stopped.get();
            }
            // Items the attack left in device queues stay in memory for the hold, then spill: measure after that.
            Thread.sleep(messaging.hold().plus(messaging.spillInterval()).plusSeconds(1).toMillis());
            Footprint footprintAfter = Footprint.now();
            node = new Heap(nodeBefore, footprintAfter.heapBytes());
            grew = footprintAfter.billSince(footprintBefore, 1, GREW_LINES);
            if (member != null) {
                second = new Heap(secondBefore, member.usedHeapAfterFullGc());
            }
        } finally {
            shutdown(channels);
        }

        String report = """
                ## Abuse
                %d device pairs at %d msg/s for %d s (open loop), first alone, then beside four attackers at once; \
                %d Hazelcast member(s), delivery hold %s. Set-up (register %d attackers, keys, the group): %.0f s.%s

                %s%s%s
                | attacker | what the node did |
                |---|---|
                | many addresses: %d tokens, each from its own IPv6 /64 (x-forwarded-for), %d opens/s attempted | \
                %d opens, %d PresenceSubscribe frames of %d random ids, %d presence events; streams ended by the \
                node: %s; frames refused: %s |
                | group flooder: %.1f group msg/s into a group of %d members | %d sent, %d accepted, refused: %s |
                | quota filler: %.1f msg/s of %d bytes to one recipient who never connects | %d sent, %d accepted, \
                refused: %s; another account's message to the same recipient afterwards: %s |
                | single abuser: Acks/Reads of %d ids, Pings, Sends to nobody, oversized Sends, empty frames, never \
                reads | %s frames written; its stream ended: %s |
                | halted early at the heap limit (%d MB) | %s |

                The many-address attacker ran in a JVM of its own and used %.1f s of CPU (%.0f %% of one core over \
                the attack's %d s); the 1-minute load average was %.2f when the attack started and %.2f when it \
                ended. CPU from the attacker's start to the end of the pairs' run, by process: %s; the machine was busy \
                %.2f of its %d cores.

                | member heap after a full GC | before the attack → after it |
                |---|---|
                | this JVM's member (node + the honest pairs' and small attackers' clients) | %s; max live during \
                the attack %.0f MB |
                %s

                The pairs' send → deliver under attack, second by second from the attack's start (p99 ms, \
                messages delivered): %s

                What grew in this JVM's heap (class histograms after a full GC, before the attack and after it; \
                shallow sizes):

                | class | instances | bytes |
                |---|---|---|
                %s
                """.formatted(pairs, rate, duration.toSeconds(), members, messaging.hold(), tokens, setupSeconds,
                attacks.size() == ALL_ATTACKS.split(",").length ? "" : " Attacks run: " + attacks + ".", RUN_HEADER, row(baseline).replaceFirst("\\| ", "| baseline: "),
                row(abused).replaceFirst("\\| ", "| under attack: "), tokens, opensPerSecond, many.opens(),
                many.subscribes(), subscribedIds, many.events(), ManyAddressAttacker.counts(many.streamEnds()),
                ManyAddressAttacker.counts(many.refusedFrames()), groupRate, tokens + 1, group.sent(),
                group.accepted(), group.refusedText(), fillRate, maxEnvelope, quota.sent(), quota.accepted(),
                quota.refusedText(), victimReachable ? "accepted (SendAck)" : "not accepted", ids,
                abuse == null ? "no" : abuse.sent(), abuse == null ? "not run" : abuse.status() == null
                        ? "still open when the benchmark ended" : abuse.status(),
                heapStop / 1_000_000, halted, attackerCpu / 1e9, 100.0 * attackerCpu / duration.toNanos(),
                duration.toSeconds(), loadBefore, loadAfter, processText(processNanos), busyCores,
                ProcessCpu.machineCores(), node.text(), heapMax / 1e6,
                second == null ? "" : "| second member (own JVM) | " + second.text() + " |",
                overTime.stream().map(p -> String.format(Locale.ROOT, "%.0f: %.0f (%d)", p.atSeconds(),
                        p.p99Millis(), p.count())).collect(Collectors.joining(", ")),
                grew.stream().map(line -> String.format(Locale.ROOT, "| `%s` | %+.0f | %+.0f |", line.className(),
                        line.instancesPerUnit(), line.bytesPerUnit())).collect(Collectors.joining("\n")));
        publish("abuse", report, String.format(Locale.ROOT,
                "pairs_p99_ms=%.1f baseline_p99_ms=%.1f members=%d heap_node_mb=%.0f/%.0f heap_member2_mb=%s"
                        + " heap_node_max_live_mb=%.0f tokens=%d opens=%d presence_stream_ends=%s subscribes=%d"
                        + " presence_events=%d presence_refused=%s group_sent=%d group_accepted=%d group_refused=%s"
                        + " fill_sent=%d fill_accepted=%d fill_refused=%s victim_reachable=%b abuser_status=%s"
                        + " attacker_cpu_s=%.1f load_1m=%.2f/%.2f jvm_cpu_s=%.1f busy_cores=%.2f",
                abused.p99DeliverMillis(), baseline.p99DeliverMillis(), members, node.before() / 1e6,
                node.after() / 1e6, second == null ? "none" : String.format(Locale.ROOT, "%.0f/%.0f",
                        second.before() / 1e6, second.after() / 1e6), heapMax / 1e6, tokens, many.opens(),
                ManyAddressAttacker.counts(many.streamEnds()), many.subscribes(), many.events(),
                ManyAddressAttacker.counts(many.refusedFrames()), group.sent(), group.accepted(), group.refusedText(),
                quota.sent(), quota.accepted(), quota.refusedText(), victimReachable,
                abuse == null ? "none" : abuse.statusName(), attackerCpu / 1e9, loadBefore, loadAfter,
                processNanos.get(ProcessCpu.THIS_JVM) / 1e9, busyCores),
                Stream.concat(Stream.of(Plots.againstBaseline("Bystanders' latency distribution", "under attack",
                        baseline, abused)), plotsOverTime.stream()).toList());
    }

    private static String processText(Map<String, Long> nanos) {
        return nanos.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f s",
                e.getKey().equals(ProcessCpu.THIS_JVM) ? "this JVM (node, pairs, small attackers)" : e.getKey(),
                e.getValue() / 1e9)).collect(Collectors.joining(", "));
    }
}
