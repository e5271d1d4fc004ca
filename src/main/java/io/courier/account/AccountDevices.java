package io.courier.account;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The device partition of one account as read at one moment; {@code nextDeviceId} is the value conditional writes
 * must still find for the read to be current. {@code lock} is the account's Registration Lock, if set.
 */
record AccountDevices(Integer nextDeviceId, List<DeviceRecord> devices, Optional<PinHasher.StoredPin> lock) {
    static final AccountDevices NONE = new AccountDevices(null, List.of(), Optional.empty());

    Optional<DeviceRecord> device(int deviceId) {
        return devices.stream().filter(d -> d.deviceId() == deviceId).findFirst();
    }

    /** The id the next linked device gets (the primary is always 1). */
    int allocateDeviceId() {
        return nextDeviceId == null ? 2 : nextDeviceId;
    }

    /** When any device of the account was last seen; empty if it has none. */
    Optional<Instant> lastActive() {
        return devices.stream().map(DeviceRecord::lastSeen).max(Comparator.naturalOrder());
    }
}
