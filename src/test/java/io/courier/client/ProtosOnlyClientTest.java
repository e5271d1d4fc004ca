package io.courier.client;

import static io.courier.support.TextMessages.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.fingerprint.Fingerprint;
import org.signal.libsignal.protocol.fingerprint.NumericFingerprintGenerator;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SenderKeyDistributionMessage;
import org.signal.libsignal.protocol.message.SignalMessage;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.CreateLinkCodeRequest;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.ProvisionMessage;
import io.courier.api.v1.ReceiptState;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The point of content.proto: a client written from api/ alone — generated classes, libsignal and the padding rule
 * as the proto states it, none of the SDK's code — and the Java SDK understand each other, and a newer client's
 * additions (an unknown kind of content, an unknown field) cost the SDK nothing; provisioning a linked device and
 * safety numbers follow the protos and README alone too.
 */
@QuarkusTest
class ProtosOnlyClientTest extends ServerTest {
    private static final int BUCKET = 160;

    /** pad() as content.proto states it: 0x80, then zeros up to a multiple of 160 (not the SDK's Padding). */
    private static byte[] pad(byte[] content) {
        byte[] padded = Arrays.copyOf(content, (content.length / BUCKET + 1) * BUCKET);
        padded[content.length] = (byte) 0x80;
        return padded;
    }

    /** unpad() as content.proto states it. */
    private static byte[] unpad(byte[] padded) {
        int end = padded.length - 1;
        while (padded[end] == 0) {
            end--;
        }
        assertThat(padded[end]).as("the padding marker").isEqualTo((byte) 0x80);
        return Arrays.copyOf(padded, end);
    }

    /** What a protos-only client reads from a decrypted envelope: the padding checked, then one Content. */
    private static io.courier.api.v1.Content open(byte[] plaintext) throws Exception {
        assertThat(plaintext.length % BUCKET).as("padded to a whole bucket").isZero();
        return io.courier.api.v1.Content.parseFrom(unpad(plaintext));
    }

    @Test
    void aClientBuiltFromTheProtosAloneAndTheSdkExchangePaddedContent() throws Exception {
        Participant bob = participant(); // raw gRPC, libsignal keys of its own
        try (RawStream bobStream = connect(bob);
                ClientHarness alice = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                        verificationCodes).online()) {
            bobStream.drain();
            UUID aliceId = alice.client.credentials().accountId();

            // SDK → protos: a PreKeySignalMessage whose plaintext is a padded Content holding a DataMessage.
            alice.client.send(WireIds.uuid(bob.accountId()), text("hello from the SDK")).block();
            Delivery hello = bobStream.next(ConnectResponse.FrameCase.DELIVERY).getDelivery();
            assertThat(hello.getType()).isEqualTo(EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE);
            SignalProtocolAddress aliceDevice = new SignalProtocolAddress(aliceId.toString(),
                    hello.getSenderDeviceId());
            io.courier.api.v1.Content content = open(new SessionCipher(bob.signal().store(), aliceDevice)
                    .decrypt(new PreKeySignalMessage(hello.getCiphertext().toByteArray())));
            assertThat(content.getDataMessage().getText()).isEqualTo("hello from the SDK");
            assertThat(content.getDataMessage().getSentAtMs()).as("named by its sent time").isPositive();
            bobStream.ack(hello.getServerId());

            // protos → SDK: a kind of content from a newer client, a Content its author forgot to pad, then a text
            // with a field from a newer client. Only the text reaches the app; all three are acked.
            io.courier.api.v1.Content newerKind = io.courier.api.v1.Content.newBuilder()
                    .setUnknownFields(newerField(40, "a kind of content from tomorrow")).build();
            io.courier.api.v1.Content unpadded = io.courier.api.v1.Content.newBuilder()
                    .setDataMessage(DataMessage.newBuilder().setText("forgot to pad")).build();
            io.courier.api.v1.Content reply = io.courier.api.v1.Content.newBuilder().setDataMessage(DataMessage
                    .newBuilder().setText("hi from the protos").setSentAtMs(System.currentTimeMillis())
                    .setUnknownFields(newerField(99, "a field from tomorrow"))).build();
            send(bob, bobStream, 1, aliceId, aliceDevice, pad(newerKind.toByteArray()));
            send(bob, bobStream, 2, aliceId, aliceDevice, unpadded.toByteArray());
            send(bob, bobStream, 3, aliceId, aliceDevice, pad(reply.toByteArray()));

            IncomingMessage received = alice.nextMessage();
            assertThat(text(received)).isEqualTo("hi from the protos");
            assertThat(DataMessage.parseFrom(received.plaintext()).getUnknownFields().hasField(99))
                    .as("the newer field is handed to the app").isTrue();

            Map<Long, Long> serverIds = new HashMap<>(); // client id → server id
            Set<Long> delivered = new HashSet<>();
            while (serverIds.size() < 3 || !delivered.containsAll(serverIds.values())) {
                ConnectResponse frame = bobStream.next();
                if (frame.hasSendAck()) {
                    serverIds.put(frame.getSendAck().getClientMessageId(), frame.getSendAck().getServerId());
                } else {
                    assertThat(frame.getFrameCase()).as("frame: " + frame).isEqualTo(ConnectResponse.FrameCase.RECEIPT);
                    if (frame.getReceipt().getState() == ReceiptState.RECEIPT_STATE_DELIVERED) {
                        delivered.add(frame.getReceipt().getMessageServerId());
                    }
                    bobStream.ack(frame.getReceipt().getServerId());
                }
            }
            assertThat(received.serverId()).isEqualTo(serverIds.get(3L));
            assertThat(alice.messages).as("neither the unknown kind nor the unpadded one reached the app").isEmpty();
        }
    }

    @Test
    void aClientBuiltFromTheProtosAloneQuotesReactsEditsDeletesAndSetsATimerForTheSdk() throws Exception {
        Participant bob = participant();
        try (RawStream bobStream = connect(bob);
                ClientHarness alice = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                        verificationCodes).online()) {
            bobStream.drain();
            UUID aliceId = alice.client.credentials().accountId();
            UUID bobId = WireIds.uuid(bob.accountId());
            alice.client.send(bobId, text("hello from the SDK")).block();
            Delivery hello = bobStream.next(ConnectResponse.FrameCase.DELIVERY).getDelivery();
            SignalProtocolAddress aliceDevice = new SignalProtocolAddress(aliceId.toString(),
                    hello.getSenderDeviceId());
            DataMessage greeting = open(new SessionCipher(bob.signal().store(), aliceDevice)
                    .decrypt(new PreKeySignalMessage(hello.getCiphertext().toByteArray()))).getDataMessage();
            bobStream.ack(hello.getServerId());
            io.courier.api.v1.MessageRef alicesMessage = io.courier.api.v1.MessageRef.newBuilder()
                    .setAuthorAccountId(WireIds.bytes(aliceId)).setSentAtMs(greeting.getSentAtMs()).build();
            long replyAt = System.currentTimeMillis();
            io.courier.api.v1.MessageRef bobsReply = io.courier.api.v1.MessageRef.newBuilder()
                    .setAuthorAccountId(bob.accountId()).setSentAtMs(replyAt).build();

            // Each as README's contract says: a padded Content holding one DataMessage, named by its sent_at_ms.
            send(bob, bobStream, 1, aliceId, aliceDevice, data(DataMessage.newBuilder().setText("a quoted reply")
                    .setSentAtMs(replyAt).setQuote(io.courier.api.v1.Quote.newBuilder().setTarget(alicesMessage)
                            .setText("hello from the SDK"))));
            send(bob, bobStream, 2, aliceId, aliceDevice, data(DataMessage.newBuilder().setSentAtMs(replyAt + 1)
                    .setReaction(io.courier.api.v1.Reaction.newBuilder().setTarget(alicesMessage).setEmoji("👍"))));
            send(bob, bobStream, 3, aliceId, aliceDevice, data(DataMessage.newBuilder().setSentAtMs(replyAt + 2)
                    .setEdit(io.courier.api.v1.Edit.newBuilder().setTarget(bobsReply).setText("an edited reply"))));
            send(bob, bobStream, 4, aliceId, aliceDevice, data(DataMessage.newBuilder().setSentAtMs(replyAt + 3)
                    .setDelete(io.courier.api.v1.Delete.newBuilder().setTarget(bobsReply))));
            send(bob, bobStream, 5, aliceId, aliceDevice, data(DataMessage.newBuilder().setSentAtMs(replyAt + 4)
                    .setExpireTimerSeconds(30)));

            DataMessage reply = DataMessage.parseFrom(alice.nextMessage().plaintext());
            assertThat(reply.getText()).isEqualTo("a quoted reply");
            assertThat(reply.getQuote().getTarget()).isEqualTo(alicesMessage);
            MessageRef onAlices = new MessageRef(aliceId, greeting.getSentAtMs());
            MessageRef onBobs = new MessageRef(bobId, replyAt);
            assertThat(alice.nextAction()).isEqualTo(new MessageAction.Reacted(onAlices, bobId, Optional.of("👍")));
            assertThat(alice.nextAction()).isInstanceOfSatisfying(MessageAction.Edited.class, edited -> {
                assertThat(edited.target()).isEqualTo(onBobs);
                assertThat(edited.text()).isEqualTo("an edited reply");
            });
            assertThat(alice.nextAction()).isEqualTo(new MessageAction.Deleted(onBobs));
            assertThat(alice.nextAction()).isEqualTo(new MessageAction.TimerChanged(bobId, bobId,
                    Duration.ofSeconds(30)));
            assertThat(alice.client.disappearingTimer(bobId)).isEqualTo(Duration.ofSeconds(30));

            // And back: the SDK's next message disappears on the chat's new timer.
            alice.client.send(bobId, text("gone in 30 s")).block();
            Delivery disappearing = nextDelivery(bobStream);
            SessionCipher fromAlice = new SessionCipher(bob.signal().store(), aliceDevice);
            byte[] ciphertext = disappearing.getCiphertext().toByteArray();
            DataMessage gone = open(disappearing.getType() == EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE
                    ? fromAlice.decrypt(new PreKeySignalMessage(ciphertext))
                    : fromAlice.decrypt(new SignalMessage(ciphertext))).getDataMessage();
            assertThat(gone.getText()).isEqualTo("gone in 30 s");
            assertThat(gone.getExpireTimerSeconds()).isEqualTo(30);
        }
    }

    /** The next delivery; the SendAcks and receipts of the raw client's own sends in between are acked. */
    private static Delivery nextDelivery(RawStream stream) {
        for (ConnectResponse frame = stream.next(); ; frame = stream.next()) {
            if (frame.hasDelivery()) {
                return frame.getDelivery();
            }
            if (frame.hasReceipt()) {
                stream.ack(frame.getReceipt().getServerId());
            }
        }
    }

    private static byte[] data(DataMessage.Builder message) {
        return pad(io.courier.api.v1.Content.newBuilder().setDataMessage(message).build().toByteArray());
    }

    @Test
    void aClientBuiltFromTheProtosAloneReadsTheSdksGroupMessages() throws Exception {
        Participant bob = participant();
        try (RawStream bobStream = connect(bob);
                ClientHarness alice = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                        verificationCodes).online()) {
            bobStream.drain();
            UUID group = CourierClient.groupId(alice.client.createGroup(List.of(WireIds.uuid(bob.accountId())),
                    new byte[0]).block());
            alice.client.sendToGroup(group, text("hello, group")).block();

            // First alice's Sender Key, 1:1 in a padded Content; then the group message, padded under that key.
            String text = null;
            while (text == null) {
                ConnectResponse frame = bobStream.next();
                if (frame.hasGroupEvent()) {
                    bobStream.ack(frame.getGroupEvent().getServerId());
                    continue;
                }
                Delivery delivery = frame.getDelivery();
                SignalProtocolAddress aliceDevice = new SignalProtocolAddress(
                        WireIds.uuid(delivery.getSenderAccountId()).toString(), delivery.getSenderDeviceId());
                byte[] ciphertext = delivery.getCiphertext().toByteArray();
                if (delivery.getType() == EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE) {
                    assertThat(WireIds.uuid(delivery.getGroupId())).isEqualTo(group);
                    text = open(new GroupCipher(bob.signal().store(), aliceDevice).decrypt(ciphertext))
                            .getDataMessage().getText();
                } else {
                    assertThat(delivery.getType()).isEqualTo(EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE);
                    io.courier.api.v1.Content key = open(new SessionCipher(bob.signal().store(), aliceDevice)
                            .decrypt(new PreKeySignalMessage(ciphertext)));
                    new GroupSessionBuilder(bob.signal().store()).process(aliceDevice,
                            new SenderKeyDistributionMessage(key.getSenderKeyDistribution().toByteArray()));
                }
                bobStream.ack(delivery.getServerId());
            }
            assertThat(text).isEqualTo("hello, group");
        }
    }

    @Test
    void aClientBuiltFromTheProtosAloneLinksAnSdkDeviceAndComputesTheSameSafetyNumber() throws Exception {
        Participant bob = participant(); // the raw client is the primary; its identity is the account's
        try (ClientHarness alice = ClientHarness.registered(channel, ClientStore.inMemory(), randomPhoneNumber(),
                verificationCodes); CourierClient laptop = CourierClient.create(channel, ClientStore.inMemory())) {
            UUID aliceId = alice.client.credentials().accountId();
            IdentityKeyPair bobIdentity = bob.signal().identityKeyPair();

            // Provisioning as account.proto states it: a ProvisionMessage sealed to the new device's link key.
            ECPublicKey linkKey = new ECPublicKey(Base64.getUrlDecoder().decode(laptop.linkKey()));
            byte[] sealed = linkKey.seal(ProvisionMessage.newBuilder()
                    .setIdentityPublicKey(ByteString.copyFrom(bobIdentity.getPublicKey().serialize()))
                    .setIdentityPrivateKey(ByteString.copyFrom(bobIdentity.getPrivateKey().serialize())).build()
                    .toByteArray(), "Courier provisioning v1", new byte[0]);
            String code = accounts(bob.device()).createLinkCode(CreateLinkCodeRequest.newBuilder()
                    .setProvisioningMessage(ByteString.copyFrom(sealed)).build()).getLinkCode();
            int laptopId = laptop.link(code, "laptop").block().deviceId();
            assertThat(keys(bob.device()).getPreKeyBundle(GetPreKeyBundleRequest.newBuilder()
                            .setAccountId(bob.accountId()).setDeviceId(laptopId).build()).getBundles(0).getIdentityKey())
                    .as("the SDK device uploaded under the account's identity").isEqualTo(bob.signal().identityKey());

            // The safety number as README states it: 5200 iterations, version 2, 16-byte account ids.
            IdentityKey aliceIdentity = new IdentityKey(keys(bob.device()).getPreKeyBundle(GetPreKeyBundleRequest
                    .newBuilder().setAccountId(WireIds.bytes(aliceId)).build()).getBundles(0).getIdentityKey()
                    .toByteArray());
            Fingerprint raw = new NumericFingerprintGenerator(5200).createFor(2, bob.accountId().toByteArray(),
                    bobIdentity.getPublicKey(), WireIds.bytes(aliceId).toByteArray(), aliceIdentity);
            SafetyNumber sdk = alice.client.safetyNumber(WireIds.uuid(bob.accountId())).block();

            assertThat(sdk.digits()).isEqualTo(raw.getDisplayableFingerprint().getDisplayText());
            assertThat(sdk.matchesScanned(raw.getScannableFingerprint().getSerialized())).isTrue();
            assertThat(laptop.safetyNumber(aliceId).block().digits()).isEqualTo(sdk.digits());
        }
    }

    private static UnknownFieldSet newerField(int number, String value) {
        return UnknownFieldSet.newBuilder().addField(number, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8(value)).build()).build();
    }

    /** One 1:1 message to one device, encrypted over the session the raw client has with it. */
    private static void send(Participant from, RawStream stream, long clientMessageId, UUID to,
            SignalProtocolAddress device, byte[] plaintext) throws Exception {
        CiphertextMessage message = new SessionCipher(from.signal().store(), device).encrypt(plaintext);
        stream.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(clientMessageId).setRecipientAccountId(WireIds.bytes(to))
                .addEnvelopes(DeviceEnvelope.newBuilder().setDeviceId(device.getDeviceId())
                        .setRegistrationId(from.signal().store().loadSession(device).getRemoteRegistrationId())
                        .setType(message.getType() == CiphertextMessage.PREKEY_TYPE
                                ? EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE : EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE)
                        .setCiphertext(ByteString.copyFrom(message.serialize())))).build());
    }
}
