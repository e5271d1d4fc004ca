package io.courier.presence;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;

/**
 * One account's entry in the online map: its devices with a stream (online while there is one) and the device
 * streams watching it. Lives on the account's partition owner; changed only by the entry processors of
 * {@link OnlineWatch}, so "first device connected" and "last device left" are decided in one place.
 */
record AccountWatch(Map<Integer, Presence> devices, Map<DeviceAddress, Presence> watchers) implements Serializable {
    static AccountWatch empty() {
        return new AccountWatch(new HashMap<>(), new HashMap<>());
    }

    /** A copy to change (entry values are never modified in place). */
    AccountWatch copy() {
        return new AccountWatch(new HashMap<>(devices), new HashMap<>(watchers));
    }

    boolean online() {
        return !devices.isEmpty();
    }

    boolean isEmpty() {
        return devices.isEmpty() && watchers.isEmpty();
    }

    List<Watcher> watcherList() {
        return watchers.entrySet().stream().map(e -> new Watcher(e.getKey(), e.getValue())).toList();
    }

    /** A device stream subscribed to an account's presence. */
    record Watcher(DeviceAddress device, Presence stream) implements Serializable {
    }

    /** The account went online or offline; whom to tell. */
    record Transition(boolean online, List<Watcher> watchers) implements Serializable {
    }
}
