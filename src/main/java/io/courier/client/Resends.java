package io.courier.client;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.NoSessionException;

import io.courier.api.v1.Content;
import io.courier.api.v1.DecryptionError;

/**
 * Resend on decryption error (content.proto, {@code DecryptionError}): a 1:1 envelope that does not decrypt is not
 * dropped in silence. The receiving device drops its session with the sending device (it is broken: lost, restored
 * from an old copy, or out of step) and asks that device, over a new session, to send the message again; the sender
 * finds what it sent in a short resend log and encrypts it again for the asking device alone, on the session the
 * request started.
 *
 * <p>Both sides are bounded. The log keeps the last {@value #LOGGED} acknowledged 1:1 sends for {@link #KEPT}
 * (in memory: a restart forgets them, and an old failure then gets no answer). A device asks one sending device at
 * most {@value #REQUESTS_PER_WINDOW} times per {@link #WINDOW} and drops the session with it at most once per
 * window, so two devices whose sessions fail both ways can't keep each other busy; and a request is never answered
 * with a request.
 */
final class Resends {
    private static final Logger LOG = Logger.getLogger(Resends.class.getName());
    static final int LOGGED = 256;
    static final Duration KEPT = Duration.ofHours(24);
    static final int REQUESTS_PER_WINDOW = 20;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /**
     * Sessions with one device are reset at most this often: a reset costs a new prekey bundle, and the server lets
     * one account fetch another's at 5 at once, then one an hour; resetting faster would leave no session at all.
     */
    static final Duration RESET_EVERY = Duration.ofHours(1);

    /**
     * What went to {@code recipient}'s devices under one server id: the padded Content, as it was encrypted, and
     * how long the server was to keep it (0: its retention; a disappearing message's timer otherwise).
     */
    private record Logged(UUID recipient, byte[] content, long atMs, int expireAfterSeconds) {
    }

    /** Requests to one sending device in the window that started at {@code startMs}, and the last session reset. */
    private static final class Asked {
        long startMs;
        int count;
        /** Null until the first reset. */
        Long resetAtMs;
    }

    private final Sessions sessions;
    private final Outbox outbox;
    private final Supplier<Credentials> credentials;
    private final LongSupplier clock;
    /** Guarded by itself; oldest first. */
    private final Map<Long, Logged> log = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Logged> eldest) {
            return size() > LOGGED;
        }
    };
    /** By "account/device" of the sending device. Guarded by itself. */
    private final Map<String, Asked> asked = new HashMap<>();

    Resends(Sessions sessions, Outbox outbox, Supplier<Credentials> credentials, LongSupplier clock) {
        this.sessions = sessions;
        this.outbox = outbox;
        this.credentials = credentials;
        this.clock = clock;
    }

    /** Whether a failure to decrypt a 1:1 envelope is one a resend can mend (not a duplicate, not an untrusted key). */
    static boolean mendable(Exception decryptionFailure) {
        return decryptionFailure instanceof NoSessionException || decryptionFailure instanceof InvalidMessageException
                || decryptionFailure instanceof InvalidKeyIdException || decryptionFailure instanceof InvalidKeyException;
    }

    /**
     * An acknowledged send: a 1:1 one is logged under its server id, but for a resend request (a group's is not
     * logged: a member that can't read it asks for the sender's key instead).
     */
    void onSent(PendingSend send, long serverId) {
        if (send.target() instanceof PendingSend.Direct direct && !(direct.internal() && isRequest(direct))) {
            synchronized (log) {
                log.put(serverId, new Logged(direct.recipient(), direct.content(), clock.getAsLong(),
                        send.expireAfterSeconds()));
            }
        }
    }

    private static boolean isRequest(PendingSend.Direct sent) {
        try {
            return Plaintext.open(sent.content()).hasDecryptionError();
        } catch (Exception e) {
            return false; // the SDK sealed it itself: never the case
        }
    }

    /**
     * The envelope {@code serverId} from {@code sender}'s device did not decrypt: drops the session with that device
     * and asks it for the message again (within the limits above).
     */
    void requestResend(UUID sender, int device, long serverId) {
        long now = clock.getAsLong();
        boolean reset;
        synchronized (asked) {
            Asked a = asked.computeIfAbsent(sender + "/" + device, key -> new Asked());
            if (a.count == 0 || now - a.startMs >= WINDOW.toMillis()) {
                a.startMs = now;
                a.count = 0;
            }
            if (++a.count > REQUESTS_PER_WINDOW) {
                LOG.log(Level.FINE, () -> "not asking again for " + serverId + ": too many requests to one device");
                return;
            }
            reset = a.resetAtMs == null || now - a.resetAtMs >= RESET_EVERY.toMillis();
            if (reset) {
                a.resetAtMs = now;
            }
        }
        if (reset) {
            sessions.forget(sender, device);
        }
        outbox.sendInternalQuietly(sender, Content.newBuilder().setDecryptionError(DecryptionError.newBuilder()
                .setServerId(serverId).setSenderDeviceId(device)).build(), "decryption error");
    }

    /**
     * {@code requester}'s device could not decrypt a message: if this device sent it to that account and still has
     * it, it goes again to that device alone. Requests for another device's messages (every device of this account
     * gets them), for messages sent to someone else, or forgotten ones are ignored.
     */
    void onDecryptionError(UUID requester, int requesterDevice, DecryptionError error) {
        if (error.getSenderDeviceId() != credentials.get().deviceId()) {
            return;
        }
        Logged sent;
        synchronized (log) {
            sent = log.get(error.getServerId());
        }
        if (sent == null || !sent.recipient().equals(requester)
                || clock.getAsLong() - sent.atMs() > KEPT.toMillis()) {
            LOG.log(Level.FINE, () -> "no resend of " + error.getServerId() + ": not in the resend log");
            return;
        }
        long left = sent.expireAfterSeconds() == 0 ? 0
                : sent.expireAfterSeconds() - (clock.getAsLong() - sent.atMs()) / 1000;
        if (sent.expireAfterSeconds() != 0 && left <= 0) {
            LOG.log(Level.FINE, () -> "no resend of " + error.getServerId() + ": it has disappeared");
            return;
        }
        outbox.resendQuietly(requester, requesterDevice, sent.content(), (int) left);
    }
}
