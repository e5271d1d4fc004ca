package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.SendAck;
import io.courier.cluster.ServerIds;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Compact frames are asked for per stream ({@code courier-frames: compact}): the same message, delivery and receipt
 * seen on a compact stream and on a full one carry the same information; a client that didn't ask gets every field.
 */
@QuarkusTest
class CompactFramesTest extends ServerTest {

    private RawStream stream(Participant device, boolean compact) {
        return new RawStream(channel, device.device().authToken(), compact);
    }

    /**
     * A compact time is the offset from the id's time when that fits an int, else the full timestamp (the suite's
     * clock may have been moved forward by weeks): exact either way.
     */
    private static void assertCompactTime(String what, long serverId, long timestampMs, int offsetMs, long exact) {
        long offset = exact - ServerIds.millisOf(serverId);
        if (offset == (int) offset) {
            assertThat(timestampMs).as(what + ": no full timestamp").isZero();
            assertThat(offsetMs).as(what + ": the offset from the id's time").isEqualTo((int) offset);
        } else {
            assertThat(timestampMs).as(what + ": an offset too large for an int").isEqualTo(exact);
            assertThat(offsetMs).as(what + ": no offset").isZero();
        }
    }

    @Test
    void compactAndFullStreamsCarryTheSameMessageTimesAndRecipients() {
        Participant alice = participant();
        Participant bob = participant();
        long clientId = clientId();
        SendAck sendAck;
        Delivery full;
        try (RawStream a = stream(alice, true); RawStream b = stream(bob, false)) {
            a.drain();
            b.drain();
            a.send(sendFrame(clientId, bob, "ciphertext".getBytes(StandardCharsets.UTF_8)));
            sendAck = a.next(FrameCase.SEND_ACK).getSendAck();
            full = b.next(FrameCase.DELIVERY).getDelivery(); // not acked: it comes again
        }
        assertThat(full.getClientMessageId()).as("a full stream gets every field").isEqualTo(clientId);
        assertThat(full.getServerTimestampMs()).isPositive();
        assertThat(full.getServerTimestampOffsetMs()).isZero();
        assertThat(full.getSenderAccountId()).isEqualTo(alice.accountId());
        assertThat(sendAck.getClientMessageId()).isEqualTo(clientId);
        assertCompactTime("the compact SendAck's time is the message's", sendAck.getServerId(),
                sendAck.getServerTimestampMs(), sendAck.getServerTimestampOffsetMs(), full.getServerTimestampMs());

        Receipt compactReceipt;
        try (RawStream b = stream(bob, true); RawStream a = stream(alice, true)) {
            Delivery compact = b.drain().get(0).getDelivery();
            a.drain();
            assertThat(compact.getServerId()).isEqualTo(full.getServerId());
            assertThat(compact.getClientMessageId()).isZero();
            assertCompactTime("the compact delivery's time", compact.getServerId(), compact.getServerTimestampMs(),
                    compact.getServerTimestampOffsetMs(), full.getServerTimestampMs());
            assertThat(compact.getCiphertext()).isEqualTo(full.getCiphertext());
            assertThat(compact.getSenderAccountId()).isEqualTo(full.getSenderAccountId());

            b.ack(compact.getServerId());
            compactReceipt = a.next(FrameCase.RECEIPT).getReceipt(); // not acked: it comes again
        }
        assertThat(compactReceipt.getMessageServerId()).isEqualTo(sendAck.getServerId());
        assertThat(compactReceipt.getRecipientAccountId()).as("alice knows whom her message went to").isEmpty();

        try (RawStream a = stream(alice, false)) {
            Receipt fullReceipt = a.drain().stream().filter(ConnectResponse::hasReceipt)
                    .map(ConnectResponse::getReceipt).findFirst().orElseThrow();
            assertThat(fullReceipt.getServerId()).isEqualTo(compactReceipt.getServerId());
            assertThat(fullReceipt.getRecipientAccountId()).isEqualTo(bob.accountId());
            assertThat(fullReceipt.getTimestampMs()).isPositive();
            assertCompactTime("the compact receipt's time", compactReceipt.getServerId(),
                    compactReceipt.getTimestampMs(), compactReceipt.getTimestampOffsetMs(),
                    fullReceipt.getTimestampMs());
            a.ack(fullReceipt.getServerId());
            a.sync();
        }
    }
}
