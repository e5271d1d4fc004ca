package io.courier.cluster;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.support.ServerTest;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;

/** Cluster-wide limits on the real embedded Hazelcast member, with the node's clock moved by the test. */
@QuarkusTest
class RateLimiterTest extends ServerTest {
    private static final RateLimit THREE_PER_MINUTE = new RateLimit("test actions", 3, Duration.ofMinutes(1));

    @Inject
    RateLimiter limiter;

    @Test
    void aBurstIsAllowedThenOneActionPerRefillInterval() {
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire(THREE_PER_MINUTE, key).block()).isZero();
        }
        long wait = limiter.tryAcquire(THREE_PER_MINUTE, key).block();
        assertThat(wait).isBetween(Duration.ofSeconds(50).toMillis(), Duration.ofMinutes(1).toMillis());
        assertThat(assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> limiter.acquire(THREE_PER_MINUTE, key).block()))
                .contains("too many test actions");

        clock.advance(Duration.ofMinutes(1));

        assertThat(limiter.tryAcquire(THREE_PER_MINUTE, key).block()).isZero();
        assertThat(limiter.tryAcquire(THREE_PER_MINUTE, key).block()).isPositive();
    }

    @Test
    void keysAreLimitedIndependently() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire(THREE_PER_MINUTE, a).block();
        }

        assertThat(limiter.tryAcquire(THREE_PER_MINUTE, a).block()).isPositive();
        assertThat(limiter.tryAcquire(THREE_PER_MINUTE, b).block()).isZero();
    }

    @Test
    void anActionCostingSeveralUnitsTakesAllOrNone() {
        RateLimit deliveries = new RateLimit("test deliveries", 10, Duration.ofSeconds(1));
        String key = UUID.randomUUID().toString();

        assertThat(limiter.tryAcquire(deliveries, key, 7).block()).isZero();
        long wait = limiter.tryAcquire(deliveries, key, 7).block();
        assertThat(wait).as("4 units missing at a second each").isBetween(3_900L, 4_000L);
        assertThat(limiter.tryAcquire(deliveries, key, 3).block()).as("the refused action took nothing").isZero();
        assertThat(limiter.tryAcquire(deliveries, key, 1).block()).isPositive();

        clock.advance(Duration.ofSeconds(10)); // the whole burst again

        assertThat(limiter.tryAcquire(deliveries, key, 25).block()).as("charged as the whole burst").isZero();
        assertThat(limiter.tryAcquire(deliveries, key, 1).block()).isPositive();
    }
}
