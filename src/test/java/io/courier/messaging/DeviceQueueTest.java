package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.EnvelopeType;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;

/** One queue's memory as its entry processors change it: what may leave memory, what a spill takes, where reads go. */
class DeviceQueueTest {
    private static final DeviceQueue.Limits LIMITS = new DeviceQueue.Limits(3, 1 << 20, 1000);

    private static final UUID OWNER = UUID.randomUUID();
    private final DeviceQueue queue = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
    private long nextId = 100;

    private InboxItem message() {
        return new InboxItem.Message(nextId++, UUID.randomUUID(), 1, 1, Instant.EPOCH,
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[10], null, null);
    }

    private long enqueue(long nowMillis) {
        return queue.enqueue(OWNER, List.of(message()), false, nowMillis, LIMITS);
    }

    @Test
    void anItemNotYetStoredNeverLeavesMemoryWhateverItsAgeOrTheBounds() {
        long first = enqueue(0);
        for (int i = 0; i < 5; i++) {
            enqueue(0);
        }

        queue.trim(10_000, LIMITS);

        assertThat(queue.held).hasSize(6).containsKey(first);
        assertThat(queue.read(queue.ackedThrough, 10, 1 << 20).logThrough()).as("nothing to read from the log")
                .isNegative();
    }

    @Test
    void storedItemsLeaveMemoryOldestFirstAndReadsBelowThemGoToTheLog() {
        long first = enqueue(0);
        long second = enqueue(0);
        long third = enqueue(500);

        queue.stored(List.of(first, second, third), Set.of());
        queue.trim(1200, LIMITS); // the first two are past the hold, the third is not

        assertThat(queue.held.keySet()).containsExactly(third);
        assertThat(queue.logOnlyThrough).isEqualTo(second);
        assertThat(queue.read(queue.ackedThrough, 10, 1 << 20).logThrough()).isEqualTo(second);
        assertThat(queue.read(second, 10, 1 << 20).items()).extracting(Queued::seq).containsExactly(third);
    }

    @Test
    void aStoredItemBehindAnUnstoredOneWaitsForIt() {
        long first = enqueue(0);
        long second = enqueue(0);

        queue.stored(List.of(second), Set.of());
        queue.trim(5000, LIMITS);

        assertThat(queue.held.keySet()).containsExactly(first, second);
        assertThat(queue.logOnlyThrough).isLessThan(first);
    }

    @Test
    void aSpillTakesWhatIsOlderThanTheHoldAndNotStoredInOrderWithItsSendRecords() {
        long old = enqueue(0);
        long oldStored = enqueue(0);
        long young = enqueue(900);
        queue.stored(List.of(oldStored), Set.of());
        queue.rememberSend(7L, new DeviceQueue.Send(1, 0, true, false));
        queue.rememberSend(8L, new DeviceQueue.Send(2, 950, false, false));
        queue.rememberSend(9L, new DeviceQueue.Send(3, 0, true, true));

        assertThat(queue.needsSpill(500, 500)).isTrue();
        DeviceQueue.Spill spill = queue.spill(500, 500);

        assertThat(spill.items()).extracting(Queued::seq).containsExactly(old);
        assertThat(spill.sends()).as("once one record is old, every unlogged one goes with it")
                .containsOnlyKeys(7L, 8L);
        queue.stored(List.of(old), spill.sends().keySet());
        assertThat(queue.needsSpill(500, 500)).isFalse();
        assertThat(queue.needsSpill(1000, 500)).as("the young item, once it is old").isTrue();
        assertThat(queue.held).containsKey(young);
    }

    @Test
    void anAckedOrForgottenItemAsksForNoSpillButTheNextUnstoredOneDoes() {
        long acked = enqueue(0);
        long next = enqueue(400);
        queue.rememberSend(7L, new DeviceQueue.Send(1, 0, false, false));
        queue.forgetSend(7L, 1);

        queue.advance(acked);

        assertThat(queue.needsSpill(300, 300)).as("the acked item is gone, the refused send forgotten").isFalse();
        assertThat(queue.needsSpill(401, 300)).isTrue();
        queue.stored(List.of(next), Set.of());
        assertThat(queue.needsSpill(Long.MAX_VALUE, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void theQuotaCountsAreSeenUntilTheMarkPassesThem() {
        long first = queue.enqueue(OWNER, List.of(message()), false, 0,
                new DeviceQueue.Limits(3, 1 << 20, 1000, new InboxUsage.Quota(100, 1 << 20, 1.0, 30)));
        assertThat(queue.counting()).isTrue();

        queue.advance(first);

        assertThat(queue.counting()).isFalse();
    }

    @Test
    void aSendRecordTheLogLacksIsNeverForgottenAndLoggedOnesMakeRoom() {
        int over = DeviceQueue.REMEMBERED_SENDS + 10;
        for (long clientId = 0; clientId < over; clientId++) {
            queue.rememberSend(clientId, new DeviceQueue.Send(clientId, 0, true, false));
        }
        assertThat(queue.sends).as("the only record of these ids").hasSize(over);
        assertThat(queue.knowsEverySend).isTrue();

        queue.stored(List.of(), Set.copyOf(queue.sends.keySet()));
        queue.rememberSend(-1L, new DeviceQueue.Send(-1, 0, true, false));

        assertThat(queue.sends).doesNotContainKey(0L).containsKey(-1L);
        assertThat(queue.knowsEverySend).as("an id it forgot is asked of the log").isFalse();
    }

    @Test
    void theMarkDropsWhatItPassesAndNeverMovesBack() {
        long first = enqueue(0);
        long second = enqueue(0);

        queue.advance(first);
        queue.advance(first - 5);

        assertThat(queue.ackedThrough).isEqualTo(first);
        assertThat(queue.held.keySet()).containsExactly(second);
        assertThat(queue.heldBytes).isEqualTo(message().weight());
    }

    @Test
    void anOlderStreamsLateOpenNeitherReplacesTheNewerOneNorItsCloseAndAMemberThatLeftTakesItsStream() {
        Presence older = new Presence("a", 1);
        Presence newer = new Presence("b", 2);
        assertThat(queue.sighting()).isEqualTo(StreamSighting.UNKNOWN);

        queue.streamOpened(newer);
        queue.streamOpened(older);
        queue.streamClosed(older);
        assertThat(queue.sighting()).isEqualTo(new StreamSighting(true, newer));

        assertThat(queue.streamOn("a")).isFalse();
        queue.forgetStreamOn("b");
        assertThat(queue.sighting()).isEqualTo(new StreamSighting(true, null));
    }

    @Test
    void aCloseThatOvertookItsOpenLeavesTheDeviceWithoutAStream() {
        Presence stream = new Presence("a", 3);

        queue.streamClosed(stream);
        queue.streamOpened(stream);

        assertThat(queue.sighting()).as("the stream is gone: wake the device").isEqualTo(
                new StreamSighting(true, null));
        queue.streamOpened(new Presence("a", 4));
        assertThat(queue.sighting().at()).isEqualTo(new Presence("a", 4));
    }

    @Test
    void theBackupPlacesTheSequencesThePrimaryGave() {
        DeviceQueue backup = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
        backup.place(OWNER, Queued.firstOfEpoch(1) + 5, List.of(message()), false, 0); // a copy that lagged behind

        assertThat(backup.held.keySet()).containsExactly(Queued.firstOfEpoch(1) + 5);
        assertThat(backup.nextSeq).isEqualTo(Queued.firstOfEpoch(1) + 6);
    }

    @Test
    void theBackupOfOneItemToManyDevicesPlacesEachCopyUnderTheSequenceItsPrimaryTook() {
        DeviceAddress busy = new DeviceAddress(UUID.randomUUID(), 1);
        DeviceAddress idle = new DeviceAddress(UUID.randomUUID(), 2);
        Map<DeviceAddress, DeviceQueue> primary = new HashMap<>(Map.of(busy, queueOfEpoch(), idle, queueOfEpoch()));
        Map<DeviceAddress, DeviceQueue> backup = new HashMap<>(Map.of(busy, queueOfEpoch(), idle, queueOfEpoch()));
        primary.get(busy).enqueue(busy.accountId(), List.of(message(), message()), false, 0, LIMITS); // unseen there
        InboxItem copy = message();

        QueueOps.EnqueueEach op = new QueueOps.EnqueueEach(copy, true, 0, LIMITS);
        primary.entrySet().forEach(op::process);
        backup.entrySet().forEach(op.getBackupProcessor()::process);

        assertThat(backup.get(busy).held.keySet()).containsExactly(Queued.firstOfEpoch(1) + 2);
        assertThat(backup.get(idle).held.keySet()).containsExactly(Queued.firstOfEpoch(1));
        assertThat(backup.get(busy).held.get(Queued.firstOfEpoch(1) + 2).item()).isSameAs(copy);
    }

    private static DeviceQueue queueOfEpoch() {
        return new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
    }
}
