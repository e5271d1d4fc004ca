package io.courier.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;

class RetryingTest {
    private final Retrying retrying = new Retrying(Duration.ofSeconds(5), 3, Duration.ofMillis(1));

    @Test
    void transientAnswersAndIoFailuresAreTriedAgainUpToTheAttempts() {
        for (Exception failure : new Exception[] {new Retrying.Transient("FCM 503 UNAVAILABLE"),
                new IOException("connection reset")}) {
            AtomicInteger calls = new AtomicInteger();
            WakeResult result = retrying.run(() -> Mono.fromCallable(() -> {
                calls.incrementAndGet();
                throw failure;
            })).block();

            assertThat(calls).as(failure.toString()).hasValue(3);
            assertThat(result).isInstanceOf(WakeResult.Failed.class);
        }
    }

    @Test
    void anythingElseFailsAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        WakeResult result = retrying.run(() -> Mono.fromCallable(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("credentials file unreadable");
        })).block();

        assertThat(calls).hasValue(1);
        assertThat(result).isInstanceOf(WakeResult.Failed.class);
    }

    @Test
    void aSuccessAfterATransientFailureIsTheAnswer() {
        AtomicInteger calls = new AtomicInteger();
        WakeResult result = retrying.run(() -> Mono.fromCallable(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new Retrying.Transient("APNs 429 TooManyRequests");
            }
            return new WakeResult.Accepted();
        })).block();

        assertThat(calls).hasValue(2);
        assertThat(result).isInstanceOf(WakeResult.Accepted.class);
    }
}
