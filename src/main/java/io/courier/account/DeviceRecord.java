package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Instant;

/** A device row: who it is and the salted hash of its credential. */
record DeviceRecord(int deviceId, String name, byte[] credentialSalt, byte[] credentialHash, Instant createdAt) {
    /** The install's generation: the first 64 bits of its random credential salt, new with every credential. */
    long generation() {
        return generationOf(credentialSalt);
    }

    static long generationOf(byte[] credentialSalt) {
        return ByteBuffer.wrap(credentialSalt, 0, Long.BYTES).getLong();
    }
}
