package io.courier.account;

import java.util.List;
import java.util.Optional;

/**
 * The device partition of one account as read at one moment; {@code nextDeviceId} is the value conditional writes
 * must still find for the read to be current.
 */
record AccountDevices(Integer nextDeviceId, List<DeviceRecord> devices) {
    static final AccountDevices NONE = new AccountDevices(null, List.of());

    Optional<DeviceRecord> device(int deviceId) {
        return devices.stream().filter(d -> d.deviceId() == deviceId).findFirst();
    }

    /** The id the next linked device gets (the primary is always 1). */
    int allocateDeviceId() {
        return nextDeviceId == null ? 2 : nextDeviceId;
    }
}
