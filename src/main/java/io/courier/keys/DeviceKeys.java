package io.courier.keys;

/** The long-lived keys of one device (everything but the one-time keys). */
record DeviceKeys(int deviceId, byte[] identityKey, int registrationId, PublicPreKey signedPreKey,
        PublicPreKey kyberLastResort) {
}
