package io.courier.push;

import java.time.Clock;

import io.courier.account.CurrentDevices;
import io.courier.api.v1.PushPlatform;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.RateLimit;
import io.courier.cluster.RateLimiter;
import io.courier.common.AuthenticatedDevice;
import reactor.core.publisher.Mono;

/** A device sets, replaces or clears its own push token, within a budget of changes. */
final class PushRegistration {
    private final PushTokens tokens;
    private final RateLimiter limiter;
    private final RateLimit changes;
    private final CurrentDevices current;
    private final Clock clock;

    PushRegistration(PushTokens tokens, RateLimiter limiter, RateLimit changes, CurrentDevices current, Clock clock) {
        this.tokens = tokens;
        this.limiter = limiter;
        this.changes = changes;
        this.current = current;
        this.clock = clock;
    }

    /**
     * Stores the token, then checks the device still exists: a removal that raced the write either deleted the row
     * after it or is seen here, and the row goes again. Nothing is written for a malformed token or over budget.
     */
    Mono<Void> set(AuthenticatedDevice caller, PushPlatform platform, String token) {
        PushToken parsed = TokenRules.parse(platform, token);
        DeviceAddress device = address(caller);
        return limiter.acquire(changes, caller.toString())
                .then(tokens.set(device, parsed, clock.instant()))
                .then(current.isCurrentNow(caller))
                .flatMap(stillThere -> stillThere ? Mono.<Void>empty()
                        : tokens.clear(device).then(Mono.error(CurrentDevices.notCurrent())));
    }

    Mono<Void> clear(AuthenticatedDevice caller) {
        return limiter.acquire(changes, caller.toString()).then(tokens.clear(address(caller)));
    }

    private static DeviceAddress address(AuthenticatedDevice caller) {
        return new DeviceAddress(caller.accountId(), caller.deviceId());
    }
}
