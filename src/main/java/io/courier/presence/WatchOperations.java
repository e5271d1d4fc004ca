package io.courier.presence;

import java.util.Map;
import java.util.UUID;

import com.hazelcast.map.EntryProcessor;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.presence.AccountWatch.Transition;

/** The entry processors of the online map: each runs atomically on the account's partition owner. */
final class WatchOperations {
    private WatchOperations() {
    }

    /** Stores the result; an entry with no device and no watcher goes. */
    private static void store(Map.Entry<UUID, AccountWatch> entry, AccountWatch next) {
        entry.setValue(next.isEmpty() ? null : next);
    }

    private static AccountWatch current(Map.Entry<UUID, AccountWatch> entry) {
        return entry.getValue() == null ? AccountWatch.empty() : entry.getValue().copy();
    }

    /** A device's stream registered; a newer stream of the same device replaces the older one's record. */
    record Connected(int deviceId, Presence stream) implements EntryProcessor<UUID, AccountWatch, Transition> {
        @Override
        public Transition process(Map.Entry<UUID, AccountWatch> entry) {
            AccountWatch watch = current(entry);
            boolean wasOnline = watch.online();
            Presence known = watch.devices().get(deviceId);
            if (known != null && known.epoch() > stream.epoch()) {
                return null;
            }
            watch.devices().put(deviceId, stream);
            store(entry, watch);
            return wasOnline ? null : new Transition(true, watch.watcherList());
        }
    }

    /** A device's stream ended: removed only if it is still the stream on record. */
    record Disconnected(int deviceId, Presence stream) implements EntryProcessor<UUID, AccountWatch, Transition> {
        @Override
        public Transition process(Map.Entry<UUID, AccountWatch> entry) {
            AccountWatch watch = current(entry);
            if (!watch.devices().remove(deviceId, stream)) {
                return null;
            }
            store(entry, watch);
            return watch.online() ? null : new Transition(false, watch.watcherList());
        }
    }

    /** Adds a watching stream (at most {@code max} per account); completes with whether the account is online. */
    record Watch(DeviceAddress watcher, Presence stream, int max)
            implements EntryProcessor<UUID, AccountWatch, Boolean> {
        @Override
        public Boolean process(Map.Entry<UUID, AccountWatch> entry) {
            AccountWatch watch = current(entry);
            if (watch.watchers().containsKey(watcher) || watch.watchers().size() < max) {
                watch.watchers().put(watcher, stream);
                store(entry, watch);
            }
            return watch.online();
        }
    }

    /** Removes a watching stream, only if it is still the one on record (not a newer stream of the device). */
    record Unwatch(DeviceAddress watcher, Presence stream) implements EntryProcessor<UUID, AccountWatch, Void> {
        @Override
        public Void process(Map.Entry<UUID, AccountWatch> entry) {
            AccountWatch watch = current(entry);
            if (watch.watchers().remove(watcher, stream)) {
                store(entry, watch);
            }
            return null;
        }
    }

    /** A cluster member left: its streams (devices and watchers) are gone. */
    record DropMember(String memberId) implements EntryProcessor<UUID, AccountWatch, Transition> {
        @Override
        public Transition process(Map.Entry<UUID, AccountWatch> entry) {
            AccountWatch watch = current(entry);
            boolean wasOnline = watch.online();
            boolean changed = watch.devices().values().removeIf(p -> p.memberId().equals(memberId))
                    | watch.watchers().values().removeIf(p -> p.memberId().equals(memberId));
            if (!changed) {
                return null;
            }
            store(entry, watch);
            return wasOnline && !watch.online() ? new Transition(false, watch.watcherList()) : null;
        }
    }
}
