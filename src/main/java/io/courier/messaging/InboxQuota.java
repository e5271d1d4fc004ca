package io.courier.messaging;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.hazelcast.config.SerializerConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

import io.courier.cluster.Wire;
import reactor.core.publisher.Mono;

/**
 * Caps what waits un-acked in each device's inbox, in items and bytes, so no sender (or crowd of senders) can fill a
 * recipient's partition for the 30 days rows live. Usage is counted per day of storage in a Hazelcast entry per
 * recipient account, updated atomically on its partition owner: a send checks and adds for all its recipient devices
 * at once, an ack subtracts from the oldest days first (inboxes drain in order), and days older than the inbox TTL
 * fall out on their own, as their rows do. The counts live in memory: a full cluster restart forgets them, and the
 * quota then fails open until the devices drain.
 */
public final class InboxQuota {
    static final String MAP = "courier-inbox-usage";
    static final int DAYS = 31;

    /** Items and bytes a device may have waiting. */
    public record Limits(long items, long bytes) implements Serializable {
    }

    private final IMap<UUID, AccountUsage> usage;
    private final Limits limits;
    private final Clock clock;

    public InboxQuota(HazelcastInstance hazelcast, Limits limits, Clock clock) {
        this.usage = hazelcast.getMap(MAP);
        this.limits = limits;
        this.clock = clock;
    }

    /** Counts a message for these devices of {@code account} if every one has room: completes false if one hasn't. */
    Mono<Boolean> tryAdd(UUID account, Map<Integer, Integer> bytesByDevice) {
        return Mono.fromCompletionStage(() -> usage.submitToKey(account,
                new Add(today(), new HashMap<>(bytesByDevice), limits)));
    }

    /** Uncounts acked messages of one device. */
    Mono<Void> release(UUID account, int deviceId, int items, long bytes) {
        if (items == 0) {
            return Mono.empty();
        }
        return Mono.fromCompletionStage(() -> usage.submitToKey(account, new Release(today(), deviceId, items, bytes)))
                .then();
    }

    /** Forgets a removed device's counts: its inbox went with it. */
    Mono<Void> forget(UUID account, int deviceId) {
        return release(account, deviceId, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    private long today() {
        return clock.millis() / Duration.ofDays(1).toMillis();
    }

    /** Per device, a ring of {@link #DAYS} daily counts of what was stored and not yet acked. */
    static final class AccountUsage implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<Integer, long[]> items = new HashMap<>();
        private final Map<Integer, long[]> bytes = new HashMap<>();
        private long newestDay;

        /** Clears the slots of days that have passed since the last update: their rows have expired. */
        void advanceTo(long today) {
            if (today <= newestDay) {
                return;
            }
            for (long day = Math.max(newestDay + 1, today - DAYS + 1); day <= today; day++) {
                int slot = (int) (day % DAYS);
                items.values().forEach(ring -> ring[slot] = 0);
                bytes.values().forEach(ring -> ring[slot] = 0);
            }
            newestDay = today;
        }

        long total(Map<Integer, long[]> rings, int device) {
            long[] ring = rings.get(device);
            long sum = 0;
            if (ring != null) {
                for (long count : ring) {
                    sum += count;
                }
            }
            return sum;
        }

        boolean isEmpty() {
            for (int device : items.keySet()) {
                if (total(items, device) > 0 || total(bytes, device) > 0) {
                    return false;
                }
            }
            return true;
        }

        /** Subtracts from the oldest days first, never below zero. */
        void subtract(Map<Integer, long[]> rings, int device, long amount) {
            long[] ring = rings.get(device);
            if (ring == null) {
                return;
            }
            for (long day = newestDay - DAYS + 1; day <= newestDay && amount > 0; day++) {
                int slot = (int) Math.floorMod(day, (long) DAYS);
                long taken = Math.min(ring[slot], amount);
                ring[slot] -= taken;
                amount -= taken;
            }
        }
    }

    /** Runs on the account's partition owner: all recipient devices are checked, then all are counted. */
    static final class Add implements EntryProcessor<UUID, AccountUsage, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long today;
        private final HashMap<Integer, Integer> bytesByDevice;
        private final Limits limits;

        Add(long today, HashMap<Integer, Integer> bytesByDevice, Limits limits) {
            this.today = today;
            this.bytesByDevice = bytesByDevice;
            this.limits = limits;
        }

        @Override
        public Boolean process(Map.Entry<UUID, AccountUsage> entry) {
            AccountUsage account = entry.getValue() == null ? new AccountUsage() : entry.getValue();
            account.advanceTo(today);
            for (Map.Entry<Integer, Integer> device : bytesByDevice.entrySet()) {
                if (account.total(account.items, device.getKey()) + 1 > limits.items()
                        || account.total(account.bytes, device.getKey()) + device.getValue() > limits.bytes()) {
                    return false;
                }
            }
            int slot = (int) (today % DAYS);
            bytesByDevice.forEach((device, size) -> {
                account.items.computeIfAbsent(device, d -> new long[DAYS])[slot]++;
                account.bytes.computeIfAbsent(device, d -> new long[DAYS])[slot] += size;
            });
            entry.setValue(account);
            return true;
        }
    }

    static final class Release implements EntryProcessor<UUID, AccountUsage, Void> {
        private static final long serialVersionUID = 1L;
        private final long today;
        private final int device;
        private final int items;
        private final long bytes;

        Release(long today, int device, int items, long bytes) {
            this.today = today;
            this.device = device;
            this.items = items;
            this.bytes = bytes;
        }

        @Override
        public Void process(Map.Entry<UUID, AccountUsage> entry) {
            AccountUsage account = entry.getValue();
            if (account == null) {
                return null;
            }
            account.advanceTo(today);
            account.subtract(account.items, device, items);
            account.subtract(account.bytes, device, bytes);
            entry.setValue(account.isEmpty() ? null : account);
            return null;
        }
    }

    /** The wire forms of the ops ({@link MessagingWire}). */
    static List<SerializerConfig> wire() {
        return List.of(
                Wire.of(Add.class, 140, (out, op) -> {
                    out.writeLong(op.today);
                    out.writeInt(op.bytesByDevice.size());
                    for (Map.Entry<Integer, Integer> device : op.bytesByDevice.entrySet()) {
                        out.writeInt(device.getKey());
                        out.writeInt(device.getValue());
                    }
                    out.writeLong(op.limits.items());
                    out.writeLong(op.limits.bytes());
                }, in -> {
                    long today = in.readLong();
                    int devices = in.readInt();
                    HashMap<Integer, Integer> bytesByDevice = new HashMap<>();
                    for (int i = 0; i < devices; i++) {
                        bytesByDevice.put(in.readInt(), in.readInt());
                    }
                    return new Add(today, bytesByDevice, new Limits(in.readLong(), in.readLong()));
                }),
                Wire.of(Release.class, 141, (out, op) -> {
                    out.writeLong(op.today);
                    out.writeInt(op.device);
                    out.writeInt(op.items);
                    out.writeLong(op.bytes);
                }, in -> new Release(in.readLong(), in.readInt(), in.readInt(), in.readLong())));
    }
}
