package io.courier.keys;

/**
 * The long-lived keys of one device (everything but the one-time keys); {@code generation} is the install that
 * stored them (0 for keys stored before generations existed).
 */
record DeviceKeys(int deviceId, long generation, byte[] identityKey, int registrationId, PublicPreKey signedPreKey,
        PublicPreKey kyberLastResort) {
}
