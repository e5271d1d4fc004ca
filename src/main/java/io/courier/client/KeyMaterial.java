package io.courier.client;

import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

import com.google.protobuf.ByteString;

import io.courier.api.v1.PreKey;
import io.courier.api.v1.SignedPreKey;
import io.courier.api.v1.UploadKeysRequest;

/** Generates prekeys: private halves into the store, public halves into an upload. */
final class KeyMaterial {
    private final ClientStore store;

    KeyMaterial(ClientStore store) {
        this.store = store;
    }

    /** Everything a new device uploads: identity, signed EC prekey, last-resort Kyber key and one-time keys. */
    UploadKeysRequest fullUpload(int oneTimeKeys) {
        SignedPreKey lastResort = kyber();
        store.markLastResort(lastResort.getKeyId());
        return oneTime(UploadKeysRequest.newBuilder()
                .setIdentityKey(ByteString.copyFrom(store.getIdentityKeyPair().getPublicKey().serialize()))
                .setRegistrationId(store.getLocalRegistrationId())
                .setSignedPreKey(signedEc())
                .setKyberLastResortPreKey(lastResort), oneTimeKeys).build();
    }

    /** A fresh batch of one-time keys (it replaces the server's remaining ones). */
    UploadKeysRequest refill(int oneTimeKeys) {
        return oneTime(UploadKeysRequest.newBuilder(), oneTimeKeys).build();
    }

    private UploadKeysRequest.Builder oneTime(UploadKeysRequest.Builder upload, int count) {
        int firstEc = store.allocateKeyIds(count);
        for (int id = firstEc; id < firstEc + count; id++) {
            ECKeyPair pair = ECKeyPair.generate();
            store.storePreKey(id, new PreKeyRecord(id, pair));
            upload.addOneTimePreKeys(PreKey.newBuilder().setKeyId(id)
                    .setPublicKey(ByteString.copyFrom(pair.getPublicKey().serialize())));
        }
        for (int i = 0; i < count; i++) {
            upload.addKyberPreKeys(kyber());
        }
        return upload;
    }

    private SignedPreKey signedEc() {
        int id = store.allocateKeyIds(1);
        ECKeyPair pair = ECKeyPair.generate();
        byte[] signature = identity().getPrivateKey().calculateSignature(pair.getPublicKey().serialize());
        store.storeSignedPreKey(id, new SignedPreKeyRecord(id, System.currentTimeMillis(), pair, signature));
        return signed(id, pair.getPublicKey().serialize(), signature);
    }

    private SignedPreKey kyber() {
        int id = store.allocateKeyIds(1);
        KEMKeyPair pair = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
        byte[] signature = identity().getPrivateKey().calculateSignature(pair.getPublicKey().serialize());
        store.storeKyberPreKey(id, new KyberPreKeyRecord(id, System.currentTimeMillis(), pair, signature));
        return signed(id, pair.getPublicKey().serialize(), signature);
    }

    private IdentityKeyPair identity() {
        return store.getIdentityKeyPair();
    }

    private static SignedPreKey signed(int id, byte[] publicKey, byte[] signature) {
        return SignedPreKey.newBuilder().setKeyId(id).setPublicKey(ByteString.copyFrom(publicKey))
                .setSignature(ByteString.copyFrom(signature)).build();
    }
}
