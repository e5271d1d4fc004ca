package io.courier.client;

import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;

import io.courier.api.v1.PreKeyBundle;

/** Fetched bundles in libsignal's form. */
public final class Bundles {
    private Bundles() {
    }

    /** A bundle without a one-time EC prekey is valid: the session then rests on the signed and Kyber keys. */
    public static org.signal.libsignal.protocol.state.PreKeyBundle toLibsignal(PreKeyBundle bundle)
            throws InvalidKeyException {
        boolean oneTime = bundle.hasOneTimePreKey();
        return new org.signal.libsignal.protocol.state.PreKeyBundle(bundle.getRegistrationId(), bundle.getDeviceId(),
                oneTime ? bundle.getOneTimePreKey().getKeyId() : -1,
                oneTime ? new ECPublicKey(bundle.getOneTimePreKey().getPublicKey().toByteArray()) : null,
                bundle.getSignedPreKey().getKeyId(),
                new ECPublicKey(bundle.getSignedPreKey().getPublicKey().toByteArray()),
                bundle.getSignedPreKey().getSignature().toByteArray(),
                new IdentityKey(bundle.getIdentityKey().toByteArray()),
                bundle.getKyberPreKey().getKeyId(),
                new KEMPublicKey(bundle.getKyberPreKey().getPublicKey().toByteArray()),
                bundle.getKyberPreKey().getSignature().toByteArray());
    }
}
