package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.SendAck;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * The outbox's bookkeeping on its own: client ids, SendAcks, refusals, repairs, resends. Encryption is a stand-in that
 * records what it was asked (the real one is {@link Sessions}, exercised by the client end-to-end tests); work runs
 * on the calling thread, so every step is done when the call returns.
 */
class OutboxTest {
    private static final UUID BOB = UUID.randomUUID();

    private final List<OutgoingMessage> written = new CopyOnWriteArrayList<>();
    private final List<PendingSend> encrypted = new CopyOnWriteArrayList<>();
    private final List<List<MismatchedDevices>> repairs = new CopyOnWriteArrayList<>();
    private final Map<Long, Long> acknowledged = new ConcurrentHashMap<>();
    private volatile Exception encryptionFailure;

    private final Outbox outbox = new Outbox(Schedulers.immediate(), new Outbox.Encryption() {
        @Override
        public OutgoingMessage encrypt(PendingSend send) throws Exception {
            if (encryptionFailure != null) {
                throw encryptionFailure;
            }
            encrypted.add(send);
            return OutgoingMessage.newBuilder().setClientMessageId(send.clientMessageId()).build();
        }

        @Override
        public void repair(List<MismatchedDevices> mismatches) {
            repairs.add(mismatches);
        }
    }, this::write, (send, serverId) -> acknowledged.put(send.clientMessageId(), serverId));

    private void write(ConnectRequest frame) {
        written.add(frame.getSend());
    }

    private CompletableFuture<SentMessage> send(String text) {
        return outbox.send(BOB, Content.text(text).encode()).toFuture();
    }

    private long lastClientId() {
        return written.get(written.size() - 1).getClientMessageId();
    }

    private static SendAck ack(long clientId, long serverId) {
        return SendAck.newBuilder().setClientMessageId(clientId).setServerId(serverId).setServerTimestampMs(1_000)
                .build();
    }

    private static FrameError refusal(long clientId, FrameErrorCode code) {
        return FrameError.newBuilder().setClientMessageId(clientId).setCode(code).setMessage("no")
                .addMismatchedDevices(MismatchedDevices.newBuilder().setAccountId(WireIds.bytes(BOB))
                        .addMissingDeviceIds(2))
                .build();
    }

    @Test
    void aSendIsWrittenUnderItsClientIdAndCompletesWithTheServersAck() throws Exception {
        CompletableFuture<SentMessage> sent = send("hi");
        assertThat(written).hasSize(1);
        long clientId = lastClientId();
        assertThat(clientId).isPositive();

        PendingSend pending = encrypted.get(0);
        assertThat(pending.target()).isInstanceOfSatisfying(PendingSend.Direct.class, direct -> {
            assertThat(direct.recipient()).isEqualTo(BOB);
            assertThat(direct.internal()).as("the app's message gets ticks").isFalse();
        });
        DataMessage forBob = Plaintext.open(((PendingSend.Direct) pending.target()).content()).getDataMessage();
        assertThat(forBob.getText()).isEqualTo("hi");
        assertThat(forBob.getSentAtMs()).as("stamped").isPositive();
        var transcript = Plaintext.open(pending.selfContent()).getSyncMessage().getSent();
        assertThat(WireIds.uuid(transcript.getRecipientAccountId())).isEqualTo(BOB);
        assertThat(transcript.getMessage()).isEqualTo(forBob);

        assertThat(sent).isNotDone();
        outbox.onSendAck(ack(clientId, 42));
        assertThat(sent.get()).isEqualTo(new SentMessage(clientId, 42, Instant.ofEpochMilli(1_000)));
        assertThat(acknowledged).containsExactly(Map.entry(clientId, 42L));

        outbox.onSendAck(ack(clientId, 43)); // a second ack for the same id finds nothing pending
        assertThat(acknowledged).containsExactly(Map.entry(clientId, 42L));
    }

    @Test
    void aMismatchIsRepairedAndSentAgainUnderTheSameIdAtMostThreeTimes() {
        CompletableFuture<SentMessage> sent = send("hi");
        long clientId = lastClientId();

        for (int i = 0; i < Outbox.MAX_REPAIRS; i++) {
            outbox.onFrameError(refusal(clientId, FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES));
        }
        assertThat(repairs).hasSize(Outbox.MAX_REPAIRS)
                .allSatisfy(r -> assertThat(r.get(0).getMissingDeviceIdsList()).containsExactly(2));
        assertThat(written).hasSize(1 + Outbox.MAX_REPAIRS)
                .allSatisfy(message -> assertThat(message.getClientMessageId()).isEqualTo(clientId));
        assertThat(sent).isNotDone();

        outbox.onFrameError(refusal(clientId, FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES));
        assertThat(repairs).hasSize(Outbox.MAX_REPAIRS);
        assertThatThrownBy(sent::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(SendRefusedException.class, e -> assertThat(e.code())
                        .isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES));
    }

    @Test
    void anyOtherRefusalFailsTheSendAtOnceAndItIsNotSentAgain() {
        CompletableFuture<SentMessage> sent = send("hi");
        outbox.onFrameError(refusal(lastClientId(), FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED));

        assertThat(repairs).isEmpty();
        assertThatThrownBy(sent::get).cause().isInstanceOfSatisfying(SendRefusedException.class,
                e -> assertThat(e.code()).isEqualTo(FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED));
        outbox.resend();
        assertThat(written).hasSize(1);
    }

    @Test
    void whatIsUnacknowledgedGoesAgainUnderItsOwnIdOnANewStream() {
        send("one");
        long first = lastClientId();
        send("two");
        long second = lastClientId();
        assertThat(second).isNotEqualTo(first);
        outbox.onSendAck(ack(first, 7));

        written.clear();
        outbox.resend();
        assertThat(written).extracting(OutgoingMessage::getClientMessageId).containsExactly(second);
    }

    @Test
    void sentAtIsUniquePerMessageAndTheAppsOwnIsKept() {
        List<Long> stamps = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            stamps.add(outbox.stamped(Content.text("x").encode()).block().getSentAtMs());
        }
        assertThat(stamps).doesNotHaveDuplicates().isSorted();

        byte[] own = DataMessage.newBuilder().setText("x").setSentAtMs(12).build().toByteArray();
        assertThat(outbox.stamped(own).block().getSentAtMs()).isEqualTo(12);
        assertThatThrownBy(() -> outbox.stamped(new byte[] {(byte) 0xff}).block())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSendThatCannotBeEncryptedFailsAndIsForgotten() {
        encryptionFailure = new IllegalStateException("no session");
        CompletableFuture<SentMessage> sent = send("hi");

        assertThatThrownBy(sent::get).cause().isSameAs(encryptionFailure);
        encryptionFailure = null;
        outbox.resend();
        assertThat(written).isEmpty();
    }

    @Test
    void aCancelledSendIsForgottenAndCloseFailsTheRest() {
        Disposable cancelled = outbox.send(BOB, Content.text("never mind").encode()).subscribe();
        CompletableFuture<SentMessage> waiting = send("hi");
        long waitingId = lastClientId();
        cancelled.dispose();

        written.clear();
        outbox.resend();
        assertThat(written).extracting(OutgoingMessage::getClientMessageId).containsExactly(waitingId);

        outbox.close();
        assertThatThrownBy(waiting::get).cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("client closed");
    }

    @Test
    void theSdksOwnMessagesGoToTheAccountAndItsOtherDevicesWithoutTicks() throws Exception {
        outbox.sendInternal(BOB, io.courier.api.v1.Content.newBuilder()
                .setSessionAck(io.courier.api.v1.SessionAck.getDefaultInstance()).build()).subscribe();

        PendingSend pending = encrypted.get(0);
        assertThat(pending.target()).isInstanceOfSatisfying(PendingSend.Direct.class,
                direct -> assertThat(direct.internal()).isTrue());
        assertThat(Plaintext.open(pending.selfContent()).hasSessionAck()).isTrue();
    }
}
