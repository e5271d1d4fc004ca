package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * A device row: who it is, the salted hash of its credential, and when it was last seen (refreshed at most every
 * {@code courier.accounts.last-seen-refresh}; the Registration Lock holds while an account's devices are active).
 */
record DeviceRecord(int deviceId, String name, byte[] credentialSalt, byte[] credentialHash, Instant createdAt,
        Instant lastSeen) {
    /** The install's generation: the first 64 bits of its random credential salt, new with every credential. */
    long generation() {
        return generationOf(credentialSalt);
    }

    static long generationOf(byte[] credentialSalt) {
        return ByteBuffer.wrap(credentialSalt, 0, Long.BYTES).getLong();
    }
}
