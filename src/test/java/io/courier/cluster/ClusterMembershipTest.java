package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;

import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** A second real Hazelcast member joins the node's cluster: presence and the node bus work across members. */
@QuarkusTest
class ClusterMembershipTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig config;

    @Inject
    PresenceDirectory presence;

    @Inject
    NodeBus bus;

    @Test
    void presenceAndPushesCrossMembersAndADepartedMembersDevicesGoOffline() throws Exception {
        HazelcastInstance other = SecondMember.join(hazelcast, config.name(), List.of());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2);
            PresenceDirectory otherPresence = new PresenceDirectory(other);
            NodeBus otherBus = new NodeBus(other);
            BlockingQueue<BusMessage> received = new LinkedBlockingQueue<>();
            otherBus.subscribeLocal(received::add);
            DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 1);

            otherPresence.register(device, 42).block();

            Presence seenHere = presence.lookup(device).blockOptional().orElseThrow();
            assertThat(seenHere.memberId()).isEqualTo(otherPresence.localMemberId()).isNotEqualTo(presence.localMemberId());
            assertThat(seenHere.epoch()).isEqualTo(42);

            bus.publish(seenHere.memberId(), new BusMessage.Supersede(device, 42)).block();
            BusMessage message = received.poll(10, TimeUnit.SECONDS);
            assertThat(message).isEqualTo(new BusMessage.Supersede(device, 42));

            other.getLifecycleService().terminate(); // the node dies without unregistering anything

            await().atMost(Duration.ofSeconds(30)).until(() -> presence.lookup(device).blockOptional().isEmpty());
        } finally {
            other.shutdown();
        }
    }

    @Test
    void aLateDisconnectNeverRemovesANewerStream() {
        DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 2);
        presence.register(device, 1).block();
        presence.register(device, 2).block();

        presence.unregister(device, 1).block();

        assertThat(presence.lookup(device).blockOptional()).contains(new Presence(presence.localMemberId(), 2));
        presence.unregister(device, 2).block();
        assertThat(presence.lookup(device).blockOptional()).isEmpty();
    }

    @Test
    void anOlderEpochRegisteringLateLosesToTheNewerStream() {
        DeviceAddress device = new DeviceAddress(UUID.randomUUID(), 3);
        assertThat(presence.register(device, 20).block().won()).isTrue();

        var late = presence.register(device, 10).block();

        assertThat(late.won()).isFalse();
        assertThat(late.other()).isEqualTo(new Presence(presence.localMemberId(), 20));
        assertThat(presence.lookup(device).blockOptional()).contains(new Presence(presence.localMemberId(), 20));
    }
}
