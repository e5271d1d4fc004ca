package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));

    @Test
    void aNodeSendingTheClientAwayIsFollowedAtOnceTheFirstTime() {
        assertThat(backoff.immediate()).isZero();
    }

    @Test
    void beingSentAwayAgainBeforeAStreamDrainedBacksOffAsUsual() {
        backoff.immediate();
        assertThat(backoff.immediate()).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(backoff.immediate()).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
    }

    @Test
    void afterADrainedStreamTheNextMoveIsImmediateAgain() {
        backoff.immediate();
        backoff.next();
        backoff.reset();
        assertThat(backoff.immediate()).isZero();
    }

    @Test
    void aDropThatFollowsAFailedAttemptStillBacksOff() {
        backoff.next();
        assertThat(backoff.immediate()).isPositive();
    }
}
