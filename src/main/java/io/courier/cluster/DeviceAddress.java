package io.courier.cluster;

import java.io.Serializable;
import java.util.UUID;

/** One device of one account: the unit of presence and routing. */
public record DeviceAddress(UUID accountId, int deviceId) implements Serializable {
    /** The presence-map key. */
    public String key() {
        return accountId + ":" + deviceId;
    }

    @Override
    public String toString() {
        return key();
    }
}
