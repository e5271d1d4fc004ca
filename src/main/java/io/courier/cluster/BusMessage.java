package io.courier.cluster;

import java.io.Serializable;

/** What nodes tell each other over the node bus. The bus is the fast path only: durability is the database's. */
public sealed interface BusMessage extends Serializable {
    DeviceAddress target();

    /** Something new is in the target device's inbox; {@code item} is the stored entry. */
    record Push(DeviceAddress target, Serializable item) implements BusMessage {
    }

    /** A frame for the target's stream only if it has one now (typing): never stored, dropped if not deliverable. */
    record Ephemeral(DeviceAddress target, byte[] frame) implements BusMessage {
    }

    /** A newer stream of the device connected elsewhere: close the one with this epoch. */
    record Supersede(DeviceAddress target, long epoch) implements BusMessage {
    }

    /** The device was revoked: close its stream with this epoch (a new install may reuse the address). */
    record Revoked(DeviceAddress target, long epoch) implements BusMessage {
    }
}
