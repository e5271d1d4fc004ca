package io.courier.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

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
    void aCostTakesThatManyTokensOrNone() {
        TokenBucket bucket = new TokenBucket(10, Duration.ofHours(1));

        assertThat(bucket.tryTake(7)).isTrue();
        assertThat(bucket.tryTake(4)).as("3 left: none taken").isFalse();
        assertThat(bucket.tryTake(3)).isTrue();
        assertThat(bucket.tryTake(1)).isFalse();
    }

    @Test
    void aCostWaitsForAllItsTokensAndACostGivenBackIsThereAgain() {
        AtomicLong now = new AtomicLong();
        TokenBucket bucket = new TokenBucket(10, Duration.ofMillis(2), now::get);
        bucket.tryTake(10);
        now.addAndGet(Duration.ofMillis(3).toNanos());

        assertThat(bucket.nanosUntil(4)).as("one token in, one millisecond into the next")
                .isEqualTo(Duration.ofMillis(5).toNanos());
        assertThat(bucket.nanosUntil(1)).isZero();
        assertThat(bucket.nanosUntil(25)).as("a cost above the burst waits for the whole burst")
                .isEqualTo(Duration.ofMillis(17).toNanos());
        bucket.giveBack(3);
        assertThat(bucket.nanosUntil(4)).isZero();
        bucket.giveBack(100);
        assertThat(bucket.isFull()).isTrue();
        assertThat(bucket.tryTake(11)).as("never more than the burst").isTrue();
        assertThat(bucket.tryTake(1)).isFalse();
    }

    @Test
    void aCostAboveTheBurstPassesOnlyWhenTheBucketIsFull() {
        TokenBucket bucket = new TokenBucket(10, Duration.ofHours(1));
        bucket.tryTake(1);

        assertThat(bucket.tryTake(25)).as("not full").isFalse();
        TokenBucket full = new TokenBucket(10, Duration.ofHours(1));
        assertThat(full.tryTake(25)).as("full: takes the whole burst").isTrue();
        assertThat(full.tryTake(1)).isFalse();
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
