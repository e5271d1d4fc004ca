package io.courier.cluster;

import java.time.Clock;
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
 * Cluster-wide rate limits in a Hazelcast map, one entry per (limit, key), updated atomically on the key's
 * partition owner. Uses GCRA: the entry is the "theoretical arrival time" (in microseconds) of the next allowed
 * action, so a bucket is one long and needs no timer to refill. An action may cost several units (a group send
 * costs its recipients).
 */
public final class RateLimiter {
    static final String MAP = "courier-rate-limits";
    /**
     * Buckets a member holds at most (~150 bytes each). Keys include callers' network addresses, so strangers can
     * multiply them; past the bound the least recently used bucket goes, which refills it (fails open for that key).
     */
    static final int ENTRIES_PER_MEMBER = 500_000;

    private final IMap<String, Long> buckets;
    private final Clock clock;

    public RateLimiter(HazelcastInstance hazelcast, Clock clock) {
        this.buckets = hazelcast.getMap(MAP);
        this.clock = clock;
    }

    /** One synchronous backup: a member dying doesn't refill the buckets it owned. */
    static MapConfig mapConfig() {
        return BoundedMaps.lru(new MapConfig(MAP).setBackupCount(1), ENTRIES_PER_MEMBER);
    }

    /**
     * Takes one action from the bucket on its partition owner, without waiting for it: completes with 0 if allowed,
     * else with how many milliseconds until it would be.
     */
    public Mono<Long> tryAcquire(RateLimit limit, String key) {
        return tryAcquire(limit, key, 1);
    }

    /**
     * Takes {@code cost} units at once, or none: completes with 0 if allowed, else with how many milliseconds until
     * they would be. A cost above the burst is charged as the whole burst (it could never pass otherwise).
     */
    public Mono<Long> tryAcquire(RateLimit limit, String key, int cost) {
        return Mono.fromCompletionStage(() -> buckets.submitToKey(bucket(limit, key), gcra(limit,
                Math.max(1, Math.min(cost, limit.burst())))));
    }

    /** Like {@link #tryAcquire}, failing with RESOURCE_EXHAUSTED (and when to retry) if the limit is hit. */
    public Mono<Void> acquire(RateLimit limit, String key) {
        return acquire(limit, key, 1);
    }

    /** Like {@link #tryAcquire(RateLimit, String, int)}, failing with RESOURCE_EXHAUSTED if the limit is hit. */
    public Mono<Void> acquire(RateLimit limit, String key, int cost) {
        return tryAcquire(limit, key, cost).doOnNext(waitMillis -> check(limit, waitMillis)).then();
    }

    private static String bucket(RateLimit limit, String key) {
        return limit.name() + '\u0000' + key;
    }

    private Gcra gcra(RateLimit limit, int cost) {
        long interval = Math.max(1, limit.refillEvery().toNanos() / 1000);
        return new Gcra(clock.millis() * 1000, interval * cost, interval * (limit.burst() - cost));
    }

    private static void check(RateLimit limit, long waitMillis) {
        if (waitMillis > 0) {
            throw RetryAfter.resourceExhausted("too many " + limit.name(), waitMillis);
        }
    }

    /**
     * Runs on the partition owner; serialized to it when the key lives on another member. Times in microseconds:
     * {@code increment} is what the action costs, {@code tolerance} how far ahead the arrival time may run before it.
     */
    record Gcra(long now, long increment, long tolerance) implements EntryProcessor<String, Long, Long> {
        @Override
        public Long process(Map.Entry<String, Long> entry) {
            long arrival = entry.getValue() == null ? now : Math.max(entry.getValue(), now);
            if (arrival - now > tolerance) {
                return (arrival - now - tolerance + 999) / 1000;
            }
            long next = arrival + increment;
            // After next - now the bucket is full again and the entry means nothing: let it expire.
            ((ExtendedMapEntry<String, Long>) entry).setValue(next, (next - now) / 1000 + 1000, TimeUnit.MILLISECONDS);
            return 0L;
        }
    }
}
