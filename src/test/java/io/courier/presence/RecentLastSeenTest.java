package io.courier.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class RecentLastSeenTest {
    private static final Duration GRANULARITY = Duration.ofMinutes(1);
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

    private final RecentLastSeen recent = new RecentLastSeen(GRANULARITY, 3);
    private final UUID account = UUID.randomUUID();

    @Test
    void aFirstOfflineIsWrittenAndOneWithinTheGranularityOfTheStoredTimeKeepsIt() {
        assertThat(recent.offline(account, T0)).isEqualTo(new RecentLastSeen.Offline(T0, true));
        recent.stored(account, T0);

        assertThat(recent.offline(account, T0.plusSeconds(59))).isEqualTo(new RecentLastSeen.Offline(T0, false));
        assertThat(recent.offline(account, T0.plus(GRANULARITY)))
                .isEqualTo(new RecentLastSeen.Offline(T0.plus(GRANULARITY), true));
    }

    @Test
    void aTimeThatWasNeverStoredIsNotKept() {
        recent.offline(account, T0); // the write failed or the account was deleted: stored() never called

        assertThat(recent.offline(account, T0.plusSeconds(1)).write()).isTrue();
    }

    @Test
    void aForgottenAccountIsWrittenAgain() {
        recent.stored(account, T0);
        recent.forget(account);

        assertThat(recent.offline(account, T0.plusSeconds(1)).write()).isTrue();
    }

    @Test
    void itRemembersAtMostItsBoundTheOldestGoingFirstAndNothingOlderThanTheGranularity() {
        UUID[] accounts = { UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID() };
        for (int i = 0; i < accounts.length; i++) {
            recent.stored(accounts[i], T0.plusSeconds(i));
        }

        assertThat(recent.size()).isEqualTo(3);
        assertThat(recent.offline(accounts[0], T0.plusSeconds(5)).write()).as("the oldest went").isTrue();
        assertThat(recent.offline(accounts[1], T0.plusSeconds(5)).write()).isFalse();

        recent.offline(UUID.randomUUID(), T0.plus(GRANULARITY).plusSeconds(10));
        assertThat(recent.size()).as("all older than the granularity").isZero();
    }
}
