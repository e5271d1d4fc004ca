package io.courier.account;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Comparator;

import io.courier.common.AuthenticatedDevice;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The device partition of one account as read at one moment; {@code nextDeviceId} is the value conditional writes
 * must still find for the read to be current. {@code lock} is the account's Registration Lock, if set;
 * {@code deletedAt} when its deletion started, if it did; {@code openLinkCodes} the hashes of link codes it issued
 * that may still be unused.
 */
record AccountDevices(Integer nextDeviceId, String phone, List<DeviceRecord> devices,
        Optional<PinHasher.StoredPin> lock, Optional<Instant> deletedAt, Set<ByteBuffer> openLinkCodes) {
    static final AccountDevices NONE = new AccountDevices(null, null, List.of(), Optional.empty(), Optional.empty(),
            Set.of());

    Optional<DeviceRecord> device(int deviceId) {
        return devices.stream().filter(d -> d.deviceId() == deviceId).findFirst();
    }

    /** The id the next linked device gets (the primary is always 1). */
    int allocateDeviceId() {
        return nextDeviceId == null ? 2 : nextDeviceId;
    }

    /** Every id the account ever gave a device, and perhaps a few it never gave (the counter moves for locks too). */
    Set<Integer> everyDeviceId() {
        return IntStream.range(AuthenticatedDevice.PRIMARY_DEVICE_ID, allocateDeviceId()).boxed()
                .collect(Collectors.toSet());
    }

    /** When any device of the account was last seen; empty if it has none. */
    Optional<Instant> lastActive() {
        return devices.stream().map(DeviceRecord::lastSeen).max(Comparator.naturalOrder());
    }
}
