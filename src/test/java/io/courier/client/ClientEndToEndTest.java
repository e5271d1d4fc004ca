package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.datastax.oss.driver.api.core.CqlSession;

import io.courier.store.CqlConfig;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** The Java SDK against a real node: real libsignal sessions end to end, ticks, devices, restarts. */
@QuarkusTest
class ClientEndToEndTest extends ServerTest {
    @Inject
    CqlSession session;

    @Inject
    CqlConfig cqlConfig;

    private ClientHarness registered(ClientStore store) {
        return ClientHarness.registered(channel, store, randomPhoneNumber(), verificationCodes);
    }

    private ClientHarness registered() {
        return registered(ClientStore.inMemory());
    }

    private ClientHarness linkedTo(ClientHarness primary, String name) {
        return new ClientHarness(ClientHarness.linkedTo(channel, primary.client, name));
    }

    private static UUID account(ClientHarness h) {
        return h.client.credentials().accountId();
    }

    @Test
    void aMessageIsDecryptedByTheRecipientAndTicksSentDeliveredRead() {
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered().online()) {
            SentMessage sent = alice.client.send(account(bob), text("hello bob")).block();

            IncomingMessage received = bob.nextMessage();
            assertThat(text(received)).isEqualTo("hello bob");
            assertThat(received.serverId()).isEqualTo(sent.serverId());
            assertThat(received.sender()).isEqualTo(account(alice));
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.SENT));
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.DELIVERED));

            bob.client.markRead(received);
            assertThat(alice.nextTick()).isEqualTo(new Tick(sent.serverId(), account(bob), Tick.State.READ));

            bob.client.send(account(alice), text("hi alice")).block();
            assertThat(text(alice.nextMessage())).isEqualTo("hi alice");
        }
    }

    @Test
    void aSendKeepsItsMessageInTheStateStorageOffTheCallersThread() {
        Set<Thread> savers = ConcurrentHashMap.newKeySet();
        InMemoryStorage memory = new InMemoryStorage();
        StateStorage watched = new StateStorage() {
            @Override
            public SortedMap<String, byte[]> load() {
                return memory.load();
            }

            @Override
            public void save(SortedMap<String, byte[]> snapshot) {
                savers.add(Thread.currentThread());
                memory.save(snapshot);
            }
        };
        try (ClientHarness alice = registered(new ClientStore(watched)).online(); ClientHarness bob = registered()) {
            savers.clear();
            alice.client.send(account(bob), text("kept elsewhere")).block();

            assertThat(savers).as("the send was kept (and forgotten on its ack)").isNotEmpty()
                    .doesNotContain(Thread.currentThread());
        }
    }

    @Test
    void anOfflineRecipientDecryptsEverythingInOrderOnConnect() {
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered()) {
            for (int i = 0; i < 5; i++) {
                alice.client.send(account(bob), text("message " + i)).block();
            }

            bob.online();

            List<String> received = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                received.add(text(bob.nextMessage()));
            }
            assertThat(received).containsExactly("message 0", "message 1", "message 2", "message 3", "message 4");
        }
    }

    @Test
    void everyDeviceOfBothAccountsGetsItsCopyIncludingDevicesLinkedMidConversation() {
        try (ClientHarness alicePhone = registered().online(); ClientHarness bobPhone = registered().online()) {
            try (ClientHarness aliceLaptop = linkedTo(alicePhone, "laptop").online();
                    ClientHarness bobTablet = linkedTo(bobPhone, "tablet").online()) {
                alicePhone.client.send(account(bobPhone), text("to all of bob")).block();

                assertThat(text(bobPhone.nextMessage())).isEqualTo("to all of bob");
                assertThat(text(bobTablet.nextMessage())).isEqualTo("to all of bob");
                IncomingMessage copy = aliceLaptop.nextMessage();
                assertThat(text(copy)).isEqualTo("to all of bob");
                assertThat(copy.syncRecipient()).contains(account(bobPhone));

                try (ClientHarness bobDesktop = linkedTo(bobPhone, "desktop").online()) {
                    alicePhone.client.send(account(bobPhone), text("after desktop joined")).block();
                    assertThat(text(bobDesktop.nextMessage())).isEqualTo("after desktop joined");
                    assertThat(text(bobPhone.nextMessage())).isEqualTo("after desktop joined");
                    assertThat(text(bobTablet.nextMessage())).isEqualTo("after desktop joined");
                    assertThat(text(aliceLaptop.nextMessage())).isEqualTo("after desktop joined");
                }
            }
        }
    }

    @Test
    void theAppOfEveryOtherDeviceHearsOfANewlyLinkedDeviceAndCanRevokeIt() {
        try (ClientHarness phone = registered().online();
                ClientHarness laptop = linkedTo(phone, "laptop").online()) {
            LinkedDeviceNotice laptopLinked = phone.nextLinkedDevice();
            assertThat(laptopLinked.deviceName()).isEqualTo("laptop");
            assertThat(laptopLinked.deviceId()).isEqualTo(laptop.client.credentials().deviceId());

            try (ClientHarness stranger = linkedTo(phone, "not mine").online()) {
                LinkedDeviceNotice strangerLinked = phone.nextLinkedDevice();
                assertThat(strangerLinked.deviceName()).isEqualTo("not mine");
                assertThat(laptop.nextLinkedDevice()).isEqualTo(strangerLinked);
                // Watched for a while, not looked at once: a late notice would be caught.
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(stranger.linkedDevices).as("the new device is not told of itself").isEmpty());

                phone.client.revokeDevice(strangerLinked.deviceId()).block();
                stranger.awaitEvent(ConnectionEvent.STOPPED);
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(laptop.linkedDevices).as("a revocation is no link notice").isEmpty());
        }
    }

    @Test
    void aClientRestartedFromItsFileStoreKeepsItsSessions() {
        Path stateFile = Path.of("target", "client-state", UUID.randomUUID() + ".state");
        try (ClientHarness bob = registered().online()) {
            UUID aliceAccount;
            try (ClientHarness alice = registered(ClientStore.file(stateFile)).online()) {
                aliceAccount = account(alice);
                alice.client.send(account(bob), text("before restart")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("before restart");
                bob.client.send(aliceAccount, text("reply before restart")).block();
                assertThat(text(alice.nextMessage())).isEqualTo("reply before restart");
            }

            try (ClientHarness restarted = new ClientHarness(
                    CourierClient.create(channel, ClientStore.file(stateFile))).online()) {
                assertThat(account(restarted)).isEqualTo(aliceAccount);
                restarted.client.send(account(bob), text("after restart")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("after restart");
                bob.client.send(aliceAccount, text("reply after restart")).block();
                assertThat(text(restarted.nextMessage())).isEqualTo("reply after restart");
            }
        }
    }

    @Test
    void aReinstalledRecipientIsReachedOnceTheStaleSessionIsReplaced() {
        String bobPhone = randomPhoneNumber();
        try (ClientHarness alice = registered().online()) {
            try (ClientHarness bob = ClientHarness.registered(channel, ClientStore.inMemory(), bobPhone,
                    verificationCodes).online()) {
                alice.client.send(account(bob), text("to the old install")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("to the old install");
            }

            // Bob reinstalls: same number, account and device id, but a new identity and registration id. Alice's
            // session is stale; the server says so, and her client fetches the new bundle and re-encrypts.
            try (ClientHarness bob = ClientHarness.registered(channel, ClientStore.inMemory(), bobPhone,
                    verificationCodes).online()) {
                alice.client.send(account(bob), text("after the reinstall")).block();
                assertThat(text(bob.nextMessage())).isEqualTo("after the reinstall");
            }
        }
    }

    @Test
    void oneTimePreKeysAreRefilledOnlyWhenTheyRunLow() {
        try (ClientHarness bob = registered(); ClientHarness fetcher = registered()) {
            assertThat(bob.client.refillPreKeys(20).block()).as("50 left: nothing to do").isFalse();
            var keys = withToken(io.courier.api.v1.KeyServiceGrpc.newBlockingStub(channel),
                    fetcher.client.credentials().authToken());
            for (int i = 0; i < 35; i++) {
                keys.getPreKeyBundle(io.courier.api.v1.GetPreKeyBundleRequest.newBuilder()
                        .setAccountId(WireIds.bytes(account(bob))).setDeviceId(1).build());
            }

            assertThat(bob.client.refillPreKeys(20).block()).as("15 left").isTrue();

            var counts = withToken(io.courier.api.v1.KeyServiceGrpc.newBlockingStub(channel),
                    bob.client.credentials().authToken())
                    .getPreKeyCount(io.courier.api.v1.GetPreKeyCountRequest.getDefaultInstance());
            assertThat(counts.getOneTimePreKeyCount()).isEqualTo(50);
            assertThat(counts.getKyberPreKeyCount()).isEqualTo(50);
        }
    }

    @Test
    void theServersTablesHoldNoPlaintext() {
        String secret = "the eagle lands at midnight " + UUID.randomUUID();
        try (ClientHarness alice = registered().online(); ClientHarness bob = registered()) {
            alice.client.send(account(bob), text(secret)).block();
            bob.online();
            assertThat(text(bob.nextMessage())).isEqualTo(secret);
            alice.client.send(account(bob), text(secret)).block(); // and one left un-acked in the inbox
            assertThat(text(bob.nextMessage())).isEqualTo(secret);
        }

        byte[] needle = text(secret);
        var values = StoredValues.all(session, cqlConfig.keyspace());
        for (StoredValues.Value value : values) {
            assertThat(value.contains(needle)).as("plaintext in " + value.table()).isFalse();
        }
        long blobsRead = values.stream().filter(StoredValues.Value::blob).count();
        assertThat(blobsRead).as("ciphertexts were read").isPositive();
    }
}
