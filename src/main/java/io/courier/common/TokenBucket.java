package io.courier.common;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A node-local rate limit for one device's stream: bursts of up to {@code burst}, then one more every
 * {@code refillEvery}. Streams are one per device, so this limits the device without a cluster round trip per frame.
 */
public final class TokenBucket {
    private final long burst;
    private final long refillNanos;
    private final LongSupplier nanoTime;
    private long tokens;
    private long lastRefill;

    public TokenBucket(int burst, Duration refillEvery) {
        this(burst, refillEvery, System::nanoTime);
    }

    /** @param nanoTime the clock ({@link System#nanoTime} but in tests) */
    public TokenBucket(int burst, Duration refillEvery, LongSupplier nanoTime) {
        if (burst < 1 || refillEvery.isNegative() || refillEvery.isZero()) {
            throw new IllegalArgumentException("a token bucket needs burst >= 1 and a positive refill interval");
        }
        this.burst = burst;
        this.refillNanos = refillEvery.toNanos();
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.lastRefill = nanoTime.getAsLong();
    }

    /** Takes one token if there is one. */
    public synchronized boolean tryTake() {
        refill();
        if (tokens == 0) {
            return false;
        }
        tokens--;
        return true;
    }

    /** Returns a token taken for something that then didn't happen (never beyond the burst). */
    public synchronized void giveBack() {
        refill();
        tokens = Math.min(burst, tokens + 1);
    }

    /** Whether the bucket has its whole burst again: it then means nothing a fresh one wouldn't. */
    public synchronized boolean isFull() {
        refill();
        return tokens == burst;
    }

    /** Nanoseconds until the next token comes; 0 while there is one. */
    public synchronized long nanosUntilNext() {
        refill();
        return tokens > 0 ? 0 : lastRefill + refillNanos - nanoTime.getAsLong();
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        long earned = (now - lastRefill) / refillNanos;
        if (earned > 0) {
            tokens = Math.min(burst, tokens + earned);
            lastRefill = tokens == burst ? now : lastRefill + earned * refillNanos;
        }
    }
}
