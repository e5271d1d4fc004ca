package io.courier.cluster;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.api.v1.ConnectResponse;
import io.courier.client.ConnectionEvent;
import io.courier.client.CourierClient;
import io.courier.client.Credentials;
import io.courier.client.IncomingMessage;
import io.courier.client.NodeChannels;
import io.courier.client.SentMessage;
import io.courier.client.Tick;
import io.courier.local.FreePorts;
import io.courier.local.NodeProcess;
import io.courier.support.LocalCluster;
import io.courier.support.RawStream;
import io.courier.support.SecondMember;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Three nodes of the built application in child JVMs, attached to one local Cassandra + S3Proxy (as `courier.local`
 * multi-node runs do) and joined in one Hazelcast cluster; this JVM joins it as a lite member (no data) to read the
 * presence map. The methods run in order on the same cluster: the last two take nodes away (SIGTERM, then SIGKILL).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodeClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> RECONNECT = Metadata.Key.of("courier-reconnect",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Path DATA = Path.of("target", "it-cluster");

    private static LocalCluster cluster;
    private static final List<NodeProcess> nodes = new ArrayList<>();
    private static final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private static final List<Device> devices = new CopyOnWriteArrayList<>();
    private static HazelcastInstance observer;
    private static IMap<String, Presence> presence;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.start(DATA, 3, Map.of("courier.edge.rescan-interval", "2s"));
        IntStream.range(0, 3).forEach(i -> nodes.add(cluster.node(i)));
        observer = liteMember(cluster.clusterName(), cluster.members());
        presence = observer.getMap(PresenceDirectory.MAP);
        await().atMost(WAIT).until(() -> observer.getCluster().getMembers().size() == 4);
    }

    @AfterAll
    static void stopCluster() {
        devices.forEach(Device::close);
        channels.forEach(ManagedChannel::shutdownNow);
        if (observer != null) {
            observer.shutdown();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void messagesAndTicksFlowBetweenEveryPairOfNodes() {
        List<Device> online = nodes.stream().map(node -> register(channelTo(node)).online()).toList();
        Map<Long, Device> recipientOf = new HashMap<>();
        for (int from = 0; from < 3; from++) {
            for (int to = 0; to < 3; to++) {
                if (from != to) {
                    SentMessage sent = online.get(from).client.send(online.get(to).account(),
                            text("node " + from + " to node " + to)).block(WAIT);
                    recipientOf.put(sent.serverId(), online.get(to));
                }
            }
        }
        for (int to = 0; to < 3; to++) {
            Device recipient = online.get(to);
            int index = to;
            List<IncomingMessage> received = take(recipient.messages, 2);
            assertThat(received).extracting(m -> text(m)).containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, 3).filter(from -> from != index).mapToObj(
                            from -> "node " + from + " to node " + index).toList());
            assertThat(received).allSatisfy(m -> assertThat(recipientOf.get(m.serverId())).isSameAs(recipient));
            received.forEach(recipient.client::markRead);
        }
        for (Device sender : online) {
            List<Tick> ticks = sender.ticksUntil(4); // DELIVERED and READ for each of its two messages
            assertThat(ticks).extracting(Tick::state).containsOnly(Tick.State.DELIVERED, Tick.State.READ);
            assertThat(ticks).allSatisfy(t -> assertThat(recipientOf.get(t.serverId()).account())
                    .isEqualTo(t.recipient()));
            assertThat(ticks.stream().filter(t -> t.state() == Tick.State.READ).map(Tick::serverId).distinct())
                    .hasSize(2);
        }
    }

    @Test
    @Order(2)
    void aNewerStreamOnAnyNodeSupersedesTheOlderOnAnyOther() {
        Credentials device = registeredOffline();
        for (int older = 0; older < 3; older++) {
            for (int newer = 0; newer < 3; newer++) {
                if (older == newer) {
                    continue;
                }
                RawStream first = new RawStream(channelTo(nodes.get(older)), device.authToken());
                first.drain();
                RawStream second = new RawStream(channelTo(nodes.get(newer)), device.authToken());
                second.drain();
                assertThat(first.awaitClosed().getCode()).as("node %d superseded by node %d", older, newer)
                        .isEqualTo(Status.Code.ALREADY_EXISTS);
                String newerId = memberId(nodes.get(newer));
                await().atMost(WAIT).until(() -> memberOf(device).equals(newerId));
                second.close();
            }
        }
    }

    @Test
    @Order(3)
    void aDeviceMovingToAnotherNodeGetsExactlyWhatItHadNotAcked() {
        Credentials mover = registeredOffline();
        Device sender = register(channelTo(nodes.get(1))).online();
        RawStream onNode0 = new RawStream(channelTo(nodes.get(0)), mover.authToken());
        onNode0.drain();
        List<Long> sent = IntStream.range(0, 5).mapToObj(i -> sender.client.send(mover.accountId(),
                text("m" + i)).block(WAIT).serverId()).toList();
        List<Long> delivered = IntStream.range(0, 5)
                .mapToObj(i -> onNode0.next(ConnectResponse.FrameCase.DELIVERY).getDelivery().getServerId()).toList();
        assertThat(delivered).containsExactlyElementsOf(sent);
        onNode0.ack(delivered.get(0), delivered.get(1));
        onNode0.sync(); // the pong comes once the acks are settled

        RawStream onNode2 = new RawStream(channelTo(nodes.get(2)), mover.authToken());
        List<Long> redelivered = onNode2.drain().stream().map(f -> f.getDelivery().getServerId()).toList();
        assertThat(redelivered).containsExactlyElementsOf(delivered.subList(2, 5));
        assertThat(onNode0.awaitClosed().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        onNode2.close();
    }

    /** SIGTERM: streams end with "reconnect now", devices carry on elsewhere; nothing lost, nothing shown twice. */
    @Test
    @Order(4)
    void aNodeStoppedWithSigtermHandsItsDevicesToTheOthers() throws Exception {
        Device mobile = register(track(NodeChannels.forNodes(cluster.grpcAddresses()).usePlaintext().build()))
                .online();
        NodeProcess draining = nodes.stream().filter(n -> memberId(n).equals(memberOf(mobile.credentials())))
                .findFirst().orElseThrow();
        String drainingId = memberId(draining);
        NodeProcess stays = nodes.stream().filter(n -> n != draining).findFirst().orElseThrow();
        Device peer = register(channelTo(stays)).online();
        Credentials watcher = registeredOffline();
        RawStream watched = new RawStream(channelTo(draining), watcher.authToken());
        watched.drain();

        int count = 150;
        CompletableFuture<List<SentMessage>> fromMobile = CompletableFuture.supplyAsync(() -> IntStream.range(0, count)
                .mapToObj(i -> mobile.client.send(peer.account(), text("up " + i)).block(WAIT)).toList());
        CompletableFuture<List<SentMessage>> toMobile = CompletableFuture.supplyAsync(() -> IntStream.range(0, count)
                .mapToObj(i -> peer.client.send(mobile.account(), text("down " + i)).block(WAIT)).toList());
        mobile.awaitMessages(5); // traffic is flowing both ways through the node about to stop
        draining.stop();

        assertThat(draining.log()).contains("Drained ").contains("then left the cluster");
        Status status = watched.awaitClosed();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(watched.trailers().get(RECONNECT)).isEqualTo("now");
        assertThat(fromMobile.get().stream().map(SentMessage::serverId).distinct()).hasSize(count);
        assertThat(toMobile.get().stream().map(SentMessage::serverId).distinct()).hasSize(count);
        assertThat(peer.texts(count)).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, count).mapToObj(i -> "up " + i).toList());
        assertThat(mobile.texts(count)).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, count).mapToObj(i -> "down " + i).toList());
        assertThat(mobile.events).contains(ConnectionEvent.DISCONNECTED).doesNotContain(ConnectionEvent.STOPPED);
        await().atMost(WAIT).until(() -> !memberOf(mobile.credentials()).isEmpty()
                && !memberOf(mobile.credentials()).equals(drainingId));
        nodes.remove(draining);
    }

    /** SIGKILL: the other members remove the dead node's presence; what was sent meanwhile waits in the inbox. */
    @Test
    @Order(5)
    void aKilledNodesPresenceIsRemovedAndNothingSentToItsDevicesIsLost() {
        NodeProcess victim = nodes.get(0);
        NodeProcess survivor = nodes.get(1);
        String victimId = memberId(victim);
        Credentials device = registeredOffline();
        RawStream stream = new RawStream(channelTo(victim), device.authToken());
        stream.drain();
        await().atMost(WAIT).until(() -> memberOf(device).equals(victimId));

        victim.kill();
        await().atMost(WAIT).until(() -> presence.values().stream().noneMatch(p -> p.memberId().equals(victimId)));
        assertThat(stream.awaitClosed().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        Device sender = register(channelTo(survivor)).online();
        long id = sender.client.send(device.accountId(), text("while you were away")).block(WAIT)
                .serverId();
        RawStream back = new RawStream(channelTo(survivor), device.authToken());
        assertThat(back.drain()).extracting(f -> f.getDelivery().getServerId()).containsExactly(id);
        back.close();
        nodes.remove(victim);
    }

    // --- helpers ---

    /** A registered device with its client's incoming messages, ticks and connection events in queues. */
    private static final class Device implements AutoCloseable {
        final CourierClient client;
        final BlockingQueue<IncomingMessage> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<Tick> ticks = new LinkedBlockingQueue<>();
        final List<ConnectionEvent> events = new CopyOnWriteArrayList<>();

        Device(CourierClient client) {
            this.client = client;
            client.incoming().subscribe(messages::add);
            client.ticks().filter(t -> t.state() != Tick.State.SENT).subscribe(ticks::add);
            client.events().subscribe(events::add);
        }

        Device online() {
            client.connect();
            await().atMost(WAIT).until(() -> events.contains(ConnectionEvent.DRAINED));
            return this;
        }

        UUID account() {
            return client.credentials().accountId();
        }

        Credentials credentials() {
            return client.credentials();
        }

        void awaitMessages(int n) {
            await().atMost(WAIT).until(() -> messages.size() >= n);
        }

        /** Exactly {@code n} messages' texts: waits for them, then checks no further (duplicate) one follows a sync. */
        List<String> texts(int n) {
            List<String> texts = take(messages, n).stream().map(m -> text(m)).toList();
            assertThat(messages).as("messages shown to the app beyond the %d sent", n).isEmpty();
            return texts;
        }

        List<Tick> ticksUntil(int n) {
            return take(ticks, n);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static <T> List<T> take(BlockingQueue<T> queue, int n) {
        List<T> taken = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            queue.drainTo(taken, n - taken.size());
            return taken.size() == n;
        });
        return taken;
    }

    private static Device register(ManagedChannel channel) {
        Device device = new Device(cluster.register(channel));
        devices.add(device);
        return device;
    }

    /** Registered with keys uploaded, its client closed: tests drive its stream frame by frame. */
    private static Credentials registeredOffline() {
        Device device = register(channelTo(nodes.get(0)));
        Credentials credentials = device.credentials();
        device.close();
        return credentials;
    }

    private static ManagedChannel channelTo(NodeProcess node) {
        return track(ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build());
    }

    private static ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    /** The Hazelcast member id of the node, as presence entries name it. */
    private static String memberId(NodeProcess node) {
        return observer.getCluster().getMembers().stream()
                .filter(m -> m.getAddress().getPort() == node.hazelcastPort()).findFirst()
                .map(m -> m.getUuid().toString()).orElse("(gone)");
    }

    /** The member holding the device's stream, or "" when it has no presence. */
    private static String memberOf(Credentials device) {
        Presence p = presence.get(new DeviceAddress(device.accountId(), device.deviceId()).key());
        return p == null ? "" : p.memberId();
    }

    private static HazelcastInstance liteMember(String clusterName, List<String> members) {
        Config config = new Config().setClusterName(clusterName).setLiteMember(true);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        config.getNetworkConfig().setPort(FreePorts.pick()).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(members);
        // It reads presence entries: the nodes' wire forms of the cluster's types. It names the nodes' forms, so a
        // node restarted while it is here joins.
        GridTypes.cluster().serializers().forEach(config.getSerializationConfig()::addSerializerConfig);
        config.getMemberAttributeConfig().setAttribute(HazelcastMembers.WIRE_FORM, GridTypes.wireForm(
                GridTypes.withCluster(SecondMember.NODE_TYPES)));
        return Hazelcast.newHazelcastInstance(config);
    }
}
