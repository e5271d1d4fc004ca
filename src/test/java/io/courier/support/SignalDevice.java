package io.courier.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

import com.google.protobuf.ByteString;

import io.courier.api.v1.PreKey;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;

/** A device's real libsignal key material: keeps the private halves in its store, uploads the public halves. */
public final class SignalDevice {
    private final IdentityKeyPair identity;
    private final int registrationId = ThreadLocalRandom.current().nextInt(1, 16380);
    private final InMemorySignalProtocolStore store;
    private int nextKeyId = 1;

    /** A primary device: a new account identity. */
    public SignalDevice() {
        this(IdentityKeyPair.generate());
    }

    /** A device of the account whose identity key pair is given (a linked device has its primary's). */
    public SignalDevice(IdentityKeyPair identity) {
        this.identity = identity;
        this.store = new InMemorySignalProtocolStore(identity, registrationId);
    }

    public IdentityKeyPair identityKeyPair() {
        return identity;
    }

    public InMemorySignalProtocolStore store() {
        return store;
    }

    public int registrationId() {
        return registrationId;
    }

    public ByteString identityKey() {
        return ByteString.copyFrom(identity.getPublicKey().serialize());
    }

    /** A complete first upload: identity, signed EC prekey, last-resort Kyber, and the given one-time keys. */
    public UploadKeysRequest fullUpload(int oneTimeEcKeys, int oneTimeKyberKeys) {
        return UploadKeysRequest.newBuilder()
                .setIdentityKey(identityKey())
                .setRegistrationId(registrationId)
                .setSignedPreKey(signedEcPreKey())
                .setKyberLastResortPreKey(kyberPreKey())
                .addAllOneTimePreKeys(oneTimeEcPreKeys(oneTimeEcKeys))
                .addAllKyberPreKeys(kyberPreKeys(oneTimeKyberKeys))
                .build();
    }

    public SignedPreKey signedEcPreKey() {
        int id = nextKeyId++;
        ECKeyPair pair = ECKeyPair.generate();
        byte[] signature = identity.getPrivateKey().calculateSignature(pair.getPublicKey().serialize());
        store.storeSignedPreKey(id, new SignedPreKeyRecord(id, System.currentTimeMillis(), pair, signature));
        return SignedPreKey.newBuilder().setKeyId(id).setPublicKey(ByteString.copyFrom(pair.getPublicKey().serialize()))
                .setSignature(ByteString.copyFrom(signature)).build();
    }

    public SignedPreKey kyberPreKey() {
        int id = nextKeyId++;
        KEMKeyPair pair = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
        byte[] signature = identity.getPrivateKey().calculateSignature(pair.getPublicKey().serialize());
        store.storeKyberPreKey(id, new KyberPreKeyRecord(id, System.currentTimeMillis(), pair, signature));
        return SignedPreKey.newBuilder().setKeyId(id).setPublicKey(ByteString.copyFrom(pair.getPublicKey().serialize()))
                .setSignature(ByteString.copyFrom(signature)).build();
    }

    public List<PreKey> oneTimeEcPreKeys(int count) {
        List<PreKey> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int id = nextKeyId++;
            ECKeyPair pair = ECKeyPair.generate();
            store.storePreKey(id, new PreKeyRecord(id, pair));
            keys.add(PreKey.newBuilder().setKeyId(id).setPublicKey(ByteString.copyFrom(pair.getPublicKey().serialize()))
                    .build());
        }
        return keys;
    }

    public List<SignedPreKey> kyberPreKeys(int count) {
        List<SignedPreKey> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(kyberPreKey());
        }
        return keys;
    }
}
