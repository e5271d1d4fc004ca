package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** Which senders a flush pass visits: only those with something to write or to let go. */
class HeldTicksDueTest {
    private final UUID recipient = UUID.randomUUID();
    private final Map.Entry<UUID, HeldTicks.SenderTicks> entry = new AbstractMap.SimpleEntry<>(UUID.randomUUID(), null);

    private boolean due(long cutoffMillis) {
        return new HeldTicks.Due(cutoffMillis).apply(entry);
    }

    @Test
    void aSenderIsDueOnceItsOldestUnwrittenChangeIsOlderThanTheCutoff() {
        new HeldTicks.Record(1, recipient, 1_000).process(entry);

        assertThat(due(1_000)).as("sent at the cutoff").isFalse();
        assertThat(due(1_001)).isTrue();
    }

    @Test
    void anOldMessageWhoseOnlyUnwrittenChangeIsRecentWaitsAndAWrittenOneIsDueToLeave() {
        new HeldTicks.Record(1, recipient, 1_000).process(entry);
        new HeldTicks.Written(Map.of(1L, 0L), 0).process(entry); // SENT is in the table
        assertThat(due(2_000)).as("written and old: it may leave memory").isTrue();

        new HeldTicks.Advance(List.of(new HeldTicks.Move(1, recipient, false, 5_000)), 5_000).process(entry);

        assertThat(due(3_000)).as("its DELIVERED is younger than the cutoff").isFalse();
        assertThat(due(5_001)).isTrue();
    }

    @Test
    void aLaterMessagesOlderChangeMakesTheSenderDue() {
        new HeldTicks.Record(1, recipient, 1_000).process(entry);
        new HeldTicks.Record(2, recipient, 1_100).process(entry);
        new HeldTicks.Written(Map.of(1L, 0L, 2L, 0L), 0).process(entry);
        new HeldTicks.Advance(List.of(new HeldTicks.Move(2, recipient, false, 2_000)), 2_000).process(entry);
        new HeldTicks.Advance(List.of(new HeldTicks.Move(1, recipient, false, 4_000)), 4_000).process(entry);

        assertThat(due(3_000)).as("message 2's DELIVERED at 2,000 is due though message 1's is not").isTrue();
    }
}
