package io.courier.client;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;

import com.google.protobuf.ByteString;

import io.courier.api.v1.DeviceEnvelope;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.GetPreKeyBundleRequest;
import io.courier.api.v1.KeyServiceGrpc;
import io.courier.api.v1.PreKeyBundle;

/** Signal sessions per device: built from fetched bundles, used to encrypt one envelope per device and to decrypt. */
final class SessionCrypto {
    private final ClientStore store;
    private final KeyServiceGrpc.KeyServiceBlockingStub keys;

    SessionCrypto(ClientStore store, KeyServiceGrpc.KeyServiceBlockingStub keys) {
        this.store = store;
        this.keys = keys;
    }

    static SignalProtocolAddress address(UUID account, int device) {
        return new SignalProtocolAddress(account.toString(), device);
    }

    List<Integer> devicesWithSessions(UUID account) {
        return store.sessionDevices(account.toString());
    }

    /** Fetches bundles (one device, or all with 0) and starts a session with each device but {@code except}. */
    void startSessions(UUID account, int deviceId, int except) throws Exception {
        var response = keys.getPreKeyBundle(GetPreKeyBundleRequest.newBuilder().setAccountId(WireIds.bytes(account))
                .setDeviceId(deviceId).build());
        for (PreKeyBundle bundle : response.getBundlesList()) {
            if (bundle.getDeviceId() == except) {
                continue;
            }
            SignalProtocolAddress to = address(account, bundle.getDeviceId());
            store.atomically(() -> {
                new SessionBuilder(store, to).process(Bundles.toLibsignal(bundle));
                return null;
            });
        }
    }

    void forget(UUID account, int device) {
        store.deleteSession(address(account, device));
    }

    /**
     * One envelope per device of {@code account} this device has a session with. Holds the store throughout: libsignal
     * loads a session, advances it and stores it back, so two sends (or a send and a decryption) on other threads
     * would otherwise both use the same message key, and the recipient would drop the second as a duplicate.
     */
    List<DeviceEnvelope> encrypt(UUID account, byte[] plaintext, int except) throws Exception {
        return encrypt(account, device -> plaintext, except);
    }

    /** Same, with a plaintext of its own for each device. */
    List<DeviceEnvelope> encrypt(UUID account, IntFunction<byte[]> plaintextFor, int except) throws Exception {
        return store.atomically(() -> encryptHoldingStore(account, plaintextFor, except));
    }

    private List<DeviceEnvelope> encryptHoldingStore(UUID account, IntFunction<byte[]> plaintextFor, int except)
            throws Exception {
        List<DeviceEnvelope> envelopes = new ArrayList<>();
        for (int device : devicesWithSessions(account)) {
            if (device == except) {
                continue;
            }
            SignalProtocolAddress to = address(account, device);
            CiphertextMessage message = new SessionCipher(store, to).encrypt(plaintextFor.apply(device));
            envelopes.add(DeviceEnvelope.newBuilder()
                    .setDeviceId(device)
                    .setRegistrationId(store.loadSession(to).getRemoteRegistrationId())
                    .setType(message.getType() == CiphertextMessage.PREKEY_TYPE
                            ? EnvelopeType.ENVELOPE_TYPE_PREKEY_MESSAGE : EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE)
                    .setCiphertext(ByteString.copyFrom(message.serialize()))
                    .build());
        }
        return envelopes;
    }

    /** Identifies the session a PreKeySignalMessage starts: the first bytes of its sender's random base key. */
    static long sessionStartedBy(byte[] preKeyMessage) throws Exception {
        return ByteBuffer.wrap(new PreKeySignalMessage(preKeyMessage).getBaseKey().serialize(), 1, Long.BYTES)
                .getLong();
    }

    byte[] decrypt(UUID sender, int senderDevice, EnvelopeType type, byte[] ciphertext) throws Exception {
        SessionCipher cipher = new SessionCipher(store, address(sender, senderDevice));
        return switch (type) {
            case ENVELOPE_TYPE_PREKEY_MESSAGE -> cipher.decrypt(new PreKeySignalMessage(ciphertext));
            case ENVELOPE_TYPE_SIGNAL_MESSAGE -> cipher.decrypt(new SignalMessage(ciphertext));
            default -> throw new IllegalArgumentException("not a 1:1 envelope type: " + type);
        };
    }
}
