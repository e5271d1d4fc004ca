package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.DataMessage;
import reactor.core.scheduler.Schedulers;

/** Which message's timer a chat keeps: the latest sent, whatever order they arrive in. */
class DisappearingTimerTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Disappearing disappearing = new Disappearing(ClientStore.inMemory(), Schedulers.immediate(),
            now::get);
    private final UUID chat = UUID.randomUUID();
    private final UUID author = UUID.randomUUID();

    private static DataMessage sentAt(long sentAtMs, int timerSeconds) {
        return DataMessage.newBuilder().setSentAtMs(sentAtMs).setExpireTimerSeconds(timerSeconds).build();
    }

    @Test
    void aMessageSentBeforeTheChatsTimerChangedDoesNotChangeItBack() {
        assertThat(disappearing.observe(chat, author, sentAt(2_000, 60))).isPresent();

        assertThat(disappearing.observe(chat, author, sentAt(1_500, 0))).as("resent from before the change").isEmpty();
        assertThat(disappearing.timer(chat)).isEqualTo(Duration.ofSeconds(60));

        assertThat(disappearing.observe(chat, author, sentAt(2_500, 0))).as("turned off after it").isPresent();
        assertThat(disappearing.timer(chat)).isZero();
    }

    @Test
    void thisUsersOwnChangeIsNotUndoneByAnOlderIncomingMessage() {
        now.set(5_000);
        disappearing.set(chat, Duration.ofHours(1));

        assertThat(disappearing.observe(chat, author, sentAt(4_000, 0))).isEmpty();
        assertThat(disappearing.timer(chat)).isEqualTo(Duration.ofHours(1));
    }
}
