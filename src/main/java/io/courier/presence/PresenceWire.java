package io.courier.presence;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

import io.courier.cluster.DeviceAddress;
import io.courier.cluster.GridTypes;
import io.courier.cluster.Presence;
import io.courier.cluster.Wire;

/**
 * The online map's wire forms ({@link Wire}): every stream's open and end runs one of its entry processors and gets
 * a transition back, which Java serialization wrote and read with class descriptors (in a 100k connect storm, 5 % of
 * the node's CPU samples were spent reading them back, on the one common-pool thread). Ids 200–299.
 */
public final class PresenceWire {
    private PresenceWire() {
    }

    public static GridTypes types() {
        return new GridTypes(List.of(
                Wire.of(WatchOperations.Connected.class, 200, (out, op) -> {
                    out.writeInt(op.deviceId());
                    out.writeObject(op.stream());
                }, in -> new WatchOperations.Connected(in.readInt(), in.readObject())),
                Wire.of(WatchOperations.Disconnected.class, 201, (out, op) -> {
                    out.writeInt(op.deviceId());
                    out.writeObject(op.stream());
                }, in -> new WatchOperations.Disconnected(in.readInt(), in.readObject())),
                Wire.of(WatchOperations.Watch.class, 202, (out, op) -> {
                    out.writeObject(op.watcher());
                    out.writeObject(op.stream());
                    out.writeInt(op.max());
                }, in -> new WatchOperations.Watch(in.readObject(), in.readObject(), in.readInt())),
                Wire.of(WatchOperations.Unwatch.class, 203, (out, op) -> {
                    out.writeObject(op.watcher());
                    out.writeObject(op.stream());
                }, in -> new WatchOperations.Unwatch(in.readObject(), in.readObject())),
                Wire.of(WatchOperations.DropMember.class, 204, (out, op) -> out.writeString(op.memberId()),
                        in -> new WatchOperations.DropMember(in.readString())),
                Wire.of(AccountWatch.Watcher.class, 205, (out, w) -> {
                    out.writeObject(w.device());
                    out.writeObject(w.stream());
                }, in -> new AccountWatch.Watcher(in.readObject(), in.readObject())),
                Wire.of(AccountWatch.Transition.class, 206, (out, t) -> {
                    out.writeBoolean(t.online());
                    writeWatchers(out, t.watchers());
                }, in -> new AccountWatch.Transition(in.readBoolean(), readWatchers(in))),
                Wire.of(AccountWatch.class, 207, PresenceWire::writeWatch, PresenceWire::readWatch)));
    }

    private static void writeWatchers(ObjectDataOutput out, List<AccountWatch.Watcher> watchers) throws IOException {
        out.writeInt(watchers.size());
        for (AccountWatch.Watcher watcher : watchers) {
            out.writeObject(watcher);
        }
    }

    private static List<AccountWatch.Watcher> readWatchers(ObjectDataInput in) throws IOException {
        int size = in.readInt();
        List<AccountWatch.Watcher> watchers = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            watchers.add(in.readObject());
        }
        return watchers;
    }

    private static void writeWatch(ObjectDataOutput out, AccountWatch watch) throws IOException {
        out.writeInt(watch.devices().size());
        for (Map.Entry<Integer, Presence> device : watch.devices().entrySet()) {
            out.writeInt(device.getKey());
            out.writeObject(device.getValue());
        }
        out.writeInt(watch.watchers().size());
        for (Map.Entry<DeviceAddress, Presence> watcher : watch.watchers().entrySet()) {
            out.writeObject(watcher.getKey());
            out.writeObject(watcher.getValue());
        }
    }

    private static AccountWatch readWatch(ObjectDataInput in) throws IOException {
        Map<Integer, Presence> devices = new HashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            devices.put(in.readInt(), in.readObject());
        }
        Map<DeviceAddress, Presence> watchers = new HashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            watchers.put(in.readObject(), in.readObject());
        }
        return new AccountWatch(devices, watchers);
    }
}
