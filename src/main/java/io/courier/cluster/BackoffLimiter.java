package io.courier.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;

import io.courier.common.RetryAfter;
import reactor.core.publisher.Mono;

/**
 * Cluster-wide {@link Backoff}s in a Hazelcast map, one entry per (schedule, key), checked and counted in one entry
 * processor on the key's partition owner: concurrent callers on any node can't both take the same slot. An entry is
 * {@code [window start, actions in the window, last action]} in milliseconds and expires with its window.
 */
public final class BackoffLimiter {
    static final String MAP = "courier-backoffs";
    /** Keys are phone numbers strangers choose; past the bound the least recently used entry goes (fails open). */
    static final int ENTRIES_PER_MEMBER = 200_000;

    private final IMap<String, long[]> entries;
    private final Clock clock;

    public BackoffLimiter(HazelcastInstance hazelcast, Clock clock) {
        this.entries = hazelcast.getMap(MAP);
        this.clock = clock;
    }

    /** One synchronous backup: a member dying doesn't reset the schedules it owned. */
    static MapConfig mapConfig() {
        return BoundedMaps.lru(new MapConfig(MAP).setBackupCount(1), ENTRIES_PER_MEMBER);
    }

    /**
     * Takes the next action of {@code key}'s schedule, or fails with RESOURCE_EXHAUSTED saying when it will be
     * allowed (message and {@code retry-after-ms} trailer). Completes with the time it was taken at, which
     * {@link #giveBack} needs.
     */
    public Mono<Long> acquire(Backoff backoff, String key) {
        long[] delays = backoff.delays().stream().mapToLong(Duration::toMillis).toArray();
        long now = clock.millis();
        Step step = new Step(now, delays, backoff.maxPerWindow(), backoff.window().toMillis());
        return Mono.fromCompletionStage(() -> entries.submitToKey(backoff.name() + '\u0000' + key, step))
                .map(waitMillis -> {
                    if (waitMillis > 0) {
                        throw RetryAfter.resourceExhausted("too many " + backoff.name(), waitMillis);
                    }
                    return now;
                });
    }

    /**
     * Undoes the action taken at {@code takenAt} when what it was for didn't happen (a later check refused it), if
     * it is still the schedule's latest: the next one is then allowed as if it had never been taken.
     */
    public Mono<Void> giveBack(Backoff backoff, String key, long takenAt) {
        return Mono.fromCompletionStage(() -> entries.submitToKey(backoff.name() + '\u0000' + key,
                new GiveBack(takenAt))).then();
    }

    /** Runs on the partition owner (again, with the same {@code now}, on the backup); returns the wait, 0 if taken. */
    static final class Step implements EntryProcessor<String, long[], Long> {
        private static final long serialVersionUID = 1L;
        private final long now;
        private final long[] delays;
        private final int max;
        private final long window;

        Step(long now, long[] delays, int max, long window) {
            this.now = now;
            this.delays = delays;
            this.max = max;
            this.window = window;
        }

        @Override
        public Long process(Map.Entry<String, long[]> entry) {
            long[] state = entry.getValue();
            boolean fresh = state == null || now >= state[0] + window;
            long start = fresh ? now : state[0];
            int taken = fresh ? 0 : (int) state[1];
            if (taken >= max) {
                return start + window - now;
            }
            if (taken > 0) {
                long wait = state[2] + delays[Math.min(taken - 1, delays.length - 1)] - now;
                if (wait > 0) {
                    return wait;
                }
            }
            // The time of the action before this one is kept, so a give-back can restore it.
            long previous = taken > 0 ? state[2] : 0;
            ((ExtendedMapEntry<String, long[]>) entry).setValue(new long[] { start, taken + 1, now, previous },
                    start + window - now, TimeUnit.MILLISECONDS);
            return 0L;
        }
    }

    /** Runs on the partition owner (and the same on the backup): state is {start, taken, last, previous}. */
    static final class GiveBack implements EntryProcessor<String, long[], Void> {
        private static final long serialVersionUID = 1L;
        private final long takenAt;

        GiveBack(long takenAt) {
            this.takenAt = takenAt;
        }

        @Override
        public Void process(Map.Entry<String, long[]> entry) {
            long[] state = entry.getValue();
            if (state == null || state[2] != takenAt || state[1] == 0) {
                return null; // another action came since, or the window started afresh: leave it
            }
            if (state[1] == 1) {
                entry.setValue(null);
            } else {
                // The window's start doesn't move, nor its expiry.
                ((ExtendedMapEntry<String, long[]>) entry).setValueWithoutChangingExpiryTime(
                        new long[] { state[0], state[1] - 1, state[3], 0 });
            }
            return null;
        }
    }
}
