package io.courier.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.Group;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.GroupMember;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.ReceiptState;
import io.courier.api.v1.SendAck;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;

/** Compact down-frames carry what full ones do: times exactly, recipients wherever the client can't know them. */
class DownFramesTest {
    private static final Instant AT = Instant.parse("2026-11-28T10:00:00.123Z");
    /** An id issued 700 ms before {@link #AT} (prefetched ids are older than their use). */
    private static final long ID = ServerIds.lowestAt(AT.minusMillis(700)) + 77;
    private static final UUID ALICE = UUID.randomUUID();
    private static final UUID BOB = UUID.randomUUID();
    private static final UUID CAROL = UUID.randomUUID();

    @Test
    void aGroupEventIsBuiltOnceForEveryDeviceItGoesTo() {
        GroupEvent stored = GroupEvent.newBuilder().setGroup(Group.newBuilder().setGroupId(Ids.bytes(CAROL))
                .addMembers(GroupMember.newBuilder().setAccountId(Ids.bytes(ALICE)))
                .addMembers(GroupMember.newBuilder().setAccountId(Ids.bytes(BOB)))).build();
        long other = ID + 1;
        while (((Long.hashCode(other) ^ Long.hashCode(ID)) & (DownFrames.GROUP_EVENT_SLOTS - 1)) != 0) {
            other++; // to the same slot of the frames kept
        }

        ConnectResponse first = DownFrames.FULL.of(new InboxItem.GroupChange(ID, stored.toByteArray()));
        ConnectResponse again = DownFrames.COMPACT.of(new InboxItem.GroupChange(ID, stored.toByteArray()));
        ConnectResponse another = DownFrames.FULL.of(new InboxItem.GroupChange(other, stored.toByteArray()));

        assertThat(first.getGroupEvent()).isEqualTo(stored.toBuilder().setServerId(ID).build());
        assertThat(again).isSameAs(first);
        assertThat(another.getGroupEvent()).isEqualTo(stored.toBuilder().setServerId(other).build());
        assertThat(DownFrames.FULL.of(new InboxItem.GroupChange(ID, stored.toByteArray()))).isNotSameAs(first)
                .isEqualTo(first);
    }

    @Test
    void aCompactSendAckCarriesItsTimeAsAnOffsetFromTheIdsTime() {
        SendAck full = DownFrames.FULL.sendAck(new SendOutcome.Accepted(5, ID, AT)).getSendAck();
        SendAck compact = DownFrames.COMPACT.sendAck(new SendOutcome.Accepted(5, ID, AT)).getSendAck();

        assertThat(full.getServerTimestampMs()).isEqualTo(AT.toEpochMilli());
        assertThat(full.getServerTimestampOffsetMs()).isZero();
        assertThat(compact.getServerTimestampMs()).isZero();
        assertThat(compact.getServerTimestampOffsetMs()).isEqualTo(700);
        assertThat(ServerIds.millisOf(ID) + compact.getServerTimestampOffsetMs()).isEqualTo(AT.toEpochMilli());
        assertThat(compact.getSerializedSize()).isLessThan(full.getSerializedSize());
    }

    @Test
    void aCompactDeliveryLeavesOutTheClientMessageIdAndTheFullTime() {
        var message = new InboxItem.Message(ID, ALICE, 2, 99, AT, 2, new byte[] {1, 2, 3}, null, null);
        Delivery full = DownFrames.FULL.of(message).getDelivery();
        Delivery compact = DownFrames.COMPACT.of(message).getDelivery();

        assertThat(full.getClientMessageId()).isEqualTo(99);
        assertThat(full.getServerTimestampMs()).isEqualTo(AT.toEpochMilli());
        assertThat(compact.getClientMessageId()).isZero();
        assertThat(compact.getServerTimestampMs()).isZero();
        assertThat(ServerIds.millisOf(ID) + compact.getServerTimestampOffsetMs()).isEqualTo(AT.toEpochMilli());
        assertThat(compact.toBuilder().clearServerTimestampOffsetMs().setServerTimestampMs(AT.toEpochMilli())
                .setClientMessageId(99).build()).as("nothing else differs").isEqualTo(full);
    }

    @Test
    void aTimeTooFarFromTheIdsGoesOutInFull() {
        Instant later = AT.plus(Duration.ofDays(30)); // beyond a sint32 of milliseconds (e.g. a test's clock)
        var message = new InboxItem.Message(ID, ALICE, 1, 99, later, 2, new byte[] {1}, null, null);

        Delivery compact = DownFrames.COMPACT.of(message).getDelivery();

        assertThat(compact.getServerTimestampMs()).isEqualTo(later.toEpochMilli());
        assertThat(compact.getServerTimestampOffsetMs()).isZero();
    }

    @Test
    void aCompactReceiptNamesNoRecipientFor1to1ButEveryRecipientForGroups() {
        long messageId = ID - 1000;
        var direct = new InboxItem.Receipt(ID, messageId, List.of(BOB), ReceiptState.RECEIPT_STATE_DELIVERED, AT, null);
        UUID group = UUID.randomUUID();
        var grouped = new InboxItem.Receipt(ID, messageId, List.of(BOB, CAROL), ReceiptState.RECEIPT_STATE_READ, AT,
                group);
        var lone = new InboxItem.Receipt(ID, messageId, List.of(CAROL), ReceiptState.RECEIPT_STATE_READ, AT, group);

        Receipt compact = DownFrames.COMPACT.of(direct).getReceipt();
        Receipt full = DownFrames.FULL.of(direct).getReceipt();

        assertThat(full.getRecipientAccountId()).isEqualTo(Ids.bytes(BOB));
        assertThat(full.getTimestampMs()).isEqualTo(AT.toEpochMilli());
        assertThat(compact.getRecipientAccountId()).isEmpty();
        assertThat(compact.getTimestampMs()).isZero();
        assertThat(ServerIds.millisOf(ID) + compact.getTimestampOffsetMs()).isEqualTo(AT.toEpochMilli());
        assertThat(compact.getMessageServerId()).isEqualTo(messageId);
        assertThat(compact.getState()).isEqualTo(ReceiptState.RECEIPT_STATE_DELIVERED);

        Receipt groupCompact = DownFrames.COMPACT.of(grouped).getReceipt();
        assertThat(groupCompact.getRecipientAccountId()).isEqualTo(Ids.bytes(BOB));
        assertThat(groupCompact.getMoreRecipientAccountIdsList()).containsExactly(Ids.bytes(CAROL));
        assertThat(groupCompact.getGroupId()).isEqualTo(Ids.bytes(group));
        assertThat(DownFrames.COMPACT.of(lone).getReceipt().getRecipientAccountId()).isEqualTo(Ids.bytes(CAROL));
    }
}
