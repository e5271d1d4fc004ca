package io.courier.push;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.PushPlatform;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Meters of wake-ups: requests by platform and outcome, what was not sent and why, and store → request time. */
final class PushMetrics {
    static final List<String> OUTCOMES = List.of("accepted", "invalid_token", "failed");
    static final List<String> SKIPS = List.of("coalesced", "online", "no_token", "platform_off");

    private final MeterRegistry registry;
    private final Timer delay;

    PushMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.delay = Timer.builder("courier.push.wakeup.delay")
                .description("Time from storing an item for a device without a stream to its wake-up request")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        for (PushPlatform platform : List.of(PushPlatform.PUSH_PLATFORM_APNS, PushPlatform.PUSH_PLATFORM_FCM)) {
            OUTCOMES.forEach(outcome -> sent(platform, outcome));
        }
        SKIPS.forEach(this::skipped);
    }

    /** A wake-up a push service answered (after retries). */
    Counter sent(PushPlatform platform, String outcome) {
        return Counter.builder("courier.push.wakeups").description("Wake-up requests by platform and outcome")
                .tag("platform", label(platform)).tag("outcome", outcome).register(registry);
    }

    /** A wake-up not sent: coalesced into a pending or recent one, the device online, no token, platform off. */
    Counter skipped(String reason) {
        return Counter.builder("courier.push.wakeups.skipped").description("Wake-ups not sent, by reason")
                .tag("reason", reason).register(registry);
    }

    void requested(long sinceStoredMillis) {
        delay.record(Math.max(0, sinceStoredMillis), TimeUnit.MILLISECONDS);
    }

    private static String label(PushPlatform platform) {
        return platform == PushPlatform.PUSH_PLATFORM_APNS ? "apns" : "fcm";
    }
}
