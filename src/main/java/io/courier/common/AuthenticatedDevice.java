package io.courier.common;

import java.util.UUID;

/**
 * The device an RPC was authenticated as. {@code generation} identifies the install behind the credential: a
 * re-registered primary keeps device id 1 but gets a new generation, so rights are checked against it where a
 * call acts, not only when it started.
 */
public record AuthenticatedDevice(UUID accountId, int deviceId, long generation) {
    public static final int PRIMARY_DEVICE_ID = 1;

    public boolean isPrimary() {
        return deviceId == PRIMARY_DEVICE_ID;
    }

    @Override
    public String toString() {
        return accountId + "." + deviceId;
    }
}
