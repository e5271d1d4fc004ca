package io.courier.presence;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The last-seen times this node stored in the last {@code granularity}, so an account going offline again within it
 * keeps the stored time instead of writing a new one: a device that drops and comes back (a flaky network, a
 * reconnect storm after a node restart) costs one write per granularity, not one per close. The time announced is
 * the time that stands in the database, so watchers and later readers agree; it is never later than the truth and
 * at most {@code granularity} earlier. Node-local: another node's newer write is not seen here.
 */
final class RecentLastSeen {
    /** What an offline transition shows and whether it stores it. */
    record Offline(Instant seen, boolean write) {
    }

    private final Duration granularity;
    private final int maxAccounts;
    /** In the order stored (an account stored again moves to the end), so the oldest are first to go. */
    private final LinkedHashMap<UUID, Instant> recent = new LinkedHashMap<>();

    RecentLastSeen(Duration granularity, int maxAccounts) {
        this.granularity = granularity;
        this.maxAccounts = maxAccounts;
    }

    /** The account's last device went offline {@code now}. */
    synchronized Offline offline(UUID account, Instant now) {
        Instant since = now.minus(granularity);
        forgetOlderThan(since);
        Instant kept = recent.get(account);
        return kept != null && kept.isAfter(since) && !kept.isAfter(now) ? new Offline(kept, false)
                : new Offline(now, true);
    }

    /** {@code seen} was written for the account. */
    synchronized void stored(UUID account, Instant seen) {
        recent.remove(account);
        recent.put(account, seen);
        if (recent.size() > maxAccounts) {
            Iterator<UUID> oldest = recent.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    synchronized void forget(UUID account) {
        recent.remove(account);
    }

    synchronized int size() {
        return recent.size();
    }

    private void forgetOlderThan(Instant limit) {
        for (Iterator<Map.Entry<UUID, Instant>> oldest = recent.entrySet().iterator(); oldest.hasNext();) {
            if (oldest.next().getValue().isAfter(limit)) {
                return;
            }
            oldest.remove();
        }
    }
}
