package io.courier.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.signal.libsignal.protocol.NoSessionException;

import io.courier.api.v1.Content;
import io.courier.api.v1.DataMessage;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.SessionAck;
import io.courier.api.v1.SyncMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * What arrives for this device: each delivery decrypted once, kept in the {@link ClientStore} until the app has it
 * ({@link IncomingQueue}), and acked only then. Reactions, edits, deletes and read state from this account's other
 * devices are checked ({@link ActionRules}) and reported as {@link MessageAction}s instead. Copies are dropped by
 * server id and by origin (a sender's retry under another server id); what is undecryptable is acked, and asked for
 * again ({@link Resends}); what is the SDK's own (keys, session acks, resend requests) is processed and never reaches
 * the app.
 */
final class Inbox {
    private static final Logger LOG = Logger.getLogger(Inbox.class.getName());
    /** Far above the server's window (256): reached only if a server ignores it. */
    private static final int MAX_UNHANDLED = 1024;

    private final ClientStore store;
    private final Supplier<Credentials> credentials;
    private final Sessions sessions;
    private final Groups groups;
    private final Outbox outbox;
    private final Ticks ticks;
    private final Acks acks;
    private final Runnable roomMade;
    private final Disappearing disappearing;
    private final Resends resends;
    private final IncomingQueue incoming;
    private final ActionRules rules = new ActionRules();
    /** Like ticks: kept for a first subscriber, then hot; the delivery is acked once it is emitted. */
    private final Sinks.Many<MessageAction> actions = Sinks.many().multicast().onBackpressureBuffer(4096, false);

    /** {@code roomMade} runs each time the app has handled a message: a stream that paused can read on. */
    Inbox(ClientStore store, Supplier<Credentials> credentials, Sessions sessions, Groups groups, Outbox outbox,
            Ticks ticks, Acks acks, Runnable roomMade, Disappearing disappearing, Resends resends) {
        this.store = store;
        this.credentials = credentials;
        this.sessions = sessions;
        this.groups = groups;
        this.outbox = outbox;
        this.ticks = ticks;
        this.acks = acks;
        this.roomMade = roomMade;
        this.disappearing = disappearing;
        this.resends = resends;
        this.incoming = new IncomingQueue(store.unhandled(), MAX_UNHANDLED, this::handled);
    }

    Flux<IncomingMessage> incoming() {
        return incoming.flux();
    }

    Flux<MessageAction> actions() {
        return actions.asFlux();
    }

    boolean hasRoom() {
        return incoming.hasRoom();
    }

    void close() {
        incoming.close();
    }

    void onDelivery(Delivery delivery) {
        long id = delivery.getServerId();
        UUID sender = WireIds.uuid(delivery.getSenderAccountId());
        if (!delivery.getSyncRecipientAccountId().isEmpty()) {
            ticks.sentByOtherDevice(id, WireIds.uuid(delivery.getSyncRecipientAccountId()));
        }
        // Compact streams leave the client message id out: the server keeps a retry under its server id.
        long origin = delivery.getClientMessageId() == 0 ? id
                : ClientStore.origin(sender, delivery.getSenderDeviceId(), delivery.getClientMessageId());
        if (incoming.holds(id)) {
            return; // decrypted before (on an earlier stream or run) and waiting for the app: acked once handled
        }
        if (store.hasSeen(id, origin) || incoming.holdsOrigin(origin)) {
            acks.ack(id); // the app has it already, or will under the id of an earlier copy
            return;
        }
        try {
            List<MessageAction> done = new ArrayList<>(1);
            Optional<UnhandledMessage> forTheApp = store.atomically(() -> decryptAndKeep(delivery, sender, origin,
                    done));
            // Reported outside the store's lock: the app may well send or read from its handler.
            done.forEach(actions::tryEmitNext);
            forTheApp.ifPresentOrElse(incoming::add, () -> acks.ack(id));
        } catch (Exception e) {
            // This copy will never be readable: a broken session is mended by asking for the message again (1:1) or
            // for the sender's key (group); what is not a padded Content is dropped.
            LOG.log(Level.WARNING, "undecryptable message " + id + ": " + e.getClass().getSimpleName());
            store.markSeen(id, origin);
            acks.ack(id);
            if (delivery.getType() == EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE) {
                if (e instanceof NoSessionException && !delivery.getGroupId().isEmpty()) {
                    groups.requestSenderKey(sender, WireIds.uuid(delivery.getGroupId()));
                }
            } else if (Resends.mendable(e)) {
                resends.requestResend(sender, delivery.getSenderDeviceId(), id);
            }
        }
    }

    /**
     * Decrypting advances the session for good, so the plaintext is kept with it until the app has handled it. What
     * is not for the app (key material, a session ack, a kind this version doesn't know) counts as seen once
     * processed (empty result); so is an action, added to {@code done}. A plaintext that doesn't unpad or parse
     * throws: the caller drops it as undecryptable.
     */
    private Optional<UnhandledMessage> decryptAndKeep(Delivery delivery, UUID sender, long origin,
            List<MessageAction> done) throws Exception {
        int device = delivery.getSenderDeviceId();
        byte[] ciphertext = delivery.getCiphertext().toByteArray();
        Content content = Plaintext.open(delivery.getType() == EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE
                ? groups.decrypt(sender, device, ciphertext)
                : sessions.decrypt(sender, device, delivery.getType(), ciphertext));
        if (delivery.getType() == EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE && !content.hasSessionAck()
                && sessions.answerOnce(ciphertext)) {
            outbox.sendInternalQuietly(sender, Content.newBuilder().setSessionAck(SessionAck.getDefaultInstance())
                    .build(), "session ack");
        }
        Optional<DataMessage> forTheApp = switch (content.getContentCase()) {
            case DATA_MESSAGE -> toShow(delivery.getGroupId().isEmpty() ? sender
                    : WireIds.uuid(delivery.getGroupId()), sender, content.getDataMessage(), done);
            case SYNC_MESSAGE -> fromOwnDevice(sender, content.getSyncMessage(), done);
            case SENDER_KEY_DISTRIBUTION -> {
                groups.process(sender, device, content.getSenderKeyDistribution().toByteArray());
                yield Optional.empty();
            }
            case SENDER_KEY_REQUEST -> {
                groups.onSenderKeyRequest(sender, content.getSenderKeyRequest());
                yield Optional.empty();
            }
            case DECRYPTION_ERROR -> {
                resends.onDecryptionError(sender, device, content.getDecryptionError());
                yield Optional.empty();
            }
            // A session ack did its work by being decrypted; a newer client's kinds are ignored.
            case SESSION_ACK, CONTENT_NOT_SET -> Optional.empty();
        };
        if (forTheApp.isEmpty()) {
            store.markSeen(delivery.getServerId(), origin);
            return Optional.empty();
        }
        UnhandledMessage message = new UnhandledMessage(new IncomingMessage(delivery.getServerId(), sender, device,
                ServerTimes.of(delivery.getServerId(), delivery.getServerTimestampMs(),
                        delivery.getServerTimestampOffsetMs()), forTheApp.get().toByteArray(),
                WireIds.uuidIfAny(delivery.getSyncRecipientAccountId()), WireIds.uuidIfAny(delivery.getGroupId())),
                origin);
        store.keepUnhandled(message);
        return Optional.of(message);
    }

    /**
     * A message of {@code chat} (the 1:1 peer or the group) to show, its disappearing timer noted; an action on one
     * (by {@code author}) is checked and reported instead, and a timer update only changes the chat's timer.
     */
    private Optional<DataMessage> toShow(UUID chat, UUID author, DataMessage message, List<MessageAction> done) {
        disappearing.observe(chat, author, message).ifPresent(done::add);
        if (Disappearing.isTimerUpdate(message)) {
            return Optional.empty();
        }
        if (!ActionRules.isAction(message)) {
            disappearing.delivered(new MessageRef(author, message.getSentAtMs()), message);
            return Optional.of(message);
        }
        rules.accept(author, message).ifPresent(done::add);
        return Optional.empty();
    }

    /**
     * What another device of this account did: a message it sent (for the app to show as sent) or read. Only this
     * account's devices may say so; settings are not synced by this version.
     */
    private Optional<DataMessage> fromOwnDevice(UUID sender, SyncMessage sync, List<MessageAction> done) {
        if (!sender.equals(credentials.get().accountId())) {
            return Optional.empty();
        }
        return switch (sync.getSyncCase()) {
            case SENT -> sentElsewhere(sender, sync.getSent(), done);
            case READ -> {
                readElsewhere(sync.getRead()).ifPresent(done::add);
                yield Optional.empty();
            }
            case SETTINGS, SYNC_NOT_SET -> Optional.empty();
        };
    }

    /** A message another device of this account sent; one without a message or a well-formed chat is ignored. */
    private Optional<DataMessage> sentElsewhere(UUID me, SyncMessage.Sent sent, List<MessageAction> done) {
        com.google.protobuf.ByteString chat = sent.hasGroupId() ? sent.getGroupId() : sent.getRecipientAccountId();
        if (!sent.hasMessage() || chat.size() != Uuids.BYTES) {
            return Optional.empty();
        }
        return toShow(WireIds.uuid(chat), me, sent.getMessage(), done);
    }

    /** The read messages this device can name (a malformed reference names none). */
    private static Optional<MessageAction> readElsewhere(SyncMessage.Read read) {
        List<MessageRef> messages = read.getMessagesList().stream()
                .filter(ref -> ref.getAuthorAccountId().size() == Uuids.BYTES).map(MessageRef::of).toList();
        return messages.isEmpty() ? Optional.empty() : Optional.of(new MessageAction.ReadElsewhere(messages));
    }

    /** The app has the message: only now is it acked, and a stream waiting for room in the queue reads on. */
    private void handled(UnhandledMessage message) {
        store.handled(message);
        acks.ack(message.serverId());
        roomMade.run();
    }
}
