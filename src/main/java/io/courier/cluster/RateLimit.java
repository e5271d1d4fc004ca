package io.courier.cluster;

import java.time.Duration;

/**
 * A cluster-wide limit: bursts of up to {@code burst} actions, then one more every {@code refillEvery}.
 *
 * @param name what is limited, used in keys and error messages ("verification code requests")
 */
public record RateLimit(String name, int burst, Duration refillEvery) {
    public RateLimit {
        if (burst < 1) {
            throw new IllegalArgumentException(name + ": burst must be at least 1");
        }
        if (refillEvery.isNegative() || refillEvery.isZero()) {
            throw new IllegalArgumentException(name + ": refill interval must be positive");
        }
    }
}
