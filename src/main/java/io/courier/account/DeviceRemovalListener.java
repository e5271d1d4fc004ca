package io.courier.account;

import java.util.Set;
import java.util.UUID;

/** Told when devices stop existing (revoked, or replaced by a re-registration), to drop what they owned. */
public interface DeviceRemovalListener {
    void devicesRemoved(UUID accountId, Set<Integer> deviceIds);
}
