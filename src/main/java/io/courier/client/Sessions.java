package io.courier.client;

import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import org.signal.libsignal.protocol.UntrustedIdentityException;

import com.google.protobuf.ByteString;

import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.MismatchedDevices;
import io.courier.api.v1.OutgoingMessage;

/**
 * This device's 1:1 Signal sessions: started from fetched bundles when a recipient has none, repaired as the
 * server's device-list reports say, used to encrypt every send per device and to decrypt. Each session another device
 * starts with this one is answered once (see {@link #answerOnce}).
 */
final class Sessions implements Outbox.Encryption {
    /** Sessions remembered as answered; a session forgotten (or a restart) costs one more empty message at most. */
    private static final int ANSWERED_SESSIONS = 1024;

    private final ClientStore store;
    private final Calls calls;
    private final Supplier<Credentials> credentials;
    /** Sessions this device answered with a session ack (by their base key). Guarded by itself. */
    private final RecentIds answeredSessions = new RecentIds(ANSWERED_SESSIONS, null);

    Sessions(ClientStore store, Calls calls, Supplier<Credentials> credentials) {
        this.store = store;
        this.calls = calls;
        this.credentials = credentials;
    }

    /** The Send frame's message for this attempt: the sender's other devices always get theirs 1:1. */
    @Override
    public OutgoingMessage encrypt(PendingSend send) throws Exception {
        try {
            return encryptTrusted(send);
        } catch (UntrustedIdentityException e) {
            throw refused(e);
        }
    }

    /**
     * Sessions are fetched first (a network call, outside the store's lock); then both encryptions run as one store
     * change, saved once.
     */
    private OutgoingMessage encryptTrusted(PendingSend send) throws Exception {
        Credentials me = credentials.get();
        SessionCrypto crypto = crypto();
        if (send.target() instanceof PendingSend.Direct direct) {
            store.trust().checkSendable(direct.recipient());
            if (crypto.devicesWithSessions(direct.recipient()).isEmpty()) {
                crypto.startSessions(direct.recipient(), 0, 0);
            }
        } else if (send.target() instanceof PendingSend.Resend resend) {
            store.trust().checkSendable(resend.recipient());
        }
        return store.atomically(() -> {
            OutgoingMessage.Builder message = OutgoingMessage.newBuilder()
                    .setClientMessageId(send.clientMessageId())
                    .setExpireAfterSeconds(send.expireAfterSeconds())
                    .addAllSelfEnvelopes(crypto.encrypt(me.accountId(), send.selfContent(), me.deviceId()));
            if (send.target() instanceof PendingSend.Direct direct) {
                message.setRecipientAccountId(WireIds.bytes(direct.recipient()))
                        .addAllEnvelopes(crypto.encrypt(direct.recipient(), direct.content(), 0));
            } else if (send.target() instanceof PendingSend.Resend resend) {
                byte[] nothing = Plaintext.seal(io.courier.api.v1.Content.getDefaultInstance());
                message.setRecipientAccountId(WireIds.bytes(resend.recipient()))
                        .addAllEnvelopes(crypto.encrypt(resend.recipient(),
                                device -> device == resend.device() ? resend.content() : nothing, 0));
            } else if (send.target() instanceof PendingSend.ToGroup group) {
                message.setGroupId(WireIds.bytes(group.groupId()))
                        .setGroupCiphertext(ByteString.copyFrom(group.groupCiphertext()));
            }
            return message.build();
        });
    }

    /** Fixes sessions as the server's mismatch report says. */
    @Override
    public void repair(List<MismatchedDevices> mismatches) throws Exception {
        try {
            repairTrusted(mismatches);
        } catch (UntrustedIdentityException e) {
            throw refused(e);
        }
    }

    /**
     * libsignal refused a key ({@link IdentityTrust}): a verified contact's changed key, or a device of this account
     * presenting a key that is not the account's.
     */
    private RuntimeException refused(UntrustedIdentityException e) {
        UUID account = UUID.fromString(e.getName());
        return account.equals(credentials.get().accountId())
                ? new IllegalStateException("a device of this account presents an identity key that is not the"
                        + " account's; it was not linked by this account's primary")
                : new IdentityChangedException(account);
    }

    private void repairTrusted(List<MismatchedDevices> mismatches) throws Exception {
        SessionCrypto crypto = crypto();
        int me = credentials.get().deviceId();
        for (MismatchedDevices m : mismatches) {
            UUID account = WireIds.uuid(m.getAccountId());
            for (int device : m.getExtraDeviceIdsList()) {
                crypto.forget(account, device);
            }
            for (int device : m.getStaleDeviceIdsList()) {
                crypto.forget(account, device);
                crypto.startSessions(account, device, me);
            }
            for (int device : m.getMissingDeviceIdsList()) {
                crypto.startSessions(account, device, me);
            }
        }
    }

    /** Starts sessions with every device of {@code account} (their identity keys are then known and trusted). */
    void startSessions(UUID account) throws Exception {
        try {
            crypto().startSessions(account, 0, 0);
        } catch (UntrustedIdentityException e) {
            throw refused(e);
        }
    }

    List<Integer> devicesWithSessions(UUID account) {
        return crypto().devicesWithSessions(account);
    }

    byte[] decrypt(UUID sender, int senderDevice, EnvelopeType type, byte[] ciphertext) throws Exception {
        return crypto().decrypt(sender, senderDevice, type, ciphertext);
    }

    /**
     * Until a device hears back over a session it started, libsignal makes every message it sends a
     * PreKeySignalMessage (≈ 1.7 KB more with PQXDH: 70 ms per hop at 200 kbit/s). Receipts are server metadata here,
     * not messages, so a one-way chat would never hear back: the recipient answers each new session once with an
     * empty session ack. True the first time the session {@code preKeyMessage} starts is seen.
     */
    boolean answerOnce(byte[] preKeyMessage) throws Exception {
        long session = SessionCrypto.sessionStartedBy(preKeyMessage);
        synchronized (answeredSessions) {
            if (answeredSessions.contains(session)) {
                return false;
            }
            answeredSessions.add(session);
            return true;
        }
    }

    /**
     * Drops the session with one device (it failed to decrypt what that device sent): the next message to it starts a
     * new one from a fetched bundle, which that device adopts on decrypting it.
     */
    void forget(UUID account, int device) {
        crypto().forget(account, device);
    }

    /** Whether this device has a session with another device of its account: one to tell what the user did here. */
    boolean hasOwnDeviceSessions() {
        Credentials me = credentials.get();
        return crypto().devicesWithSessions(me.accountId()).stream().anyMatch(device -> device != me.deviceId());
    }

    /** A new one each time: its key stub carries the credentials, which come only with registration. */
    private SessionCrypto crypto() {
        return new SessionCrypto(store, calls.keys());
    }
}
