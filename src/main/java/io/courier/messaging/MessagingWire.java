package io.courier.messaging;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.GridTypes;
import io.courier.cluster.Wire;

/**
 * The wire forms of messaging's grid types: queue items and records here, the operations beside their classes
 * ({@link QueueOps}, {@link HeldTicks}), where their fields are.
 */
final class MessagingWire {
    private MessagingWire() {
    }

    static GridTypes types() {
        List<SerializerConfig> serializers = new ArrayList<>(List.of(
                Wire.of(InboxItem.Message.class, 100, (out, m) -> {
                    out.writeLong(m.serverId());
                    Wire.writeUuid(out, m.sender());
                    out.writeInt(m.senderDevice());
                    out.writeLong(m.clientMessageId());
                    Wire.writeInstant(out, m.serverTime());
                    out.writeInt(m.envelopeType());
                    out.writeByteArray(m.ciphertext());
                    Wire.writeUuid(out, m.groupId());
                    Wire.writeUuid(out, m.syncRecipient());
                    out.writeLong(m.expiresAt() == null ? 0 : m.expiresAt().toEpochMilli()); // 0: none
                    out.writeString(m.trace());
                }, in -> new InboxItem.Message(in.readLong(), Wire.readUuid(in), in.readInt(), in.readLong(),
                        Wire.readInstant(in), in.readInt(), in.readByteArray(), Wire.readUuid(in),
                        Wire.readUuid(in), expiresAt(in.readLong()), in.readString())),
                Wire.of(InboxItem.Receipt.class, 101, (out, r) -> {
                    out.writeLong(r.serverId());
                    out.writeLong(r.messageServerId());
                    out.writeInt(r.recipients().size());
                    for (var recipient : r.recipients()) {
                        Wire.writeUuid(out, recipient);
                    }
                    out.writeInt(r.state().getNumber());
                    Wire.writeInstant(out, r.time());
                    Wire.writeUuid(out, r.groupId());
                }, in -> {
                    long serverId = in.readLong();
                    long messageServerId = in.readLong();
                    int count = in.readInt();
                    List<java.util.UUID> recipients = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        recipients.add(Wire.readUuid(in));
                    }
                    return new InboxItem.Receipt(serverId, messageServerId, recipients,
                            ReceiptState.forNumber(in.readInt()), Wire.readInstant(in), Wire.readUuid(in));
                }),
                Wire.of(InboxItem.GroupChange.class, 102, (out, g) -> {
                    out.writeLong(g.serverId());
                    out.writeByteArray(g.event());
                }, in -> new InboxItem.GroupChange(in.readLong(), in.readByteArray())),
                Wire.of(InboxItem.AccountChange.class, 107, (out, a) -> {
                    out.writeLong(a.serverId());
                    out.writeByteArray(a.event());
                }, in -> new InboxItem.AccountChange(in.readLong(), in.readByteArray())),
                Wire.of(Queued.class, 103, (out, q) -> {
                    out.writeLong(q.seq());
                    out.writeObject(q.item());
                }, in -> new Queued(in.readLong(), in.readObject())),
                Wire.of(DeviceQueue.Send.class, 104, (out, s) -> {
                    out.writeLong(s.serverId());
                    out.writeLong(s.serverTimeMillis());
                    out.writeBoolean(s.complete());
                    out.writeBoolean(s.logged());
                }, in -> new DeviceQueue.Send(in.readLong(), in.readLong(), in.readBoolean(), in.readBoolean())),
                Wire.of(DeviceQueue.Limits.class, 105, (out, l) -> {
                    out.writeInt(l.items());
                    out.writeLong(l.bytes());
                    out.writeLong(l.holdMillis());
                    out.writeLong(l.quota().items());
                    out.writeLong(l.quota().bytes());
                    out.writeDouble(l.quota().senderShare());
                    out.writeInt(l.quota().days());
                }, in -> new DeviceQueue.Limits(in.readInt(), in.readLong(), in.readLong(), new InboxUsage.Quota(
                        in.readLong(), in.readLong(), in.readDouble(), in.readInt()))),
                Wire.of(DeviceQueue.Spill.class, 106, (out, s) -> {
                    Wire.writeList(out, s.items());
                    Wire.writeList(out, s.sharedItems());
                    out.writeInt(s.sends().size());
                    for (Map.Entry<Long, DeviceQueue.Send> e : s.sends().entrySet()) {
                        out.writeLong(e.getKey());
                        out.writeObject(e.getValue());
                    }
                }, in -> {
                    List<Queued> items = Wire.readList(in);
                    List<Queued> shared = Wire.readList(in);
                    int count = in.readInt();
                    Map<Long, DeviceQueue.Send> sends = new LinkedHashMap<>();
                    for (int i = 0; i < count; i++) {
                        sends.put(in.readLong(), in.readObject());
                    }
                    return new DeviceQueue.Spill(items, shared, sends);
                })));
        Stream.of(QueueOps.wire(), HeldTicks.wire()).forEach(serializers::addAll);
        return new GridTypes(List.copyOf(serializers), Map.of(BackedUpEntries.FACTORY_ID, BackedUpEntries.factory()));
    }

    private static Instant expiresAt(long epochMillis) {
        return epochMillis == 0 ? null : Instant.ofEpochMilli(epochMillis);
    }

    static void writeLongs(ObjectDataOutput out, Collection<Long> values) throws IOException {
        out.writeInt(values.size());
        for (long value : values) {
            out.writeLong(value);
        }
    }

    static List<Long> readLongs(ObjectDataInput in) throws IOException {
        int size = in.readInt();
        List<Long> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            values.add(in.readLong());
        }
        return values;
    }

    /** A map to longs, each key in the form {@code key} writes. */
    static <K> void writeLongMap(ObjectDataOutput out, Map<K, Long> map, Wire.Writer<K> key) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<K, Long> e : map.entrySet()) {
            key.write(out, e.getKey());
            out.writeLong(e.getValue());
        }
    }

    static <K> Map<K, Long> readLongMap(ObjectDataInput in, Wire.Reader<K> key) throws IOException {
        int size = in.readInt();
        Map<K, Long> map = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            map.put(key.read(in), in.readLong());
        }
        return map;
    }
}
