package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.PreKeyBundle;
import io.courier.api.v1.SyncMessage;
import io.courier.api.v1.UploadKeysRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import reactor.core.scheduler.Schedulers;

/**
 * Bob's inbox on its own, with real libsignal sessions and no server: Alice's client starts a session from Bob's
 * bundle as the key service would hand it out, and the test plays the stream, handing Bob the deliveries.
 */
class InboxTest {
    private static final UUID ALICE = UUID.randomUUID();
    private static final UUID BOB = UUID.randomUUID();

    /** Never connected: nothing here calls the server (Bob has a session with Alice before he answers her). */
    private final ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", 9).usePlaintext().build();
    private final ClientStore aliceStore = ClientStore.inMemory();
    private final ClientStore bobStore = ClientStore.inMemory();
    private final List<ConnectRequest> written = new CopyOnWriteArrayList<>();
    private final List<IncomingMessage> app = new CopyOnWriteArrayList<>();
    private final Acks acks = new Acks(written::add, Schedulers.parallel(), Duration.ofSeconds(10));
    private final Inbox inbox;

    InboxTest() {
        bobStore.saveCredentials(new Credentials(BOB, 1, "token"));
        Calls calls = new Calls(channel, () -> bobStore.credentials().orElseThrow());
        GroupState groupState = new GroupState(bobStore);
        Ticks ticks = new Ticks(groupState, acks, calls);
        Sessions sessions = new Sessions(bobStore, calls, () -> bobStore.credentials().orElseThrow());
        Outbox outbox = new Outbox(Schedulers.boundedElastic(), sessions, written::add, ticks::onSent);
        Groups groups = new Groups(calls, bobStore, groupState, sessions, outbox, acks,
                () -> bobStore.credentials().orElseThrow());
        inbox = new Inbox(bobStore, () -> bobStore.credentials().orElseThrow(), sessions, groups, outbox, ticks, acks,
                () -> { }, new Disappearing(bobStore, Schedulers.parallel(), System::currentTimeMillis),
                new Resends(sessions, outbox, () -> bobStore.credentials().orElseThrow(), System::currentTimeMillis));
    }

    @AfterEach
    void close() {
        inbox.close();
        channel.shutdownNow();
    }

    /** Alice starts a session from Bob's bundle (one-time EC key, last-resort Kyber key) and encrypts a text. */
    private byte[] fromAlice(String text) throws Exception {
        return fromAlice(io.courier.api.v1.Content.newBuilder()
                .setDataMessage(io.courier.api.v1.DataMessage.newBuilder().setText(text)).build());
    }

    private byte[] fromAlice(io.courier.api.v1.Content content) throws Exception {
        if (aliceStore.sessionDevices(BOB.toString()).isEmpty()) {
            UploadKeysRequest keys = new KeyMaterial(bobStore).fullUpload(1);
            PreKeyBundle bundle = PreKeyBundle.newBuilder().setDeviceId(1).setRegistrationId(keys.getRegistrationId())
                    .setIdentityKey(keys.getIdentityKey()).setSignedPreKey(keys.getSignedPreKey())
                    .setOneTimePreKey(keys.getOneTimePreKeys(0)).setKyberPreKey(keys.getKyberLastResortPreKey())
                    .setKyberLastResort(true).build();
            new SessionBuilder(aliceStore, SessionCrypto.address(BOB, 1)).process(Bundles.toLibsignal(bundle));
        }
        byte[] plaintext = Plaintext.seal(content);
        return new SessionCipher(aliceStore, SessionCrypto.address(BOB, 1)).encrypt(plaintext).serialize();
    }

    private static Delivery delivery(long serverId, long clientMessageId, EnvelopeType type, byte[] ciphertext) {
        return Delivery.newBuilder().setServerId(serverId).setSenderAccountId(WireIds.bytes(ALICE))
                .setSenderDeviceId(1).setClientMessageId(clientMessageId).setType(type)
                .setCiphertext(ByteString.copyFrom(ciphertext)).setServerTimestampMs(1_000).build();
    }

    private List<Long> acked() {
        return written.stream().filter(ConnectRequest::hasAck).flatMap(f -> f.getAck().getServerIdsList().stream())
                .toList();
    }

    private long sessionAcks() {
        return written.stream().filter(ConnectRequest::hasSend)
                .filter(f -> WireIds.uuid(f.getSend().getRecipientAccountId()).equals(ALICE)).count();
    }

    @Test
    void aMessageIsDecryptedOnceAndAckedOnlyOnceTheAppHasIt() throws Exception {
        byte[] hello = fromAlice("hello");
        inbox.onDelivery(delivery(11, 5, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, hello));
        inbox.onDelivery(delivery(11, 5, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, hello)); // redelivered meanwhile
        acks.flush(); // whatever was acked goes out now
        assertThat(acked()).as("nobody has taken it yet").isEmpty();
        assertThat(bobStore.unhandled()).extracting(UnhandledMessage::serverId).containsExactly(11L);

        inbox.incoming().subscribe(app::add);
        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().contains(11L));
        assertThat(app).singleElement().satisfies(message -> {
            assertThat(message.sender()).isEqualTo(ALICE);
            assertThat(Content.decode(message.plaintext())).isEqualTo(new Content.Text("hello"));
        });
        assertThat(bobStore.unhandled()).isEmpty();
        await().atMost(5, TimeUnit.SECONDS).until(() -> sessionAcks() == 1);

        inbox.onDelivery(delivery(11, 5, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, hello)); // after the app had it
        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().stream().filter(id -> id == 11L).count() == 2);
        assertThat(app).hasSize(1);
        assertThat(sessionAcks()).as("each session is answered once").isEqualTo(1);
    }

    @Test
    void aRetryStoredUnderAnotherServerIdIsAckedAndNotShownTwice() throws Exception {
        inbox.incoming().subscribe(app::add);
        inbox.onDelivery(delivery(21, 7, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, fromAlice("hello")));
        // Alice's retry is encrypted anew (a ciphertext Bob can decrypt) under the same client id.
        inbox.onDelivery(delivery(22, 7, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE, fromAlice("hello")));

        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().containsAll(List.of(21L, 22L)));
        assertThat(app).extracting(IncomingMessage::serverId).containsExactly(21L);
    }

    @Test
    void anUndecryptableMessageIsAckedAndDroppedForGood() {
        inbox.incoming().subscribe(app::add);
        inbox.onDelivery(delivery(31, 9, EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE, new byte[] {1, 2, 3}));

        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().contains(31L));
        assertThat(app).isEmpty();
        assertThat(bobStore.hasSeen(31, ClientStore.origin(ALICE, 1, 9))).isTrue();
    }

    private static io.courier.api.v1.Content data(long sentAtMs, Content body) throws Exception {
        return io.courier.api.v1.Content.newBuilder().setDataMessage(io.courier.api.v1.DataMessage
                .parseFrom(body.encode()).toBuilder().setSentAtMs(sentAtMs)).build();
    }

    @Test
    void aReactionIsReportedAsAnActionAndAckedWithoutReachingTheMessages() throws Exception {
        List<MessageAction> actions = new CopyOnWriteArrayList<>();
        inbox.incoming().subscribe(app::add);
        inbox.actions().subscribe(actions::add);
        MessageRef bobs = new MessageRef(BOB, 1_000);
        inbox.onDelivery(delivery(41, 11, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE,
                fromAlice(data(2_000, new Content.Reaction(bobs, "🎉", false)))));

        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().contains(41L));
        assertThat(actions).containsExactly(new MessageAction.Reacted(bobs, ALICE, Optional.of("🎉")));
        assertThat(app).isEmpty();
    }

    @Test
    void anEditOfSomeoneElsesMessageAndReadStateFromAnotherAccountAreAckedAndIgnored() throws Exception {
        List<MessageAction> actions = new CopyOnWriteArrayList<>();
        inbox.incoming().subscribe(app::add);
        inbox.actions().subscribe(actions::add);
        MessageRef bobs = new MessageRef(BOB, 1_000);
        inbox.onDelivery(delivery(51, 12, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE,
                fromAlice(data(2_000, new Content.Edit(bobs, "words in bob's mouth")))));
        inbox.onDelivery(delivery(52, 13, EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE,
                fromAlice(io.courier.api.v1.Content.newBuilder().setSyncMessage(SyncMessage.newBuilder()
                        .setRead(SyncMessage.Read.newBuilder().addMessages(bobs.toProto()))).build())));

        await().atMost(5, TimeUnit.SECONDS).until(() -> acked().containsAll(List.of(51L, 52L)));
        assertThat(actions).isEmpty();
        assertThat(app).isEmpty();
    }
}
