package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * Which senders a flush pass visits (only those with something to write, or a written tick gone stale), and what a
 * send lets go of on its own.
 */
class HeldTicksDueTest {
    private final UUID recipient = UUID.randomUUID();
    private final Map.Entry<UUID, HeldTicks.SenderTicks> entry = new AbstractMap.SimpleEntry<>(UUID.randomUUID(), null);

    private boolean due(long cutoffMillis, long staleMillis) {
        return new HeldTicks.Due(cutoffMillis, staleMillis).apply(entry);
    }

    private void record(long serverId, long sentMillis, long dropWrittenBeforeMillis) {
        new HeldTicks.Record(serverId, recipient, sentMillis, dropWrittenBeforeMillis).process(entry);
    }

    private Set<Long> held(Long... serverIds) {
        return new HeldTicks.Lookup(Set.of(serverIds)).process(entry).keySet();
    }

    @Test
    void aSenderIsDueOnceItsOldestUnwrittenChangeIsOlderThanTheCutoff() {
        record(1, 1_000, 0);

        assertThat(due(1_000, 0)).as("sent at the cutoff").isFalse();
        assertThat(due(1_001, 0)).isTrue();
    }

    @Test
    void aWrittenMessageIsDueToLeaveOnlyOnceStaleAndARecentChangeMakesItWait() {
        record(1, 1_000, 0);
        new HeldTicks.Written(Map.of(1L, 0L), 0).process(entry); // SENT is in the table

        assertThat(due(2_000, 1_000)).as("written, older than the cutoff, not yet stale: its next send lets it go")
                .isFalse();
        assertThat(due(2_000, 1_001)).as("written and stale: a sender gone quiet").isTrue();

        new HeldTicks.Advance(List.of(new HeldTicks.Move(1, recipient, false, 5_000)), 5_000).process(entry);

        assertThat(due(3_000, 1_001)).as("its DELIVERED is younger than the cutoff").isFalse();
        assertThat(due(5_001, 0)).isTrue();
    }

    @Test
    void aLaterMessagesOlderChangeMakesTheSenderDue() {
        record(1, 1_000, 0);
        record(2, 1_100, 0);
        new HeldTicks.Written(Map.of(1L, 0L, 2L, 0L), 0).process(entry);
        new HeldTicks.Advance(List.of(new HeldTicks.Move(2, recipient, false, 2_000)), 2_000).process(entry);
        new HeldTicks.Advance(List.of(new HeldTicks.Move(1, recipient, false, 4_000)), 4_000).process(entry);

        assertThat(due(3_000, 0)).as("message 2's DELIVERED at 2,000 is due though message 1's is not").isTrue();
    }

    @Test
    void aSendLetsGoOfTheOldestWrittenMessagesUpToTheFirstUnwrittenOne() {
        record(1, 1_000, 0);
        record(2, 1_100, 0);
        record(3, 1_200, 0);
        new HeldTicks.Written(Map.of(1L, 0L, 3L, 0L), 0).process(entry); // message 2's SENT is not written yet

        record(4, 40_000, 10_000);

        assertThat(held(1L, 2L, 3L, 4L)).as("1 is written and old; 2 is unwritten, so 3 behind it waits")
                .containsExactlyInAnyOrder(2L, 3L, 4L);
        assertThat(due(1_101, Long.MIN_VALUE)).as("2's SENT still to write").isTrue();
    }
}
