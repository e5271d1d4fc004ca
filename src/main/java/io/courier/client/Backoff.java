package io.courier.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter, so a cell tower's worth of phones doesn't reconnect in lockstep. */
final class Backoff {
    private final Duration base;
    private final Duration max;
    private int failures;

    Backoff(Duration base, Duration max) {
        this.base = base;
        this.max = max;
    }

    Duration next() {
        long ceiling = Math.min(max.toMillis(), base.toMillis() << Math.min(failures, 20));
        failures++;
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    /**
     * No wait the first time since the last reset (a node that shuts down asked the client to move), then as
     * {@link #next()}: a client that keeps being sent away, e.g. to the same draining node, backs off as usual.
     */
    Duration immediate() {
        if (failures == 0) {
            failures++;
            return Duration.ZERO;
        }
        return next();
    }

    void reset() {
        failures = 0;
    }
}
