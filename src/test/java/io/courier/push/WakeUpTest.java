package io.courier.push;

import static org.assertj.core.api.Assertions.assertThat;
import static io.courier.support.Statuses.assertStatus;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.PushPlatform;
import io.courier.api.v1.PushServiceGrpc;
import io.courier.api.v1.RevokeDeviceRequest;
import io.courier.api.v1.SetPushTokenRequest;
import io.courier.cluster.ClusterConfig;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.PresenceDirectory;
import io.courier.common.Ids;
import io.courier.support.MockApns;
import io.courier.support.PushServers;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.SecondMember;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;

/** Wake-ups end to end: the node, real Cassandra and Hazelcast, and local APNs / FCM servers. */
@QuarkusTest
class WakeUpTest extends ServerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    PushServers push;

    @Inject
    PushTokens tokens;

    @Inject
    PresenceDirectory presence;

    @Inject
    HazelcastInstance hazelcast;

    @Inject
    ClusterConfig cluster;

    @Inject
    MeterRegistry registry;

    @Inject
    PushConfig config;

    private double coalescedCount() {
        return skippedCount("coalesced");
    }

    private double skippedCount(String reason) {
        return registry.counter("courier.push.wakeups.skipped", "reason", reason).count();
    }

    @Test
    void aBackgroundedDeviceGetsOneWakeUpForABurstOfFiftyAndNoneWhileConnected() {
        Participant alice = participant();
        Participant bob = participant();
        String token = MockApns.randomToken();
        setToken(bob.device(), PushPlatform.PUSH_PLATFORM_APNS, token);
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAcked(a, bob, 50);

            await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(token).size() == 1);
            // Within the coalescing window (30 s) after that wake-up, another message wakes nothing.
            double coalesced = coalescedCount();
            sendAcked(a, bob, 1);
            await().atMost(PATIENCE).until(() -> coalescedCount() > coalesced);
            assertThat(push.apns().acceptedFor(token)).hasSize(1);

            try (RawStream b = connect(bob)) {
                receive(b, 51);
                sendAcked(a, bob, 5);
                // Stored, then routed live: the no-wake decision was made before each delivery was pushed.
                receive(b, 5);
                assertThat(push.apns().acceptedFor(token)).hasSize(1);
            }
            awaitOffline(bob);

            // Connecting cleared the coalescing window (30 s): the next message wakes the phone again at once.
            sendAcked(a, bob, 1);
            await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(token).size() == 2);
        }
    }

    @Test
    void oneSenderWakesAnAccountAtMostItsBudgetWhileOtherSendersAndOtherAccountsAreUnaffected() {
        Participant alice = participant();
        Participant carol = participant();
        Participant bob = participant();
        Participant dave = participant();
        String bobs = MockApns.randomToken();
        String daves = MockApns.randomToken();
        setToken(bob.device(), PushPlatform.PUSH_PLATFORM_APNS, bobs);
        setToken(dave.device(), PushPlatform.PUSH_PLATFORM_APNS, daves);
        int burst = config.wakesPerSenderBurst();
        Duration pastWindow = config.coalesceWindow().plusSeconds(1);
        try (RawStream a = connect(alice); RawStream c = connect(carol)) {
            a.drain();
            c.drain();
            for (int i = 1; i <= burst; i++) {
                sendAcked(a, bob, 1);
                int woken = i;
                await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(bobs).size() == woken);
                clock.advance(pastWindow); // no coalescing: each of alice's messages would wake bob
            }

            double refused = skippedCount("sender_budget");
            sendAcked(a, bob, 1);
            await().atMost(PATIENCE).until(() -> skippedCount("sender_budget") == refused + 1);
            assertThat(push.apns().acceptedFor(bobs)).as("alice's wake-ups of bob are spent").hasSize(burst);

            sendAcked(c, bob, 1);
            await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(bobs).size() == burst + 1);
            sendAcked(a, dave, 1);
            await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(daves).size() == 1);

            clock.advance(config.wakesPerSenderRefill().plus(pastWindow));
            sendAcked(a, bob, 1);
            await("one more a refill later").atMost(PATIENCE)
                    .until(() -> push.apns().acceptedFor(bobs).size() == burst + 2);
        }
    }

    @Test
    void fcmDevicesAreWokenToo() {
        Participant alice = participant();
        Participant bob = participant();
        String token = fcmToken();
        setToken(bob.device(), PushPlatform.PUSH_PLATFORM_FCM, token);
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAcked(a, bob, 3);
        }

        await().atMost(PATIENCE).until(() -> push.fcm().acceptedFor(token).size() == 1);
    }

    @Test
    void tokensTheServicesReportInvalidAreRemoved() {
        Participant alice = participant();
        Participant ios = participant();
        Participant android = participant();
        String apnsToken = MockApns.randomToken();
        String fcmToken = fcmToken();
        push.apns().unregister(apnsToken);
        push.fcm().unregister(fcmToken);
        setToken(ios.device(), PushPlatform.PUSH_PLATFORM_APNS, apnsToken);
        setToken(android.device(), PushPlatform.PUSH_PLATFORM_FCM, fcmToken);
        assertThat(tokenOf(ios)).isNotNull();
        try (RawStream a = connect(alice)) {
            a.drain();
            sendAcked(a, ios, 1);
            sendAcked(a, android, 1);
        }

        await().atMost(PATIENCE).until(() -> tokenOf(ios) == null && tokenOf(android) == null);
    }

    @Test
    void aRemovedDeviceLosesItsToken() {
        RegisteredDevice primary = registerNew();
        RegisteredDevice tablet = link(primary, "tablet");
        setToken(tablet, PushPlatform.PUSH_PLATFORM_APNS, MockApns.randomToken());
        DeviceAddress address = address(tablet);
        assertThat(tokens.find(address).block()).isNotNull();

        accounts(primary).revokeDevice(RevokeDeviceRequest.newBuilder().setDeviceId(tablet.deviceId()).build());

        assertThat(tokens.find(address).block()).isNull();
    }

    @Test
    void malformedTokensAreRefusedAndStoreNothing() {
        RegisteredDevice device = registerNew();

        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> setToken(device, PushPlatform.PUSH_PLATFORM_APNS, "not-hex")))
                .contains("APNs token is 64 to 200 hex digits");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> setToken(device, PushPlatform.PUSH_PLATFORM_FCM, "has spaces in it")))
                .contains("FCM token");
        assertThat(assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> setToken(device, PushPlatform.PUSH_PLATFORM_UNSPECIFIED, MockApns.randomToken())))
                .contains("platform must be");

        assertThat(tokens.find(address(device)).block()).isNull();
    }

    @Test
    void tokenChangesAreRateLimitedPerDevice() {
        RegisteredDevice device = registerNew();
        for (int i = 0; i < 10; i++) {
            setToken(device, PushPlatform.PUSH_PLATFORM_APNS, MockApns.randomToken());
        }

        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> setToken(device, PushPlatform.PUSH_PLATFORM_APNS, MockApns.randomToken())))
                .contains("push token changes");
    }

    @Test
    void aPendingWakeUpForADeviceThatConnectedMeanwhileIsDropped() {
        Participant bob = participant();
        String token = MockApns.randomToken();
        setToken(bob.device(), PushPlatform.PUSH_PLATFORM_APNS, token);
        IMap<String, WakeState> states = hazelcast.getMap(WakeUps.MAP);
        try (RawStream b = connect(bob)) {
            b.drain();
            String key = address(bob.device()).key();

            // As if a message had been stored just before the stream registered.
            states.set(key, new WakeState(System.currentTimeMillis() - 1000, 0));

            await().atMost(PATIENCE).until(() -> !states.containsKey(key));
            assertThat(push.apns().acceptedFor(token)).isEmpty();
        }
    }

    @Test
    void aWakeUpStrandedByADeadMemberIsSentByTheSurvivorsSweep() {
        HazelcastInstance other = SecondMember.join(hazelcast, cluster.name(), List.of());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hazelcast.getCluster().getMembers().size() == 2
                    && hazelcast.getPartitionService().isClusterSafe());
            // A device whose wake-up state lives on the other member, which has no scheduler: its timer is lost.
            Participant bob = participant();
            while (!hazelcast.getPartitionService().getPartition(address(bob.device()).key()).getOwner()
                    .equals(other.getCluster().getLocalMember())) {
                bob = participant();
            }
            String token = MockApns.randomToken();
            setToken(bob.device(), PushPlatform.PUSH_PLATFORM_APNS, token);
            other.<String, WakeState>getMap(WakeUps.MAP).set(address(bob.device()).key(),
                    new WakeState(System.currentTimeMillis(), 0));

            other.getLifecycleService().terminate();

            await().atMost(PATIENCE).until(() -> push.apns().acceptedFor(token).size() == 1);
        } finally {
            other.getLifecycleService().terminate();
        }
    }

    private void setToken(RegisteredDevice device, PushPlatform platform, String token) {
        withToken(PushServiceGrpc.newBlockingStub(channel), device.authToken())
                .setPushToken(SetPushTokenRequest.newBuilder().setPlatform(platform).setToken(token).build());
    }

    private PushToken tokenOf(Participant participant) {
        return tokens.find(address(participant.device())).block();
    }

    private static DeviceAddress address(RegisteredDevice device) {
        return new DeviceAddress(Ids.uuid(device.accountId(), "account"), device.deviceId());
    }

    private void awaitOffline(Participant participant) {
        await().atMost(PATIENCE).until(() -> presence.lookup(address(participant.device())).block() == null);
    }

    /** Sends {@code count} messages and waits for their SendAcks (other frames, like receipts, are passed over). */
    private static void sendAcked(RawStream sender, Participant to, int count) {
        for (int i = 0; i < count; i++) {
            sender.send(sendFrame(clientId(), to,
                    ("wake " + i).getBytes()));
        }
        int acked = 0;
        while (acked < count) {
            if (sender.next().getFrameCase() == FrameCase.SEND_ACK) {
                acked++;
            }
        }
    }

    /** Receives and acks {@code count} deliveries, through as many windows as it takes. */
    private static void receive(RawStream stream, int count) {
        int received = 0;
        while (received < count) {
            ConnectResponse frame = stream.next();
            if (frame.hasDelivery()) {
                stream.ack(frame.getDelivery().getServerId());
                received++;
            }
        }
    }

    private static String fcmToken() {
        return "fcm:" + UUID.randomUUID() + "_" + UUID.randomUUID();
    }
}
