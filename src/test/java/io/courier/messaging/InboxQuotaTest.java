package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.FrameErrorCode;
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
