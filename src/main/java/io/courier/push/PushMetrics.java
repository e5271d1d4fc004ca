package io.courier.push;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.PushPlatform;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Meters of wake-ups: requests by platform and outcome, what was not sent and why, and store → request time. */
final class PushMetrics {
    static final List<String> OUTCOMES = List.of("accepted", "invalid_token", "failed");
    static final List<String> SKIPS = List.of("coalesced", "sender_budget", "online", "no_token", "platform_off");

    private final Timer delay;
    /** Registered once: skipped() runs for every item stored for an offline device. */
    private final Map<String, Counter> sent = new HashMap<>();
    private final Map<String, Counter> skipped = new HashMap<>();

    PushMetrics(MeterRegistry registry) {
        this.delay = Timer.builder("courier.push.wakeup.delay")
                .description("Time from storing an item for a device without a stream to its wake-up request")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        for (PushPlatform platform : List.of(PushPlatform.PUSH_PLATFORM_APNS, PushPlatform.PUSH_PLATFORM_FCM)) {
            OUTCOMES.forEach(outcome -> sent.put(label(platform) + "/" + outcome,
                    Counter.builder("courier.push.wakeups").description("Wake-up requests by platform and outcome")
                            .tag("platform", label(platform)).tag("outcome", outcome).register(registry)));
        }
        SKIPS.forEach(reason -> skipped.put(reason, Counter.builder("courier.push.wakeups.skipped")
                .description("Wake-ups not sent, by reason").tag("reason", reason).register(registry)));
    }

    /** A wake-up a push service answered (after retries); {@code outcome} is one of {@link #OUTCOMES}. */
    Counter sent(PushPlatform platform, String outcome) {
        return sent.get(label(platform) + "/" + outcome);
    }

    /** A wake-up not sent (one of {@link #SKIPS}): coalesced, the device online, no token, platform off. */
    Counter skipped(String reason) {
        return skipped.get(reason);
    }

    void requested(long sinceStoredMillis) {
        delay.record(Math.max(0, sinceStoredMillis), TimeUnit.MILLISECONDS);
    }

    private static String label(PushPlatform platform) {
        return platform == PushPlatform.PUSH_PLATFORM_APNS ? "apns" : "fcm";
    }
}
