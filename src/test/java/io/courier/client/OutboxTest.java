package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import reactor.core.publisher.Mono;
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

    private final Outbox outbox = newOutbox();

    /** An outbox over this test's encryption stand-in and frame log (a client run's). */
    private Outbox newOutbox() {
        return new Outbox(Schedulers.immediate(), new Outbox.Encryption() {
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
    }

    private final ClientStore store = ClientStore.inMemory();
    /** What the store kept each time a frame was written. */
    private final List<Set<String>> keptWhenWritten = new CopyOnWriteArrayList<>();
    private final UnsentMessages unsent = new UnsentMessages(store, 2, outbox::send);

    private void write(ConnectRequest frame) {
        written.add(frame.getSend());
        keptWhenWritten.add(kept());
    }

    private Set<String> kept() {
        return Set.copyOf(store.entries(UnsentMessages.PREFIX).keySet());
    }

    /** An app's send, kept by {@link UnsentMessages} (at most 2 here) until its outcome. */
    private Mono<SentMessage> keptSend(String text) {
        return outbox.stamped(Content.text(text).encode()).flatMap(m -> unsent.send(BOB, false, m));
    }

    private CompletableFuture<SentMessage> send(String text) {
        return sendToBob(text).toFuture();
    }

    private Mono<SentMessage> sendToBob(String text) {
        return outbox.stamped(Content.text(text).encode())
                .flatMap(m -> outbox.send(new UnsentMessage(Outbox.newClientMessageId(), BOB, false, m)));
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
        Disposable cancelled = sendToBob("never mind").subscribe();
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

    @Test
    void aKeptSendIsStoredBeforeItsFirstAttemptAndForgottenOnItsAck() throws Exception {
        CompletableFuture<SentMessage> sent = keptSend("hi").toFuture();
        long clientId = lastClientId();
        assertThat(keptWhenWritten).containsExactly(Set.of(UnsentMessages.PREFIX + clientId));

        outbox.onSendAck(ack(clientId, 42));
        assertThat(sent.get().serverId()).isEqualTo(42);
        assertThat(kept()).isEmpty();
    }

    @Test
    void aRefusedOrCancelledSendIsForgotten() {
        CompletableFuture<SentMessage> refused = keptSend("refused").toFuture();
        outbox.onFrameError(refusal(lastClientId(), FrameErrorCode.FRAME_ERROR_CODE_RATE_LIMITED));
        assertThat(refused).isCompletedExceptionally();
        assertThat(kept()).isEmpty();

        Disposable cancelled = keptSend("never mind").subscribe();
        assertThat(kept()).hasSize(1);
        cancelled.dispose();
        assertThat(kept()).isEmpty();
    }

    @Test
    void beyondTheLimitASendIsRefusedBeforeItIsStoredOrWritten() {
        keptSend("one").subscribe();
        long first = lastClientId();
        keptSend("two").subscribe();

        CompletableFuture<SentMessage> third = keptSend("three").toFuture();
        assertThatThrownBy(third::get).cause()
                .isInstanceOfSatisfying(OutboxFullException.class, e -> assertThat(e.limit()).isEqualTo(2));
        assertThat(written).hasSize(2);
        assertThat(kept()).hasSize(2);

        outbox.onSendAck(ack(first, 1));
        keptSend("four").subscribe();
        assertThat(written).as("room again once one was acknowledged").hasSize(3);
    }

    @Test
    void aSendTheClientClosedOnIsKeptAndTheNextRunSendsItUnderTheSameId() {
        CompletableFuture<SentMessage> firstRun = keptSend("hi").toFuture();
        long clientId = lastClientId();
        unsent.close();
        outbox.close();
        assertThat(firstRun).isCompletedExceptionally();
        assertThat(kept()).containsExactly(UnsentMessages.PREFIX + clientId);

        assertThat(outbox.send(new UnsentMessage(1, BOB, false, DataMessage.getDefaultInstance())).toFuture())
                .as("a closed outbox takes nothing new").isCompletedExceptionally();

        // The next run reads the same store, with an outbox of its own.
        Outbox nextOutbox = newOutbox();
        UnsentMessages nextRun = new UnsentMessages(store, 2, nextOutbox::send);
        RestoredSend restored = nextRun.restored().get(0);
        assertThat(nextRun.restored()).hasSize(1);
        assertThat(restored.clientMessageId()).isEqualTo(clientId);
        assertThat(restored.toGroup()).isFalse();
        assertThat(restored.destination()).isEqualTo(BOB);
        written.clear();
        nextRun.sendRestored();
        nextRun.sendRestored(); // once per run
        assertThat(written).extracting(OutgoingMessage::getClientMessageId).containsExactly(clientId);

        nextOutbox.onSendAck(ack(clientId, 9));
        assertThat(restored.outcome().block().serverId()).isEqualTo(9);
        assertThat(kept()).isEmpty();
    }
}
