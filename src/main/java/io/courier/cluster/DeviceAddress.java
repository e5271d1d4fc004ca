package io.courier.cluster;

import java.io.Serializable;
import java.util.UUID;

/** One device of one account: the unit of presence and routing. */
public record DeviceAddress(UUID accountId, int deviceId) implements Serializable {
    /** The presence-map key. */
    public String key() {
        return accountId + ":" + deviceId;
    }

    /** The device a presence-map key names. */
    public static DeviceAddress fromKey(String key) {
        int colon = key.lastIndexOf(':');
        return new DeviceAddress(UUID.fromString(key.substring(0, colon)), Integer.parseInt(key.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return key();
    }
}
