package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.GetMessageStatusRequest;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.Read;
import io.courier.api.v1.ReceiptState;
import io.courier.cluster.RateLimiter;
import io.courier.common.Ids;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.courier.support.Statuses;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/** The 1:1 flow at the protocol level: ticks, offline queues, retries, superseding streams. */
@QuarkusTest
class MessageFlowTest extends ServerTest {
    @Inject
    RateLimiter limiter;

    @Inject
    MessagingConfig messaging;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bothOnlineTheMessageTicksSentDeliveredRead() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice); RawStream b = connect(bob)) {
            a.drain();
            b.drain();
            long clientId = clientId();

            a.send(sendFrame(clientId, bob, bytes("ciphertext-1")));

            var sendAck = a.next(FrameCase.SEND_ACK).getSendAck();
            assertThat(sendAck.getClientMessageId()).isEqualTo(clientId);
            Delivery delivery = b.next(FrameCase.DELIVERY).getDelivery();
            assertThat(delivery.getServerId()).isEqualTo(sendAck.getServerId());
            assertThat(delivery.getSenderAccountId()).isEqualTo(alice.accountId());
            assertThat(delivery.getSenderDeviceId()).isEqualTo(1);
            assertThat(delivery.getClientMessageId()).isEqualTo(clientId);
            assertThat(delivery.getCiphertext().toStringUtf8()).isEqualTo("ciphertext-1");

            b.ack(delivery.getServerId());
            var delivered = a.next(FrameCase.RECEIPT).getReceipt();
            assertThat(delivered.getMessageServerId()).isEqualTo(sendAck.getServerId());
            assertThat(delivered.getState()).isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED);
            assertThat(delivered.getRecipientAccountId()).isEqualTo(bob.accountId());
            a.ack(delivered.getServerId());

            b.send(ConnectRequest.newBuilder().setRead(Read.newBuilder().setSenderAccountId(alice.accountId())
                    .addServerIds(delivery.getServerId())).build());
            var read = a.next(FrameCase.RECEIPT).getReceipt();
            assertThat(read.getState()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
            a.ack(read.getServerId());

            var status = withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken())
                    .getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(sendAck.getServerId()).build());
            assertThat(status.getStatuses(0).getRecipients(0).getState()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);
        }
    }

    @Test
    void statusLookupsCostTheirIdsFromTheAccountsClusterWideBudget() {
        Participant alice = participant();
        var statuses = withToken(MessagingServiceGrpc.newBlockingStub(channel), alice.device().authToken());
        GetMessageStatusRequest.Builder hundred = GetMessageStatusRequest.newBuilder();
        for (long id = 1; id <= 100; id++) {
            hundred.addServerIds(id);
        }
        // Another node's calls (or earlier ones) left 150 lookups of the burst.
        assertThat(limiter.tryAcquire(messaging.statusLookups(), Ids.uuid(alice.accountId(), "id").toString(),
                messaging.statusLookupsBurst() - 150).block()).isZero();

        assertThat(statuses.getMessageStatus(hundred.build()).getStatusesList()).as("ids never sent").isEmpty();
        String refused = Statuses.assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                () -> statuses.getMessageStatus(hundred.build()));

        assertThat(refused).contains("too many message status lookups by this account");
        assertThat(statuses.getMessageStatus(GetMessageStatusRequest.newBuilder().addServerIds(1).build())
                .getStatusesList()).as("a smaller call still fits: the refused one took nothing").isEmpty();
    }

    @Test
    void anOfflineRecipientGetsEverythingInOrderThenTheQueueEmptyMarker() {
        Participant alice = participant();
        Participant bob = participant();
        List<Long> sent = new java.util.ArrayList<>();
        try (RawStream a = connect(alice)) {
            a.drain();
            for (int i = 0; i < 5; i++) {
                a.send(sendFrame(clientId(), bob, bytes("m" + i)));
                sent.add(a.next(FrameCase.SEND_ACK).getSendAck().getServerId());
            }
        }

        try (RawStream b = connect(bob)) {
            List<ConnectResponse> queued = b.drain();

            assertThat(queued).extracting(f -> f.getDelivery().getServerId()).containsExactlyElementsOf(sent);
            assertThat(queued).extracting(f -> f.getDelivery().getCiphertext().toStringUtf8())
                    .containsExactly("m0", "m1", "m2", "m3", "m4");
        }
    }

    @Test
    void unackedMessagesComeAgainOnTheNextConnectAndAckedOnesDoNot() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(clientId(), bob, bytes("first")));
            a.next(FrameCase.SEND_ACK);
            a.send(sendFrame(clientId(), bob, bytes("second")));
            a.next(FrameCase.SEND_ACK);
        }
        long first;
        try (RawStream b = connect(bob)) {
            List<ConnectResponse> queued = b.drain();
            assertThat(queued).hasSize(2);
            first = queued.get(0).getDelivery().getServerId();
            b.ack(first);
            b.sync();
        }

        try (RawStream b = connect(bob)) {
            assertThat(b.drain()).extracting(f -> f.getDelivery().getCiphertext().toStringUtf8())
                    .containsExactly("second");
        }
    }

    @Test
    void aSenderOfflineWhenTheMessageIsReadGetsTheBlueTickOnReconnect() {
        Participant alice = participant();
        Participant bob = participant();
        long serverId;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(clientId(), bob, bytes("read me")));
            serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        try (RawStream b = connect(bob)) {
            b.drain();
            b.ack(serverId);
            b.send(ConnectRequest.newBuilder().setRead(Read.newBuilder().setSenderAccountId(alice.accountId())
                    .addServerIds(serverId)).build());
            assertThat(b.sync()).as("no errors").isEmpty();
        }

        try (RawStream a = connect(alice)) {
            List<ConnectResponse> queued = a.drain();
            assertThat(queued).extracting(f -> f.getReceipt().getState())
                    .containsExactly(ReceiptState.RECEIPT_STATE_DELIVERED, ReceiptState.RECEIPT_STATE_READ);
            assertThat(queued).allSatisfy(f -> assertThat(f.getReceipt().getMessageServerId()).isEqualTo(serverId));
        }
    }

    @Test
    void aRetryAfterALostSendAckGetsTheSameServerIdAndStoresNoSecondCopy() {
        Participant alice = participant();
        Participant bob = participant();
        long clientId = clientId();
        long firstId;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(clientId, bob, bytes("once")));
            firstId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        // The phone never saw that SendAck (the link dropped); it reconnects and sends the same message again.
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(clientId, bob, bytes("once")));
            assertThat(a.next(FrameCase.SEND_ACK).getSendAck().getServerId()).isEqualTo(firstId);
        }

        try (RawStream b = connect(bob)) {
            assertThat(b.drain()).extracting(f -> f.getDelivery().getServerId()).containsExactly(firstId);
        }
    }

    @Test
    void aSecondStreamForTheSameDeviceSupersedesTheFirst() {
        Participant alice = participant();
        Participant bob = participant();
        RawStream first = connect(bob);
        first.drain();

        try (RawStream second = connect(bob); RawStream a = connect(alice)) {
            second.drain();
            Status status = first.awaitClosed();
            assertThat(status.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            assertThat(status.getDescription()).contains("superseded");

            a.drain();
            a.send(sendFrame(clientId(), bob, bytes("to the new stream")));
            a.next(FrameCase.SEND_ACK);
            assertThat(second.next(FrameCase.DELIVERY).getDelivery().getCiphertext().toStringUtf8())
                    .isEqualTo("to the new stream");
        }
    }

    @Test
    void aSlowDeviceGetsNoMoreThanTheWindowUntilItAcks() {
        int window = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("courier.edge.window", Integer.class);
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            for (int i = 0; i < window + 8; i++) {
                a.send(sendFrame(clientId(), bob, bytes("n" + i)));
            }
            for (int i = 0; i < window + 8; i++) {
                a.next(FrameCase.SEND_ACK);
            }
        }

        try (RawStream b = connect(bob)) {
            List<ConnectResponse> first = b.sync();
            assertThat(first).as("exactly one window, no queue-empty yet").hasSize(window)
                    .allSatisfy(f -> assertThat(f.hasDelivery()).isTrue());

            b.ack(first.get(0).getDelivery().getServerId(), first.get(1).getDelivery().getServerId());
            List<ConnectResponse> next = b.sync();
            assertThat(next).hasSize(2).allSatisfy(f -> assertThat(f.hasDelivery()).isTrue());

            b.ack(first.stream().skip(2).mapToLong(f -> f.getDelivery().getServerId()).toArray());
            List<ConnectResponse> rest = b.drain();
            assertThat(rest).hasSize(6);
            assertThat(rest.get(5).getDelivery().getCiphertext().toStringUtf8()).isEqualTo("n" + (window + 7));
        }
    }

    @Test
    void receiptsOnlyMoveForwardAndDuplicatesChangeNothing() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice); RawStream b = connect(bob)) {
            a.drain();
            b.drain();
            a.send(sendFrame(clientId(), bob, bytes("x")));
            long serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
            b.next(FrameCase.DELIVERY);

            ConnectRequest read = ConnectRequest.newBuilder().setRead(Read.newBuilder()
                    .setSenderAccountId(alice.accountId()).addServerIds(serverId)).build();
            b.send(read);
            var readReceipt = a.next(FrameCase.RECEIPT).getReceipt();
            assertThat(readReceipt.getState()).isEqualTo(ReceiptState.RECEIPT_STATE_READ);

            b.send(read); // duplicate read
            b.ack(serverId); // the ack arrives after the read: DELIVERED is implied already
            b.ack(serverId); // duplicate ack
            assertThat(b.sync()).as("no errors for duplicates").isEmpty();
            assertThat(a.sync()).as("no further receipts").isEmpty();
        }
    }

    @Test
    void revokingADeviceClosesItsOpenStream() {
        Participant alice = participant();
        Participant laptop = withKeys(link(alice.device(), "laptop"));
        RawStream stream = connect(laptop);
        stream.drain();

        accounts(alice.device()).revokeDevice(io.courier.api.v1.RevokeDeviceRequest.newBuilder()
                .setDeviceId(laptop.deviceId()).build());

        assertThat(stream.awaitClosed().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void aReRegisteredNumberStartsWithAnEmptyInbox() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(sendFrame(clientId(), bob, bytes("for the old install")));
            a.next(FrameCase.SEND_ACK);
        }

        Participant newInstall = withKeys(register(bob.device().phoneNumber()));

        try (RawStream b = connect(newInstall)) {
            assertThat(b.drain()).as("nothing the new install could never decrypt").isEmpty();
        }
    }

    @Test
    void pingIsAnsweredWithTheSameNonce() {
        Participant alice = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            assertThat(a.sync()).isEmpty();
        }
    }

    @Test
    void aStreamWithoutCredentialsIsUnauthenticated() {
        RawStream anonymous = new RawStream(channel, "not-a-token");
        assertThat(anonymous.awaitClosed().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        RawStream noHeader = new RawStream(channel, null);
        assertThat(noHeader.awaitClosed().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
}
