package io.courier.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    @Test
    void aBurstIsAllowedThenRefusedUntilItRefills() {
        TokenBucket bucket = new TokenBucket(3, Duration.ofHours(1));

        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void anEmptiedBucketRefills() {
        TokenBucket bucket = new TokenBucket(1, Duration.ofMillis(1));
        assertThat(bucket.tryTake()).isTrue();

        await().atMost(Duration.ofSeconds(1)).until(bucket::tryTake);
    }

    @Test
    void aBucketIsFullOnlyWithItsWholeBurst() {
        TokenBucket slow = new TokenBucket(2, Duration.ofHours(1));
        assertThat(slow.isFull()).isTrue();
        slow.tryTake();
        assertThat(slow.isFull()).isFalse();

        TokenBucket fast = new TokenBucket(2, Duration.ofMillis(1));
        fast.tryTake();
        fast.tryTake();
        await().atMost(Duration.ofSeconds(1)).until(fast::isFull);
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
