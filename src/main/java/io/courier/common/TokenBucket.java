package io.courier.common;

import java.time.Duration;

/**
 * A node-local rate limit for one device's stream: bursts of up to {@code burst}, then one more every
 * {@code refillEvery}. Streams are one per device, so this limits the device without a cluster round trip per frame.
 */
public final class TokenBucket {
    private final long burst;
    private final long refillNanos;
    private long tokens;
    private long lastRefill;

    public TokenBucket(int burst, Duration refillEvery) {
        if (burst < 1 || refillEvery.isNegative() || refillEvery.isZero()) {
            throw new IllegalArgumentException("a token bucket needs burst >= 1 and a positive refill interval");
        }
        this.burst = burst;
        this.refillNanos = refillEvery.toNanos();
        this.tokens = burst;
        this.lastRefill = System.nanoTime();
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

    /** Whether the bucket has its whole burst again: it then means nothing a fresh one wouldn't. */
    public synchronized boolean isFull() {
        refill();
        return tokens == burst;
    }

    private void refill() {
        long now = System.nanoTime();
        long earned = (now - lastRefill) / refillNanos;
        if (earned > 0) {
            tokens = Math.min(burst, tokens + earned);
            lastRefill = tokens == burst ? now : lastRefill + earned * refillNanos;
        }
    }
}
