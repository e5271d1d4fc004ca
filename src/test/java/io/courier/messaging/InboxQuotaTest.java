package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.OutgoingMessage;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A device's inbox holds at most the quota un-acked, and one sender at most its share of it: beyond the share that
 * sender is refused while others still get through, until the device drains.
 */
@QuarkusTest
class InboxQuotaTest extends ServerTest {
    private static final int QUOTA_BYTES = 4 * 1024 * 1024; // %test.courier.messaging.inbox-max-bytes
    private static final int ENVELOPE = 96 * 1024;

    @Inject
    MessagingConfig config;

    @Test
    void aSenderBeyondItsShareIsRefusedStoresNothingLeavesRoomForOthersAndSendsAgainOnceDrained() {
        Participant alice = participant();
        Participant carol = participant();
        Participant bob = participant();
        int fits = (int) (QUOTA_BYTES * config.inboxSenderShare()) / ENVELOPE;
        try (RawStream sender = connect(alice)) {
            sender.next(ConnectResponse.FrameCase.QUEUE_EMPTY);
            for (int i = 1; i <= fits; i++) {
                sender.send(sendFrame(i, bob, new byte[ENVELOPE]));
                assertThat(sender.next(ConnectResponse.FrameCase.SEND_ACK).getSendAck().getClientMessageId())
                        .isEqualTo(i);
            }
            sender.send(sendFrame(fits + 1, bob, new byte[ENVELOPE]));
            ConnectResponse refused = sender.next(ConnectResponse.FrameCase.ERROR);
            assertThat(refused.getError().getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RECIPIENT_INBOX_FULL);
            assertThat(refused.getError().getClientMessageId()).isEqualTo(fits + 1);
            assertThat(refused.getError().getMessage()).contains("too many of your messages");

            try (RawStream other = connect(carol)) {
                other.next(ConnectResponse.FrameCase.QUEUE_EMPTY);
                other.send(sendFrame(1, bob, new byte[ENVELOPE]));
                assertThat(other.next(ConnectResponse.FrameCase.SEND_ACK).getSendAck().getClientMessageId())
                        .as("another sender still reaches bob").isEqualTo(1);
            }

            try (RawStream receiver = connect(bob)) {
                List<ConnectResponse> queued = drainAcking(receiver);
                assertThat(queued).hasSize(fits + 1); // alice's refused message was never stored
            }
            sender.send(sendFrame(fits + 2, bob, new byte[ENVELOPE]));
            ConnectResponse answer = sender.next();
            while (answer.hasReceipt()) { // bob's DELIVERED ticks come in meanwhile
                answer = sender.next();
            }
            assertThat(answer.getSendAck().getClientMessageId()).as("answer: " + answer).isEqualTo(fits + 2);
        }
    }
    /**
     * Issue 21, "Why" 5: a device that never connects fills up, and then just gets no copies; the account stays
     * reachable through its other devices. (The phone's copies are small and acked: only the laptop fills.)
     */
    @Test
    void aDeviceThatNeverConnectsFillsUpAndGetsNoCopiesWhileItsAccountStaysReachable() {
        Participant bobPhone = participant();
        Participant bobLaptop = withKeys(link(bobPhone.device(), "laptop"));
        int perSender = (int) (QUOTA_BYTES * config.inboxSenderShare()) / ENVELOPE;
        int fillsTheLaptop = QUOTA_BYTES / ENVELOPE;
        try (RawStream phone = connect(bobPhone)) {
            phone.drain().forEach(f -> phone.ack(f.getAccountEvent().getServerId())); // the laptop's link notice
            int sent = 0;
            while (sent <= fillsTheLaptop) {
                try (RawStream sender = connect(participant())) {
                    sender.next(ConnectResponse.FrameCase.QUEUE_EMPTY);
                    for (int i = 1; i <= perSender && sent <= fillsTheLaptop; i++, sent++) {
                        sender.send(ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                                .setClientMessageId(i).setRecipientAccountId(bobPhone.accountId())
                                .addEnvelopes(envelope(bobPhone, new byte[16])) // the phone never fills up
                                .addEnvelopes(envelope(bobLaptop, new byte[ENVELOPE]))).build());
                        ConnectResponse answer = sender.next();
                        while (answer.hasReceipt()) { // the phone's DELIVERED ticks of earlier messages
                            answer = sender.next();
                        }
                        assertThat(answer.getSendAck().getClientMessageId())
                                .as("message %d: the phone has room, so the send is accepted: %s", sent + 1, answer)
                                .isEqualTo(i);
                        phone.ack(phone.next(ConnectResponse.FrameCase.DELIVERY).getDelivery().getServerId());
                    }
                }
            }
            phone.sync();
        }
        try (RawStream laptop = connect(bobLaptop)) {
            assertThat(drainAcking(laptop)).as("the laptop kept what fitted; the last message found no room")
                    .hasSize(fillsTheLaptop);
        }
    }

    /** Reads the inbox to its end, acking each delivery (the window is smaller than the inbox). */
    private static List<ConnectResponse> drainAcking(RawStream stream) {
        List<ConnectResponse> deliveries = new java.util.ArrayList<>();
        for (ConnectResponse frame = stream.next(); !frame.hasQueueEmpty(); frame = stream.next()) {
            deliveries.add(frame);
            stream.ack(frame.getDelivery().getServerId());
        }
        stream.sync(); // the acks are settled: they are handled before the pong
        return deliveries;
    }
}
