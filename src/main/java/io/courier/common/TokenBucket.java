package io.courier.common;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A node-local rate limit for one device's stream: bursts of up to {@code burst}, then one more every
 * {@code refillEvery}. Streams are one per device, so this limits the device without a cluster round trip per frame.
 */
public final class TokenBucket {
    /**
     * A bucket's size, refill and clock: one per kind of bucket on a node, shared by all its buckets, so that a
     * bucket holds only its own state (there is one per stream and frame type).
     *
     * @param nanoTime the clock ({@link System#nanoTime} but in tests)
     */
    public record Limit(int burst, long refillNanos, LongSupplier nanoTime) {
        public Limit {
            if (burst < 1 || refillNanos < 1) {
                throw new IllegalArgumentException("a token bucket needs burst >= 1 and a positive refill interval");
            }
        }

        public Limit(int burst, Duration refillEvery, LongSupplier nanoTime) {
            this(burst, refillEvery.toNanos(), nanoTime);
        }

        public Limit(int burst, Duration refillEvery) {
            this(burst, refillEvery, System::nanoTime);
        }
    }

    private final Limit limit;
    private long tokens;
    private long lastRefill;

    /** A full bucket. */
    public TokenBucket(Limit limit) {
        this.limit = limit;
        this.tokens = limit.burst();
        this.lastRefill = limit.nanoTime().getAsLong();
    }

    public TokenBucket(int burst, Duration refillEvery) {
        this(new Limit(burst, refillEvery));
    }

    /** @param nanoTime the clock ({@link System#nanoTime} but in tests) */
    public TokenBucket(int burst, Duration refillEvery, LongSupplier nanoTime) {
        this(new Limit(burst, refillEvery, nanoTime));
    }

    /** Takes one token if there is one. */
    public boolean tryTake() {
        return tryTake(1);
    }

    /**
     * Takes {@code cost} tokens if there are that many. A cost above the burst takes the whole burst: one item larger
     * than the bucket passes when the bucket is full (and the next waits a whole refill), so nothing is refused
     * forever.
     */
    public synchronized boolean tryTake(long cost) {
        refill();
        long taken = Math.min(cost, limit.burst());
        if (tokens < taken) {
            return false;
        }
        tokens -= taken;
        return true;
    }

    /** Returns a token taken for something that then didn't happen (never beyond the burst). */
    public void giveBack() {
        giveBack(1);
    }

    /** Returns {@code cost} tokens taken for something that then didn't happen (never beyond the burst). */
    public synchronized void giveBack(long cost) {
        refill();
        tokens = Math.min(limit.burst(), tokens + cost);
    }

    /** Whether the bucket has its whole burst again: it then means nothing a fresh one wouldn't. */
    public synchronized boolean isFull() {
        refill();
        return tokens == limit.burst();
    }

    /** Nanoseconds until the next token comes; 0 while there is one. */
    public long nanosUntilNext() {
        return nanosUntil(1);
    }

    /** Nanoseconds until {@code cost} tokens are there (a cost above the burst: the whole burst); 0 if they are. */
    public synchronized long nanosUntil(long cost) {
        refill();
        long missing = Math.min(cost, limit.burst()) - tokens;
        return missing <= 0 ? 0
                : lastRefill + missing * limit.refillNanos() - limit.nanoTime().getAsLong();
    }

    private void refill() {
        long now = limit.nanoTime().getAsLong();
        long earned = (now - lastRefill) / limit.refillNanos();
        if (earned > 0) {
            tokens = Math.min(limit.burst(), tokens + earned);
            lastRefill = tokens == limit.burst() ? now : lastRefill + earned * limit.refillNanos();
        }
    }
}
