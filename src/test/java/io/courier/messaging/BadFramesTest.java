package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.Read;
import io.courier.support.RawStream;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/** Every refused frame gets a precise error on the stream, which stays open, and changes nothing. */
@QuarkusTest
class BadFramesTest extends ServerTest {

    private static FrameError error(RawStream stream, FrameErrorCode expected) {
        FrameError error = stream.next(FrameCase.ERROR).getError();
        assertThat(error.getCode()).as(error.getMessage()).isEqualTo(expected);
        assertThat(error.getMessage()).isNotBlank();
        return error;
    }

    /** The recipient's inbox holds nothing: its drain is empty. */
    private void assertInboxEmpty(Participant who) {
        try (RawStream stream = connect(who)) {
            assertThat(stream.drain()).isEmpty();
        }
    }

    @Test
    void malformedSendsAreRefusedAndStoreNothing() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();

            a.send(ConnectRequest.getDefaultInstance());
            error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.getDefaultInstance()).build());
            error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(1)
                    .setRecipientAccountId(bob.accountId())).build());
            assertThat(error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME).getMessage()).contains("envelopes");
            a.send(sendFrame(2, bob, new byte[0]));
            assertThat(error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME).getMessage()).contains("empty");
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(3)
                    .setRecipientAccountId(ByteString.copyFromUtf8("short"))
                    .addEnvelopes(envelope(bob, new byte[] { 1 }))).build());
            error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            a.send(sendFrame(4, alice, new byte[] { 1 }));
            assertThat(error(a, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME).getMessage()).contains("self_envelopes");
        }
        assertInboxEmpty(bob);
    }

    @Test
    void unknownRecipientsAndOversizedEnvelopesAreRefused() {
        Participant alice = participant();
        Participant bob = participant();
        RegisteredDevice keyless = registerNew();
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(5)
                    .setRecipientAccountId(keyless.accountId()).addEnvelopes(envelope(bob, new byte[] { 1 }))).build());
            FrameError unknown = error(a, FrameErrorCode.FRAME_ERROR_CODE_UNKNOWN_DESTINATION);
            assertThat(unknown.getClientMessageId()).isEqualTo(5);

            a.send(sendFrame(6, bob, new byte[98_305]));
            assertThat(error(a, FrameErrorCode.FRAME_ERROR_CODE_ENVELOPE_TOO_LARGE).getMessage()).contains("98304");

            a.send(sendFrame(7, bob, new byte[98_304]));
            assertThat(a.next(FrameCase.SEND_ACK).getSendAck().getClientMessageId())
                    .as("exactly at the limit is fine").isEqualTo(7);
        }
        try (RawStream b = connect(bob)) {
            assertThat(b.drain()).singleElement().satisfies(f -> assertThat(f.getDelivery().getClientMessageId())
                    .isEqualTo(7));
        }
    }

    @Test
    void acksAndReadsForSomeoneElsesMessagesAreRefusedAndChangeNothing() {
        Participant alice = participant();
        Participant bob = participant();
        Participant mallory = participant();
        long serverId;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(8, bob, new byte[] { 42 }));
            serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }

        try (RawStream m = connect(mallory)) {
            m.drain();
            m.ack(serverId);
            assertThat(error(m, FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU).getServerIdsList())
                    .containsExactly(serverId);
            m.send(ConnectRequest.newBuilder().setRead(Read.newBuilder().setSenderAccountId(alice.accountId())
                    .addServerIds(serverId)).build());
            error(m, FrameErrorCode.FRAME_ERROR_CODE_NOT_DELIVERED_TO_YOU);
            m.send(ConnectRequest.newBuilder().setRead(Read.newBuilder()
                    .setSenderAccountId(ByteString.copyFromUtf8("bad"))).build());
            error(m, FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
        }

        // Bob still has the message, and Alice got no receipt.
        try (RawStream b = connect(bob)) {
            assertThat(b.drain()).extracting(f -> f.getDelivery().getServerId()).containsExactly(serverId);
        }
        assertInboxEmpty(alice);
    }

    @Test
    void envelopesForTheWrongDevicesGetTheMismatchAndNothingIsStored() {
        Participant alice = participant();
        Participant bob = participant();
        Participant bobLaptop = withKeys(link(bob.device(), "laptop"));
        Participant aliceTablet = withKeys(link(alice.device(), "tablet"));
        try (RawStream a = connect(alice)) {
            a.drain();
            DeviceEnvelope stalePhone = envelope(bob, new byte[] { 1 }).toBuilder()
                    .setRegistrationId(bob.signal().registrationId() == 1 ? 2 : 1).build();
            DeviceEnvelope ghost = envelope(bob, new byte[] { 1 }).toBuilder().setDeviceId(9).build();
            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(11)
                    .setRecipientAccountId(bob.accountId()).addEnvelopes(stalePhone).addEnvelopes(ghost)).build());

            FrameError error = error(a, FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES);
            assertThat(error.getClientMessageId()).isEqualTo(11);
            List<MismatchedDevices> mismatches = error.getMismatchedDevicesList();
            assertThat(mismatches).hasSize(2);
            MismatchedDevices forBob = mismatches.get(0);
            assertThat(forBob.getAccountId()).isEqualTo(bob.accountId());
            assertThat(forBob.getMissingDeviceIdsList()).containsExactly(bobLaptop.deviceId());
            assertThat(forBob.getExtraDeviceIdsList()).containsExactly(9);
            assertThat(forBob.getStaleDeviceIdsList()).containsExactly(1);
            MismatchedDevices forAlice = mismatches.get(1);
            assertThat(forAlice.getAccountId()).isEqualTo(alice.accountId());
            assertThat(forAlice.getMissingDeviceIdsList()).containsExactly(aliceTablet.deviceId());

            a.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder().setClientMessageId(12)
                    .setRecipientAccountId(bob.accountId())
                    .addEnvelopes(envelope(bob, new byte[] { 1 })).addEnvelopes(envelope(bobLaptop, new byte[] { 2 }))
                    .addSelfEnvelopes(envelope(aliceTablet, new byte[] { 3 }))).build());
            assertThat(a.next(FrameCase.SEND_ACK).getSendAck().getClientMessageId()).isEqualTo(12);
        }

        for (Participant device : List.of(bob, bobLaptop, aliceTablet)) {
            try (RawStream stream = connect(device)) {
                // (bob also has the notice of his laptop's link)
                List<ConnectResponse> queued = stream.drain().stream().filter(ConnectResponse::hasDelivery).toList();
                assertThat(queued).as("only the corrected message arrives").singleElement()
                        .satisfies(f -> assertThat(f.getDelivery().getClientMessageId()).isEqualTo(12));
            }
        }
        try (RawStream tablet = connect(aliceTablet)) {
            assertThat(tablet.drain().get(0).getDelivery().getSyncRecipientAccountId()).isEqualTo(bob.accountId());
        }
    }
}
