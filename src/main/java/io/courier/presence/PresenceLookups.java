package io.courier.presence;

import java.util.concurrent.atomic.AtomicInteger;

import io.courier.common.TokenBucket;

/**
 * This node's bounds on presence subscription ids looked up, over all its streams: how many at once, and how many a
 * second. Each account's budget bounds what one account asks for, but not what many accounts ask for together: a
 * thousand accounts spending their bursts on random ids (each a grid read and a database read, since ids that name
 * nobody are never cached) would queue a quarter of a million lookups on one node, and under the cap alone they
 * would still run as fast as the node and its database can answer, taking the cores the node's messages need. A
 * frame reserves all its ids or none; frames that don't fit are refused at once, costing nothing.
 */
final class PresenceLookups {
    /** A frame refused because the cap is full waits for lookups under way, which take about this long. */
    private static final long CAP_FULL_WAIT_MILLIS = 1_000;

    private final int max;
    private final TokenBucket share;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param max   ids in flight at once; at least one stream's whole set, so every valid frame can fit
     * @param share ids looked up a second: its burst, at least one stream's whole set, and its refill
     */
    PresenceLookups(int max, TokenBucket.Limit share) {
        this.max = max;
        this.share = new TokenBucket(share);
    }

    /**
     * Reserves {@code ids} lookups if they fit under the cap and the node's share has them, atomically (give them
     * back with {@link #release} once looked up).
     *
     * @return 0 if reserved; else the milliseconds after which the frame could fit
     */
    long tryReserve(int ids) {
        int current;
        do {
            current = inFlight.get();
            if (current + ids > max) {
                return CAP_FULL_WAIT_MILLIS;
            }
        } while (!inFlight.compareAndSet(current, current + ids));
        if (!share.tryTake(ids)) {
            inFlight.addAndGet(-ids);
            return Math.max(1, (share.nanosUntil(ids) + 999_999) / 1_000_000); // rounded up: never too soon
        }
        return 0;
    }

    /** The ids' places under the cap, once their lookups ended (or never started). */
    void release(int ids) {
        inFlight.addAndGet(-ids);
    }

    /** The ids' share too, for a frame refused before its lookups started: nothing was looked up. */
    void refund(int ids) {
        share.giveBack(ids);
    }

    int inFlight() {
        return inFlight.get();
    }
}
