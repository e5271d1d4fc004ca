package io.courier.keys;

/** A public prekey as stored and served; {@code signature} is empty for unsigned one-time EC keys. */
record PublicPreKey(int keyId, byte[] publicKey, byte[] signature) {
    static PublicPreKey unsigned(int keyId, byte[] publicKey) {
        return new PublicPreKey(keyId, publicKey, new byte[0]);
    }
}
