package io.courier.presence;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's cap on presence subscription ids being looked up at once, over all its streams. Each account's
 * budget bounds what one account asks for, but not what many accounts ask for together: a thousand accounts
 * spending their bursts on random ids (each a grid read and a database read, since ids that name nobody are never
 * cached) would queue a quarter of a million lookups on one node. A frame reserves all its ids or none; frames
 * that don't fit are refused at once, costing nothing.
 */
final class PresenceLookups {
    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** @param max ids in flight at once; at least one stream's whole set, so every valid frame can fit */
    PresenceLookups(int max) {
        this.max = max;
    }

    /** Reserves {@code ids} lookups if they fit under the cap, atomically. */
    boolean tryReserve(int ids) {
        int current;
        do {
            current = inFlight.get();
            if (current + ids > max) {
                return false;
            }
        } while (!inFlight.compareAndSet(current, current + ids));
        return true;
    }

    void release(int ids) {
        inFlight.addAndGet(-ids);
    }

    int inFlight() {
        return inFlight.get();
    }
}
