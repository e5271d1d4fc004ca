package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.courier.account.GatedCredentialVerifier;
import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse.FrameCase;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.Ping;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;
import io.courier.support.FaultyCql;
import io.courier.support.RawStream;
import io.courier.support.ServerTest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.test.junit.QuarkusTest;

/** The delivery core's guarantees: no message skipped, newest stream wins, retries answered, bounded streams. */
@QuarkusTest
class DeliveryCoreTest extends ServerTest {
    @Inject
    DeviceQueues queues;

    @Inject
    GatedCredentialVerifier credentials;

    @Inject
    FaultyCql cql;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A message from {@code from} in {@code to}'s queue with an id of {@code at}, stored without routing it. */
    private Queued storeWithoutPush(Participant from, Participant to, Instant at) {
        long serverId = ServerIds.lowestAt(at) + ThreadLocalRandom.current().nextInt(1, 1 << 20);
        return queues.enqueue(address(to), List.of(new InboxItem.Message(serverId, address(from).accountId(),
                from.deviceId(), clientId(), at, EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, bytes("stored"),
                null, null)), false).block().items().get(0);
    }

    /** The server id of the one delivery queued for a freshly connected stream. */
    private static long onlyQueued(RawStream stream) {
        var queued = stream.drain();
        assertThat(queued).hasSize(1);
        return queued.get(0).getDelivery().getServerId();
    }

    private static void assertDelivered(Receipt receipt, long messageServerId) {
        assertThat(receipt.getMessageServerId()).isEqualTo(messageServerId);
        assertThat(receipt.getState()).isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED);
    }

    private static DeviceAddress address(Participant participant) {
        return new DeviceAddress(Ids.uuid(participant.accountId(), "account"), participant.deviceId());
    }

    @Test
    void aMessageWhosePushWasLostIsDeliveredBeforeTheNextOneWithoutReconnectingAndTheMarkNeverSkipsIt() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice); RawStream b = connect(bob)) {
            a.drain();
            b.drain();
            // Stored ten minutes ago, its push lost: what a bus failure leaves behind.
            Queued lost = storeWithoutPush(alice, bob, clock.instant().minus(Duration.ofMinutes(10)));

            a.send(sendFrame(clientId(), bob, bytes("live")));
            var recovered = b.next(FrameCase.DELIVERY).getDelivery();
            assertThat(recovered.getServerId()).isEqualTo(lost.item().serverId());
            var live = b.next(FrameCase.DELIVERY).getDelivery();
            assertThat(live.getCiphertext().toStringUtf8()).isEqualTo("live");
            b.ack(live.getServerId());
            b.sync();
            assertThat(queues.open(address(bob), new Presence("test", 1), 1, 1).block().mark()).as("the lost one is not acked yet")
                    .isLessThan(lost.seq());

            b.ack(lost.item().serverId());
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(queues.open(address(bob), new Presence("test", 1), 1, 1).block().mark()).isGreaterThan(lost.seq()));
        }
    }

    @Test
    void aDeliveredReceiptWhoseEventWriteFailedIsSentWhenTheDeviceAcksAgain() {
        Participant alice = participant();
        Participant bob = participant();
        long serverId;
        try (RawStream a = connect(alice)) {
            a.drain();
            try (RawStream b = connect(bob)) {
                b.drain();
                a.send(sendFrame(clientId(), bob, bytes("tick me")));
                serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
                assertThat(b.next(FrameCase.DELIVERY).getDelivery().getServerId()).isEqualTo(serverId);
                cql.failNextWrite(query -> query.contains("receipt_recipient_id")); // the receipt event to alice

                b.ack(serverId);

                assertThat(b.awaitClosed().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            }
            try (RawStream b = connect(bob)) {
                assertThat(onlyQueued(b)).as("not acked: it comes again").isEqualTo(serverId);
                b.ack(serverId);

                assertDelivered(a.next(FrameCase.RECEIPT).getReceipt(), serverId);
            }
        }
    }

    @Test
    void aSendCutShortMidwayIsStoredOnceUnderOneServerIdWhenRetried() {
        Participant alice = participant();
        Participant bob = participant();
        Participant laptop = withKeys(link(bob.device(), "laptop"));
        ConnectRequest send = ConnectRequest.newBuilder().setSend(OutgoingMessage.newBuilder()
                .setClientMessageId(clientId()).setRecipientAccountId(bob.accountId())
                .addEnvelopes(envelope(bob, bytes("to the phone")))
                .addEnvelopes(envelope(laptop, bytes("to the laptop")))).build();
        try (RawStream a = connect(alice)) {
            a.drain();
            // The phone's copy lands, then the send fails: no SendAck, the client will retry.
            cql.failNextWriteAfterApplying(query -> query.startsWith("INSERT INTO device_log"));

            a.send(send);

            assertThat(a.awaitClosed().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        long serverId;
        try (RawStream a = connect(alice)) {
            a.drain();
            a.send(send);
            serverId = a.next(FrameCase.SEND_ACK).getSendAck().getServerId();
        }
        try (RawStream phone = connect(bob)) {
            assertThat(phone.drain().stream().filter(ConnectResponse::hasDelivery)) // not the laptop's link notice
                    .as("one message, under the id its SendAck named")
                    .extracting(f -> f.getDelivery().getServerId()).containsExactly(serverId);
        }
    }

    @Test
    void anAckedMessageWhoseSentRowHasNotLandedStillTicksDelivered() {
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream a = connect(alice)) {
            a.drain();
            // In the queue, but its SENT ledger row is still on its way (written in parallel with the copies).
            long serverId = storeWithoutPush(alice, bob, clock.instant()).item().serverId();
            try (RawStream b = connect(bob)) {
                assertThat(onlyQueued(b)).isEqualTo(serverId);

                b.ack(serverId);

                assertDelivered(a.next(FrameCase.RECEIPT).getReceipt(), serverId);
            }
        }
    }

    @Test
    void aStreamWhoseCredentialCheckWasSlowDoesNotSupersedeANewerOne() {
        Participant alice = participant();
        Participant bob = participant();
        var gate = credentials.holdNext(bob.device().authToken());
        RawStream older = connect(bob);
        gate.reached().orTimeout(15, TimeUnit.SECONDS).join();
        try (RawStream newer = connect(bob); RawStream a = connect(alice)) {
            newer.drain();

            gate.open().complete(null);

            assertThat(older.awaitClosed().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            a.drain();
            a.send(sendFrame(clientId(), bob, bytes("to the newer stream")));
            a.next(FrameCase.SEND_ACK);
            assertThat(newer.next(FrameCase.DELIVERY).getDelivery().getCiphertext().toStringUtf8())
                    .isEqualTo("to the newer stream");
        }
    }

    @Test
    void anAckWithMoreIdsThanTheWindowIsRefusedBeforeAnyWork() {
        int window = ConfigProvider.getConfig().getValue("courier.edge.window", Integer.class);
        Participant bob = participant();
        try (RawStream b = connect(bob)) {
            b.drain();
            Ack.Builder ack = Ack.newBuilder();
            for (int i = 0; i <= window; i++) {
                ack.addServerIds(i + 1);
            }

            b.send(ConnectRequest.newBuilder().setAck(ack).build());

            var error = b.next(FrameCase.ERROR).getError();
            assertThat(error.getCode()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_INVALID_FRAME);
            assertThat(error.getMessage()).contains("at most " + window);
        }
    }

    @Test
    void aDeviceThatKeepsSendingRefusedFramesIsCutOffAndOthersAreUnaffected() {
        Participant flooder = participant();
        Participant alice = participant();
        Participant bob = participant();
        try (RawStream f = connect(flooder); RawStream a = connect(alice); RawStream b = connect(bob)) {
            f.drain();
            a.drain();
            b.drain();
            for (int i = 0; i < 500; i++) {
                f.send(ConnectRequest.getDefaultInstance()); // empty frames, refused one by one
            }

            Status status = f.awaitClosed();

            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("too many refused frames");
            a.send(sendFrame(clientId(), bob, bytes("still flowing")));
            a.next(FrameCase.SEND_ACK);
            assertThat(b.next(FrameCase.DELIVERY).getDelivery().getCiphertext().toStringUtf8())
                    .isEqualTo("still flowing");
        }
    }

    @Test
    void aClientThatNeverReadsIsNotReadEitherOnceItsRepliesPileUp() {
        int cap = 300_000;
        Participant stalled = participant();
        AtomicInteger written = new AtomicInteger();
        AtomicReference<ClientCallStreamObserver<ConnectRequest>> up = new AtomicReference<>();
        var stub = withToken(MessagingServiceGrpc.newStub(channel), stalled.device().authToken());
        stub.connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
                requestStream.disableAutoRequestWithInitial(0); // never reads a down-frame
                // Writes whenever the transport takes more: how much it takes is how much the node reads.
                requestStream.setOnReadyHandler(() -> {
                    while (requestStream.isReady() && written.get() < cap) {
                        requestStream.onNext(ConnectRequest.newBuilder()
                                .setPing(Ping.newBuilder().setNonce(written.incrementAndGet())).build());
                    }
                });
                up.set(requestStream);
            }

            @Override
            public void onNext(ConnectResponse value) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        try {
            // Every ping wants a pong the client never reads. A node without flow control reads (and answers) all
            // of them into its own memory, so the client writes up to the cap; this one stops reading once its
            // replies pile up, and the client's writes stay stuck well below it.
            AtomicInteger lastSeen = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(60)).during(Duration.ofSeconds(3)).until(() -> {
                int now = written.get();
                boolean unchanged = lastSeen.getAndSet(now) == now;
                return unchanged && now > 0 && now < cap && !up.get().isReady();
            });
        } finally {
            up.get().cancel("test over", null);
        }
    }

    @Test
    void opensOfOneDeviceAreRateLimited() {
        Participant bob = participant();
        Status refused = null;
        for (int i = 0; i < 50 && refused == null; i++) {
            RawStream stream = connect(bob);
            if (stream.nextUnlessClosed().isEmpty()) {
                refused = stream.awaitClosed();
            }
            stream.close();
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getDescription()).contains("retry in");
    }
}
