package io.courier.cluster;

import java.time.Duration;
import java.util.List;

/**
 * A cluster-wide schedule for an action that must slow down the more it is repeated: the n-th action of a window
 * waits {@code delays[n-1]} after the previous one (the last delay repeats), and a window allows {@code maxPerWindow}
 * actions at most. The window starts with its first action.
 *
 * @param name what is limited, used in keys and error messages ("verification codes sent to this number")
 */
public record Backoff(String name, List<Duration> delays, int maxPerWindow, Duration window) {
    public Backoff {
        delays = List.copyOf(delays);
        if (delays.isEmpty() || delays.stream().anyMatch(Duration::isNegative)) {
            throw new IllegalArgumentException(name + ": delays must be at least one duration, none negative");
        }
        if (maxPerWindow < 1) {
            throw new IllegalArgumentException(name + ": at least one action per window");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(name + ": the window must be positive");
        }
    }
}
