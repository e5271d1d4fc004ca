package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.ReceiptState;

/** The inbox quota as a device queue's entry processors keep it: counted on enqueue, released by the mark. */
class InboxUsageTest {
    private static final long DAY = Duration.ofDays(1).toMillis();
    /** Ten 100-byte messages in all, a sender at most half of them. */
    private static final DeviceQueue.Limits LIMITS = new DeviceQueue.Limits(256, 1 << 20, 1000,
            new InboxUsage.Quota(10, 1_000, 0.5, 30));
    private final UUID owner = UUID.randomUUID();
    private final DeviceQueue queue = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
    private long nextId = 100;

    private InboxItem.Message from(UUID sender, int bytes) {
        return new InboxItem.Message(nextId++, sender, 1, nextId, Instant.EPOCH,
                EnvelopeType.ENVELOPE_TYPE_SIGNAL_MESSAGE_VALUE, new byte[bytes], null, null);
    }

    /** As the Enqueue entry processor does it: its sequence, or -1 when refused. */
    private long enqueue(InboxItem item, long nowMillis) {
        Object result = new QueueOps.Enqueue(owner, List.of(item), false, true, nowMillis, LIMITS)
                .process(new AbstractMap.SimpleEntry<>(null, queue));
        return result instanceof QueueOps.Landed landed ? landed.first() : -1;
    }

    private InboxUsage.NoRoom check(InboxItem item) {
        return queue.room(owner, List.of(item), 0, LIMITS);
    }

    @Test
    void aSenderFillsOnlyItsShareAndTheDeviceStaysReachableForOthersUntilItIsFull() {
        UUID stranger = UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            assertThat(enqueue(from(stranger, 100), 0)).isPositive();
        }
        assertThat(check(from(stranger, 100))).isEqualTo(InboxUsage.NoRoom.SENDER_SHARE_FULL);
        assertThat(enqueue(from(stranger, 100), 0)).as("refused: nothing changes").isEqualTo(-1);
        assertThat(queue.held).hasSize(5);

        for (int i = 0; i < 5; i++) {
            assertThat(enqueue(from(UUID.randomUUID(), 100), 0)).isPositive();
        }
        assertThat(check(from(UUID.randomUUID(), 1))).isEqualTo(InboxUsage.NoRoom.DEVICE_FULL);
        assertThat(queue.usage.items()).isEqualTo(10);
        assertThat(queue.usage.bytes()).isEqualTo(1_000);
    }

    @Test
    void bytesCountAsWellAsItems() {
        assertThat(enqueue(from(UUID.randomUUID(), 450), 0)).isPositive();
        assertThat(check(from(UUID.randomUUID(), 501))).isEqualTo(InboxUsage.NoRoom.SENDER_SHARE_FULL);
        assertThat(enqueue(from(UUID.randomUUID(), 500), 0)).isPositive();
        assertThat(check(from(UUID.randomUUID(), 51))).isEqualTo(InboxUsage.NoRoom.DEVICE_FULL);
    }

    @Test
    void receiptsGroupEventsAndTheOwnersOwnCopiesAreNotCountedGroupCopiesAre() {
        InboxItem receipt = new InboxItem.Receipt(nextId++, 1, List.of(UUID.randomUUID()),
                ReceiptState.RECEIPT_STATE_DELIVERED, Instant.EPOCH, null);
        InboxItem event = new InboxItem.GroupChange(nextId++, new byte[500]);
        InboxItem ownCopy = from(owner, 500);
        InboxItem syncCopy = new InboxItem.Message(nextId++, UUID.randomUUID(), 1, 1, Instant.EPOCH, 1, new byte[500],
                null, UUID.randomUUID());
        for (InboxItem uncounted : List.of(receipt, event, ownCopy, syncCopy)) {
            enqueue(uncounted, 0);
        }
        assertThat(queue.usage.items()).isZero();

        InboxItem groupCopy = new InboxItem.Message(nextId++, UUID.randomUUID(), 1, 1, Instant.EPOCH,
                EnvelopeType.ENVELOPE_TYPE_SENDER_KEY_MESSAGE_VALUE, new byte[300], UUID.randomUUID(), null);
        enqueue(groupCopy, 0);
        assertThat(queue.usage.items()).isEqualTo(1);
        assertThat(queue.usage.bytes()).isEqualTo(300);
    }

    @Test
    void theMarkReleasesARunOnceItPassesItsLastItemAndTheWholeQueueAckedReleasesAll() {
        UUID sender = UUID.randomUUID();
        long first = enqueue(from(sender, 100), 0);
        long second = enqueue(from(sender, 100), 0);
        enqueue(from(sender, 100), 0);

        queue.advance(second);
        assertThat(queue.usage.items()).as("the run's last item is not acked yet").isEqualTo(3);

        queue.advance(queue.nextSeq - 1);
        assertThat(queue.usage.items()).isZero();
        assertThat(queue.usage.isEmpty()).isTrue();
        assertThat(first).isLessThan(second);
        for (int i = 0; i < 5; i++) {
            assertThat(enqueue(from(sender, 100), 0)).as("the sender's share is free again").isPositive();
        }
    }

    @Test
    void aRunWhollyBelowTheMarkIsReleasedWhileLaterRunsStayCounted() {
        UUID sender = UUID.randomUUID();
        DeviceQueue.Limits roomy = new DeviceQueue.Limits(256, 1 << 20, 1000,
                new InboxUsage.Quota(1_000, 1 << 20, 1.0, 30));
        long first = queue.enqueue(owner, List.of(from(sender, 10)), false, 0, roomy);
        long lastOfFirstRun = (first / InboxUsage.RUN + 1) * InboxUsage.RUN - 1;
        while (queue.nextSeq <= lastOfFirstRun + 3) {
            queue.enqueue(owner, List.of(from(sender, 10)), false, 0, roomy);
        }
        long counted = queue.usage.items();

        queue.advance(lastOfFirstRun);

        assertThat(queue.usage.items()).isEqualTo(counted - (lastOfFirstRun - first + 1));
    }

    @Test
    void countsOfItemsOlderThanTheLogsTtlExpireWithTheirRows() {
        UUID sender = UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            enqueue(from(sender, 100), 0);
        }
        assertThat(check(from(sender, 100))).isEqualTo(InboxUsage.NoRoom.SENDER_SHARE_FULL);

        queue.trim(31 * DAY, LIMITS);

        assertThat(queue.usage.items()).isZero();
        assertThat(enqueue(from(sender, 100), 31 * DAY)).isPositive();
    }

    @Test
    void theBackupCountsWhatThePrimaryCounted() {
        DeviceQueue backup = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
        InboxItem.Message item = from(UUID.randomUUID(), 100);
        long first = enqueue(item, 0);

        new QueueOps.Place(owner, first, List.of(item), false, 0, LIMITS)
                .process(new AbstractMap.SimpleEntry<>(null, backup));

        assertThat(backup.usage.items()).isEqualTo(queue.usage.items()).isEqualTo(1);
        assertThat(backup.usage.bytes()).isEqualTo(queue.usage.bytes());
    }

    @Test
    void aFullDeviceLetsItsExpiredCountsGoWhenAnEnqueueIsRefusedOrItsEntryIsTouched() {
        for (int i = 0; i < 10; i++) {
            enqueue(from(UUID.randomUUID(), 100), 0);
        }
        assertThat(check(from(UUID.randomUUID(), 1))).isEqualTo(InboxUsage.NoRoom.DEVICE_FULL);

        assertThat(enqueue(from(UUID.randomUUID(), 100), 31 * DAY)).as("the 30-day-old counts expired first")
                .isPositive();

        DeviceQueue idle = new DeviceQueue(1, Queued.firstOfEpoch(1) - 1, true);
        idle.enqueue(owner, List.of(from(UUID.randomUUID(), 100)), false, 0, LIMITS);
        new QueueOps.Touch(31 * DAY, LIMITS).process(new AbstractMap.SimpleEntry<>(null, idle));
        assertThat(idle.usage.isEmpty()).as("nothing counted: the keep-alive lets it go idle").isTrue();
    }

    @Test
    void aRetryOfAnAdmittedSendIsCountedButNeverRefused() {
        UUID sender = UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            enqueue(from(sender, 100), 0);
        }
        InboxItem.Message retried = from(sender, 100);
        assertThat(enqueue(retried, 0)).isEqualTo(-1);

        Object result = new QueueOps.Enqueue(owner, List.of(retried), false, false, 0, LIMITS)
                .process(new AbstractMap.SimpleEntry<>(null, queue));

        assertThat(result).isInstanceOf(QueueOps.Landed.class);
        assertThat(queue.usage.items()).isEqualTo(6);
    }
}
