package io.courier.cluster;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.Serializer;

/**
 * The wire forms ({@link Wire}) one capability registers for its grid types, and the factories of its own grid
 * operations by factory id; every member registers them all.
 */
public record GridTypes(List<SerializerConfig> serializers, Map<Integer, DataSerializableFactory> operations) {
    /**
     * The release whose wire forms these are. Change it with any change to a form's layout under the same type id,
     * and with any change to the fields of a grid class that still travels by Java serialization (the device
     * queue's entry {@code DeviceQueue}, {@code InboxUsage}, the held ticks' {@code SenderTicks} and {@code Tick},
     * the executor tasks): their layout is not in the form, so {@code JavaSerializedLayoutTest} records it with this
     * release and fails when it changes under the same one. A type id added, removed or renumbered changes
     * {@link #wireForm} by itself.
     */
    static final String WIRE_RELEASE = "2026-12-07.4";

    public GridTypes(List<SerializerConfig> serializers) {
        this(serializers, Map.of());
    }

    /**
     * The cluster's own: device addresses (the key of every device queue operation), presence and its operations
     * (a lookup on every delivery), bus messages (every push to another node), rate-limit steps and load-through
     * cache entries. Ids 1–99.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static GridTypes cluster() {
        return new GridTypes(List.of(
                Wire.of(DeviceAddress.class, 1, (out, device) -> {
                    Wire.writeUuid(out, device.accountId());
                    out.writeInt(device.deviceId());
                }, in -> new DeviceAddress(Wire.readUuid(in), in.readInt())),
                Wire.of(Presence.class, 2, GridTypes::writePresence, GridTypes::readPresence),
                Wire.of(PresenceDirectory.Registration.class, 3, (out, r) -> {
                    out.writeBoolean(r.won());
                    out.writeObject(r.other());
                }, in -> new PresenceDirectory.Registration(in.readBoolean(), in.readObject())),
                Wire.of(PresenceDirectory.RegisterIfNewer.class, 4, (out, op) -> writePresence(out, op.candidate()),
                        in -> new PresenceDirectory.RegisterIfNewer(readPresence(in))),
                Wire.of(PresenceDirectory.RemoveIfSame.class, 5, (out, op) -> writePresence(out, op.expected()),
                        in -> new PresenceDirectory.RemoveIfSame(readPresence(in))),
                Wire.of(BusMessage.Push.class, 6, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeObject(m.item());
                }, in -> new BusMessage.Push(in.readObject(), (Serializable) in.readObject())),
                Wire.of(BusMessage.Ephemeral.class, 7, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeByteArray(m.frame());
                }, in -> new BusMessage.Ephemeral(in.readObject(), in.readByteArray())),
                Wire.of(BusMessage.Notice.class, 8, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeLong(m.epoch());
                    out.writeByteArray(m.frame());
                }, in -> new BusMessage.Notice(in.readObject(), in.readLong(), in.readByteArray())),
                Wire.of(BusMessage.Refresh.class, 9, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeLong(m.epoch());
                }, in -> new BusMessage.Refresh(in.readObject(), in.readLong())),
                Wire.of(BusMessage.Supersede.class, 10, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeLong(m.epoch());
                }, in -> new BusMessage.Supersede(in.readObject(), in.readLong())),
                Wire.of(BusMessage.Revoked.class, 11, (out, m) -> {
                    out.writeObject(m.target());
                    out.writeLong(m.epoch());
                }, in -> new BusMessage.Revoked(in.readObject(), in.readLong())),
                Wire.of(RateLimiter.Gcra.class, 12, (out, op) -> {
                    out.writeLong(op.now());
                    out.writeLong(op.increment());
                    out.writeLong(op.tolerance());
                }, in -> new RateLimiter.Gcra(in.readLong(), in.readLong(), in.readLong())),
                Wire.of((Class) LoadThroughCache.Entry.class, 13, (out, e) -> writeEntry(out,
                        (LoadThroughCache.Entry<?>) e), GridTypes::readEntry),
                Wire.of((Class) LoadThroughCache.Fill.class, 14,
                        (out, op) -> writeEntry(out, ((LoadThroughCache.Fill<?, ?>) op).loaded()),
                        in -> new LoadThroughCache.Fill<>(readEntry(in))),
                Wire.of((Class) LoadThroughCache.Bump.class, 15, (out, op) -> { },
                        in -> new LoadThroughCache.Bump<>())));
    }

    /** The cluster's own types, then the capabilities': all that a member registers. */
    public static List<GridTypes> withCluster(List<GridTypes> capabilities) {
        return Stream.concat(Stream.of(cluster()), capabilities.stream()).toList();
    }

    /**
     * Names the wire forms of a member that registers {@code all}: the release and every type and operation factory
     * id. Members whose names differ can't read each other's grid data.
     */
    static String wireForm(List<GridTypes> all) {
        String types = all.stream().flatMap(t -> t.serializers().stream())
                .map(c -> ((Serializer) c.getImplementation()).getTypeId()).sorted().map(String::valueOf)
                .collect(Collectors.joining(","));
        String factories = all.stream().flatMap(t -> t.operations().keySet().stream()).sorted()
                .map(String::valueOf).collect(Collectors.joining(","));
        return String.join(" / ", WIRE_RELEASE, types, factories);
    }

    private static void writePresence(ObjectDataOutput out, Presence p)
            throws IOException {
        out.writeString(p.memberId());
        out.writeLong(p.epoch());
    }

    private static Presence readPresence(ObjectDataInput in) throws IOException {
        return new Presence(in.readString(), in.readLong());
    }

    private static void writeEntry(ObjectDataOutput out, LoadThroughCache.Entry<?> entry)
            throws IOException {
        out.writeLong(entry.version());
        out.writeObject(entry.value());
    }

    private static LoadThroughCache.Entry<Object> readEntry(ObjectDataInput in)
            throws IOException {
        return new LoadThroughCache.Entry<>(in.readLong(), in.readObject());
    }
}
