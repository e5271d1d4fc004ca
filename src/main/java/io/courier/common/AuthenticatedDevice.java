package io.courier.common;

import java.util.UUID;

/** The device an RPC was authenticated as. */
public record AuthenticatedDevice(UUID accountId, int deviceId) {
    public static final int PRIMARY_DEVICE_ID = 1;

    public boolean isPrimary() {
        return deviceId == PRIMARY_DEVICE_ID;
    }

    @Override
    public String toString() {
        return accountId + "." + deviceId;
    }
}
