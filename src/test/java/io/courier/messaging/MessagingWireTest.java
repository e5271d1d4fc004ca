package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;

import io.courier.api.v1.ReceiptState;
import io.courier.cluster.DeviceAddress;
import io.courier.cluster.Presence;
import io.courier.support.ServerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every grid type on the hot path travels in its own wire form, not by Java serialization, and comes back the same:
 * checked through the node's real Hazelcast serialization (a value read back serializes to the same bytes).
 */
@QuarkusTest
class MessagingWireTest extends ServerTest {
    @Inject
    HazelcastInstance hazelcast;

    @Test
    void everyQueueTicksAndQuotaTypeRoundTripsInItsOwnWireForm() {
        SerializationService serialization = ((SerializationServiceSupport) hazelcast).getSerializationService();
        UUID account = UUID.randomUUID();
        DeviceQueue.Limits limits = new DeviceQueue.Limits(256, 1 << 20, 5000, new InboxUsage.Quota(10, 20, 0.5, 30));
        DeviceQueue.Send send = new DeviceQueue.Send(7, 8, true, false);
        InboxItem message = new InboxItem.Message(1, account, 2, 3, Instant.ofEpochSecond(10, 123_456_789), 1,
                new byte[] {1, 2, 3}, null, UUID.randomUUID());
        InboxItem traced = new InboxItem.Message(6, account, 2, 3, Instant.ofEpochSecond(10), 1, new byte[] {4},
                UUID.randomUUID(), null, null, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        InboxItem receipt = new InboxItem.Receipt(4, 1, List.of(account, UUID.randomUUID()),
                ReceiptState.RECEIPT_STATE_READ, Instant.ofEpochMilli(99), UUID.randomUUID());
        InboxItem groupChange = new InboxItem.GroupChange(5, new byte[] {9});
        InboxItem accountChange = new InboxItem.AccountChange(7, new byte[] {8, 7});
        List<InboxItem> items = List.of(message, receipt, groupChange, accountChange);
        List<Queued> queued = List.of(new Queued(11, message), new Queued(12, receipt));
        List<Object> values = List.of(
                new DeviceAddress(account, 3), message, traced, receipt, groupChange, accountChange, queued.get(0),
                send, limits,
                new InboxItem.Message(1, account, 2, 3, Instant.ofEpochSecond(10), 1, new byte[] {1}, null, null,
                        Instant.ofEpochMilli(70_123), null),
                new DeviceQueue.Spill(queued, List.of(), Map.of(5L, send)),
                new QueueOps.Enqueue(account, items, true, false, 42, limits),
                new QueueOps.Place(account, 9, items, false, 43, limits),
                new QueueOps.EnqueueEach(message, true, 46, limits),
                new QueueOps.PlaceEach(Map.of(new DeviceAddress(account, 1), 9L), message, true, 47, limits),
                new QueueOps.StoredEach(Map.of(new DeviceAddress(account, 1), 10L), 48, limits),
                new QueueOps.Stored(List.of(1L, 2L), Set.of(3L), 44, limits), new QueueOps.Read(1, 2, 3),
                new QueueOps.TakeSpill(4, 5), new QueueOps.Opened(new Presence("m", 1), 2, 3),
                new QueueOps.OpenedAt(4, 3, new QueueOps.ReadResult(queued, -1)), new QueueOps.Logged(5),
                new QueueOps.Closed(new Presence("m", 2)), new QueueOps.StreamOn("m"), new QueueOps.MemberLeft("m"),
                new QueueOps.Landed(5, new StreamSighting(true, new Presence("m", 3))),
                new QueueOps.Landed(6, StreamSighting.UNKNOWN), new QueueOps.Advance(6),
                new QueueOps.Find(Set.of(7L)), new QueueOps.ClaimSend(8, send, true), new QueueOps.PutSend(9, send),
                new QueueOps.CompleteSends(List.of(10L)),
                new QueueOps.Completing(List.of(10L), new QueueOps.Advance(9)),
                new QueueOps.AdvanceEach(Map.of(new DeviceAddress(account, 1), 9L),
                        Map.of(new DeviceAddress(account, 1), List.of(3L, 4L))), new QueueOps.Forget(11, 12),
                new QueueOps.Init(13, 14, true),
                new QueueOps.ReadResult(queued, -1), new QueueOps.Earlier(send), new QueueOps.Claimed(),
                new QueueOps.Unknown(), QueueOps.Missing.ENTRY, InboxUsage.NoRoom.SENDER_SHARE_FULL,
                new QueueOps.Touch(45, limits),
                new HeldTicks.Record(1, account, 2, 1), new HeldTicks.Lookup(Set.of(1L, 2L)),
                new HeldTicks.Advance(List.of(new HeldTicks.Move(1, account, true, 5)), 6),
                new HeldTicks.TakeFlush(7), new HeldTicks.Written(Map.of(1L, 2L), 8),
                new HeldTicks.Flush(List.of(new ReceiptTable.DirectRow(1, account, 2, 3, 0)), Map.of(1L, 4L)));

        for (Object value : values) {
            Data data = serialization.toData(value);
            assertThat(data.getType()).as(value.getClass().getName() + " travels in a Courier wire form")
                    .isPositive();
            Object back = serialization.<Object>toObject(data);
            assertThat((Object) back).isInstanceOf(value.getClass());
            assertThat((Object) serialization.toData(back)).as(value.getClass().getName() + " comes back the same")
                    .isEqualTo(data);
        }
    }
}
