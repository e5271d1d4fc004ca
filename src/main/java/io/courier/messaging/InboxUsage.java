package io.courier.messaging;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.courier.common.ConfigRefusal;

/**
 * The inbox quota of one device, kept in its queue's grid entry: what waits un-acked there from other accounts
 * (1:1 and group messages; not receipts, group events or the owner's own sync copies), in items and bytes, in total
 * and per sender. A send checks and counts in the same entry processor that enqueues it, and the acked-through mark
 * releases what it passes, so the quota costs no grid operation of its own.
 *
 * <p>Counts are kept per run of {@value #RUN} sequences, so an offline device with thousands of waiting items costs a
 * few objects: a run is released once the mark passes its last counted item (an ack in the middle of a run releases
 * it when the mark reaches its end; the whole queue acked releases everything). A run whose first item is older than
 * the log's TTL is dropped: its rows have expired.
 */
final class InboxUsage implements Serializable {
    private static final long serialVersionUID = 1L;
    static final int RUN = 64;
    private static final long DAY_MILLIS = Duration.ofDays(1).toMillis();

    /**
     * What a device may hold un-acked: {@code items} and {@code bytes} in all, a sender at most {@code senderShare}
     * of each (so no stranger can make the device unreachable for everyone else), for {@code days} (the log's TTL).
     */
    record Quota(long items, long bytes, double senderShare, int days) implements Serializable {
        static final Quota UNLIMITED = new Quota(Long.MAX_VALUE, Long.MAX_VALUE, 1.0, 30);

        /** The configured quota; a share outside (0, 1] refuses the start, naming its setting. */
        static Quota configured(long items, long bytes, double senderShare, int days) {
            if (!(senderShare > 0 && senderShare <= 1)) {
                throw new ConfigRefusal("courier.messaging.inbox-sender-share must be above 0 and at most 1 (it is "
                        + senderShare + "): at 0 no one could send to anyone, above 1 one sender could fill a whole"
                        + " inbox");
            }
            return new Quota(items, bytes, senderShare, days);
        }

        long senderItems() {
            return items == Long.MAX_VALUE ? items : (long) Math.ceil(items * senderShare);
        }

        long senderBytes() {
            return bytes == Long.MAX_VALUE ? bytes : (long) Math.ceil(bytes * senderShare);
        }
    }

    /** Why an enqueue found no room. */
    enum NoRoom {
        /** The device holds its whole quota. */
        DEVICE_FULL,
        /** The sender holds its share of the device's quota. */
        SENDER_SHARE_FULL
    }

    /** An enqueue refused for want of room (nothing was stored); no stack trace: it is an answer, not a fault. */
    static final class Full extends RuntimeException {
        private final NoRoom reason;

        Full(NoRoom reason) {
            super("no room in the device's inbox: " + reason, null, false, false);
            this.reason = reason;
        }

        NoRoom reason() {
            return reason;
        }
    }

    /** Items and bytes. */
    private static final class Count implements Serializable {
        private static final long serialVersionUID = 1L;
        long items;
        long bytes;

        void add(long items, long bytes) {
            this.items += items;
            this.bytes += bytes;
        }
    }

    private static final class Run implements Serializable {
        private static final long serialVersionUID = 1L;
        final long day;
        long lastSeq;
        final Count total = new Count();
        final Map<UUID, Count> bySender = new HashMap<>(2);

        Run(long day) {
            this.day = day;
        }
    }

    private final TreeMap<Long, Run> runs = new TreeMap<>();
    private final Count total = new Count();
    private final Map<UUID, Count> bySender = new HashMap<>();

    /** Whether these items fit, all of them; null if they do. */
    NoRoom check(UUID owner, List<? extends InboxItem> items, Quota quota) {
        Count adding = new Count();
        Map<UUID, Count> addingBySender = new HashMap<>(2);
        for (InboxItem item : items) {
            if (item instanceof InboxItem.Message m && m.countsAsDeliveryTo(owner)) {
                adding.add(1, m.ciphertext().length);
                addingBySender.computeIfAbsent(m.sender(), s -> new Count()).add(1, m.ciphertext().length);
            }
        }
        if (total.items + adding.items > quota.items() || total.bytes + adding.bytes > quota.bytes()) {
            return NoRoom.DEVICE_FULL;
        }
        for (Map.Entry<UUID, Count> sender : addingBySender.entrySet()) {
            Count held = bySender.getOrDefault(sender.getKey(), new Count());
            if (held.items + sender.getValue().items > quota.senderItems()
                    || held.bytes + sender.getValue().bytes > quota.senderBytes()) {
                return NoRoom.SENDER_SHARE_FULL;
            }
        }
        return null;
    }

    /** Counts the items enqueued from {@code first} on (primary and backup alike: the same items, the same seqs). */
    void count(UUID owner, long first, List<? extends InboxItem> items, long nowMillis) {
        long seq = first;
        for (InboxItem item : items) {
            if (item instanceof InboxItem.Message m && m.countsAsDeliveryTo(owner)) {
                int size = m.ciphertext().length;
                Run run = runs.computeIfAbsent(seq / RUN, r -> new Run(nowMillis / DAY_MILLIS));
                run.lastSeq = Math.max(run.lastSeq, seq);
                run.total.add(1, size);
                run.bySender.computeIfAbsent(m.sender(), s -> new Count()).add(1, size);
                total.add(1, size);
                bySender.computeIfAbsent(m.sender(), s -> new Count()).add(1, size);
            }
            seq++;
        }
    }

    /** Releases every run whose counted items are all at or below the acked-through mark. */
    void releaseThrough(long mark) {
        Iterator<Run> oldest = runs.values().iterator();
        while (oldest.hasNext()) {
            Run run = oldest.next();
            if (run.lastSeq > mark) {
                return;
            }
            release(run);
            oldest.remove();
        }
    }

    /** Drops the runs whose first item is older than the quota's days: their rows have expired from the log. */
    void expire(long nowMillis, Quota quota) {
        long oldestLive = nowMillis / DAY_MILLIS - quota.days();
        Iterator<Run> oldest = runs.values().iterator();
        while (oldest.hasNext()) {
            Run run = oldest.next();
            if (run.day >= oldestLive) {
                return;
            }
            release(run);
            oldest.remove();
        }
    }

    private void release(Run run) {
        total.add(-run.total.items, -run.total.bytes);
        run.bySender.forEach((sender, count) -> {
            Count held = bySender.get(sender);
            held.add(-count.items, -count.bytes);
            if (held.items == 0) {
                bySender.remove(sender);
            }
        });
    }

    boolean isEmpty() {
        return runs.isEmpty();
    }

    long items() {
        return total.items;
    }

    long bytes() {
        return total.bytes;
    }
}
