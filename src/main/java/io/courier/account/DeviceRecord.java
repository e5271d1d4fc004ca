package io.courier.account;

import java.time.Instant;

/** A device row: who it is and the salted hash of its credential. */
record DeviceRecord(int deviceId, String name, byte[] credentialSalt, byte[] credentialHash, Instant createdAt) {
}
