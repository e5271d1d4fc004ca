package io.courier.client;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.Content;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.FrameError;
import io.courier.api.v1.FrameErrorCode;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;
import io.courier.api.v1.SendAck;
import io.courier.api.v1.SyncMessage;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Messages on their way out. Each has a random client id and waits under it for the server's SendAck or refusal;
 * its Mono completes then. A device-list mismatch is repaired and the message encrypted again under the same id (at
 * most {@value #MAX_REPAIRS} times); whatever is unacknowledged when a new stream opens goes again under its id, and
 * the server answers a retry with the first attempt's server id.
 */
final class Outbox {
    private static final Logger LOG = Logger.getLogger(Outbox.class.getName());
    static final int MAX_REPAIRS = 3;

    /** Turns a pending send into this attempt's Send, and fixes sessions from a mismatch report. */
    interface Encryption {
        OutgoingMessage encrypt(PendingSend send) throws Exception;

        void repair(List<MismatchedDevices> mismatches) throws Exception;
    }

    private final Scheduler blocking;
    private final Encryption encryption;
    private final Consumer<ConnectRequest> write;
    private final ObjLongConsumer<PendingSend> acknowledged;
    private final Map<Long, PendingSend> pending = new ConcurrentHashMap<>();
    /** The last DataMessage.sent_at_ms this device gave: never twice the same, as it names the message. */
    private final AtomicLong lastSentAt = new AtomicLong();
    /** After close() nothing new is accepted: no stream would ever complete it. */
    private volatile boolean closed;

    /**
     * {@code blocking} runs encryption; {@code write} puts a frame on the stream (dropped while there is none: the
     * send goes again on the next); {@code acknowledged} learns each SendAck's server id before the sender does.
     */
    Outbox(Scheduler blocking, Encryption encryption, Consumer<ConnectRequest> write,
            ObjLongConsumer<PendingSend> acknowledged) {
        this.blocking = blocking;
        this.encryption = encryption;
        this.write = write;
        this.acknowledged = acknowledged;
    }

    /** An app's message to every device of its recipient, and as a sent transcript to this account's others. */
    Mono<SentMessage> send(UnsentMessage unsent) {
        DataMessage message = unsent.message();
        return submit(unsent.clientMessageId(), new PendingSend.Direct(unsent.destination(), false,
                        Plaintext.seal(Content.newBuilder().setDataMessage(message).build())),
                transcript(message, SyncMessage.Sent.newBuilder()
                        .setRecipientAccountId(WireIds.bytes(unsent.destination()))), Disappearing.serverCap(message));
    }

    /** Random and never 0 (0 is "none" on the wire). */
    static long newClientMessageId() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    /**
     * The app's serialized DataMessage ({@link io.courier.client.Content#encode()}, or one built with more fields),
     * with {@code sent_at_ms} set unless the app set it: with the author it names the message (content.proto).
     * Fails with IllegalArgumentException for bytes that are not a DataMessage.
     */
    Mono<DataMessage> stamped(byte[] dataMessage) {
        return Mono.fromCallable(() -> {
            DataMessage message;
            try {
                message = DataMessage.parseFrom(dataMessage);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException("the message is not a serialized DataMessage", e);
            }
            if (message.getSentAtMs() != 0) {
                // The app's own value counts too: a later stamp never repeats it.
                lastSentAt.accumulateAndGet(message.getSentAtMs(), Math::max);
                return message;
            }
            return message.toBuilder().setSentAtMs(lastSentAt.updateAndGet(
                    last -> Math.max(System.currentTimeMillis(), last + 1))).build();
        });
    }

    /** The sender's other devices get the message as a sent transcript: they show it as sent by this user. */
    static byte[] transcript(DataMessage message, SyncMessage.Sent.Builder destination) {
        return Plaintext.seal(Content.newBuilder().setSyncMessage(SyncMessage.newBuilder()
                .setSent(destination.setMessage(message))).build());
    }

    /** Key material or a session ack: the SDK's own, to every device of {@code account} and this account's others. */
    Mono<SentMessage> sendInternal(UUID account, Content content) {
        byte[] sealed = Plaintext.seal(content);
        return submit(newClientMessageId(), new PendingSend.Direct(account, true, sealed), sealed, 0);
    }

    /** Same, with nobody waiting for the result. */
    void sendInternalQuietly(UUID account, Content content, String what) {
        quietly(sendInternal(account, content), what);
    }

    /**
     * A message sent again to the one device that couldn't decrypt it ({@link PendingSend.Resend}), nobody waiting;
     * a disappearing one is kept by the server only what is left of its time ({@code expireAfterSeconds}).
     */
    void resendQuietly(UUID recipient, int device, byte[] content, int expireAfterSeconds) {
        quietly(submit(newClientMessageId(), new PendingSend.Resend(recipient, device, content),
                Plaintext.seal(Content.getDefaultInstance()), expireAfterSeconds), "resend");
    }

    /**
     * A SyncMessage for this account's other devices only (read state), nobody waiting. The server takes no message
     * without a recipient, so {@code carrier} (an account the user talks to) gets an empty Content, which every
     * client acks and ignores (content.proto).
     */
    void syncQuietly(UUID carrier, SyncMessage sync, String what) {
        quietly(submit(newClientMessageId(), new PendingSend.Direct(carrier, true,
                Plaintext.seal(Content.getDefaultInstance())),
                Plaintext.seal(Content.newBuilder().setSyncMessage(sync).build()), 0), what);
    }

    private static void quietly(Mono<SentMessage> send, String what) {
        send.subscribe(sent -> { }, e -> LOG.log(Level.FINE, what + " not sent", e));
    }

    /**
     * Sent once subscribed to; cancelling forgets it (a frame already written may still be stored). The server keeps
     * it {@code expireAfterSeconds} at most (0: its normal retention).
     */
    Mono<SentMessage> submit(long clientMessageId, PendingSend.Target target, byte[] selfContent,
            int expireAfterSeconds) {
        return Mono.<SentMessage>create(sink -> {
            if (closed) {
                sink.error(new IllegalStateException("client closed"));
                return;
            }
            PendingSend send = new PendingSend(clientMessageId, target, selfContent, expireAfterSeconds, sink);
            pending.put(clientMessageId, send);
            sink.onDispose(() -> pending.remove(clientMessageId));
            blocking.schedule(() -> encryptAndSend(send));
        });
    }

    void onSendAck(SendAck ack) {
        PendingSend send = pending.remove(ack.getClientMessageId());
        if (send != null) {
            acknowledged.accept(send, ack.getServerId());
            send.sink().success(new SentMessage(ack.getClientMessageId(), ack.getServerId(),
                    ServerTimes.of(ack.getServerId(), ack.getServerTimestampMs(), ack.getServerTimestampOffsetMs())));
        }
    }

    void onFrameError(FrameError error) {
        PendingSend send = pending.get(error.getClientMessageId());
        if (send == null) {
            LOG.log(Level.FINE, () -> "server refused a frame: " + error.getCode() + " " + error.getMessage());
            return;
        }
        if (error.getCode() == FrameErrorCode.FRAME_ERROR_CODE_MISMATCHED_DEVICES
                && send.repairs().getAndIncrement() < MAX_REPAIRS) {
            blocking.schedule(() -> repair(send, error.getMismatchedDevicesList()));
        } else {
            fail(send, new SendRefusedException(error.getCode(), error.getMessage()));
        }
    }

    /** A new stream is open: anything sent but not acknowledged goes again under the same client id. */
    void resend() {
        pending.values().forEach(send -> blocking.schedule(() -> encryptAndSend(send)));
    }

    void close() {
        closed = true;
        pending.values().forEach(p -> p.sink().error(new IllegalStateException("client closed")));
        pending.clear();
    }

    private void encryptAndSend(PendingSend send) {
        try {
            write.accept(ConnectRequest.newBuilder().setSend(encryption.encrypt(send)).build());
        } catch (Exception e) {
            fail(send, e);
        }
    }

    /** Fixes sessions as the server's mismatch report says, then encrypts again under the same client id. */
    private void repair(PendingSend send, List<MismatchedDevices> mismatches) {
        try {
            encryption.repair(mismatches);
        } catch (Exception e) {
            fail(send, e);
            return;
        }
        encryptAndSend(send);
    }

    private void fail(PendingSend send, Throwable error) {
        if (pending.remove(send.clientMessageId()) != null) {
            send.sink().error(error);
        }
    }
}
