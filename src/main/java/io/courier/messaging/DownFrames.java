package io.courier.messaging;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;

import io.courier.api.v1.AccountEvent;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.Receipt;
import io.courier.api.v1.SendAck;
import io.courier.cluster.ServerIds;
import io.courier.common.Ids;

/**
 * Inbox entries and send results as the down-frames a device receives: with every field ({@link #FULL}), or without
 * what a compact client derives ({@link #COMPACT}: times as offsets from their server id's time, no client message
 * id on deliveries, no recipient on 1:1 receipts; see messaging.proto). Both carry the same information.
 */
public final class DownFrames {
    public static final DownFrames FULL = new DownFrames(false);
    public static final DownFrames COMPACT = new DownFrames(true);
    /** Group event frames kept: a power of two (a slot is the id's hash masked). */
    static final int GROUP_EVENT_SLOTS = 16;
    /**
     * Recent group events' frames by inbox id. A group change reaches every member's devices under one id with the
     * same bytes (a 1024-member group's event is ~40 KB of members), so a node parses and rebuilds it once per
     * fan-out instead of once per device. Direct-mapped and small: a collision only builds a frame again.
     */
    private static final AtomicReferenceArray<GroupEventFrame> GROUP_EVENTS =
            new AtomicReferenceArray<>(GROUP_EVENT_SLOTS);

    private final boolean compact;

    private record GroupEventFrame(long serverId, ConnectResponse frame) {
    }

    private DownFrames(boolean compact) {
        this.compact = compact;
    }

    public ConnectResponse sendAck(SendOutcome.Accepted accepted) {
        SendAck.Builder ack = SendAck.newBuilder().setClientMessageId(accepted.clientMessageId())
                .setServerId(accepted.serverId());
        time(accepted.serverId(), accepted.serverTime(), ack::setServerTimestampMs, ack::setServerTimestampOffsetMs);
        return ConnectResponse.newBuilder().setSendAck(ack).build();
    }

    public ConnectResponse of(InboxItem item) {
        if (item instanceof InboxItem.Message m) {
            return ConnectResponse.newBuilder().setDelivery(delivery(m)).build();
        }
        if (item instanceof InboxItem.GroupChange g) {
            return groupEventFrame(g);
        }
        if (item instanceof InboxItem.AccountChange a) {
            return ConnectResponse.newBuilder().setAccountEvent(accountEvent(a)).build();
        }
        InboxItem.Receipt r = (InboxItem.Receipt) item;
        Receipt.Builder receipt = Receipt.newBuilder()
                .setServerId(r.serverId())
                .setMessageServerId(r.messageServerId())
                .setState(r.state());
        if (!compact || r.groupId() != null || r.recipients().size() > 1) {
            // compact: a 1:1 message has one recipient, whom its sender knows by the message's server id
            receipt.setRecipientAccountId(Ids.bytes(r.recipients().get(0)));
        }
        time(r.serverId(), r.time(), receipt::setTimestampMs, receipt::setTimestampOffsetMs);
        r.recipients().stream().skip(1).forEach(more -> receipt.addMoreRecipientAccountIds(Ids.bytes(more)));
        if (r.groupId() != null) {
            receipt.setGroupId(Ids.bytes(r.groupId()));
        }
        return ConnectResponse.newBuilder().setReceipt(receipt).build();
    }

    private Delivery delivery(InboxItem.Message m) {
        Delivery.Builder delivery = Delivery.newBuilder()
                .setServerId(m.serverId())
                .setSenderAccountId(Ids.bytes(m.sender()))
                .setSenderDeviceId(m.senderDevice())
                .setType(EnvelopeType.forNumber(m.envelopeType()))
                // Wrapped, not copied: an item's ciphertext is never changed once queued (a group's members share
                // one array).
                .setCiphertext(UnsafeByteOperations.unsafeWrap(m.ciphertext()));
        time(m.serverId(), m.serverTime(), delivery::setServerTimestampMs, delivery::setServerTimestampOffsetMs);
        if (!compact) {
            delivery.setClientMessageId(m.clientMessageId()); // compact: a retry keeps its server id, which names it
        }
        if (m.groupId() != null) {
            delivery.setGroupId(Ids.bytes(m.groupId()));
        }
        if (m.syncRecipient() != null) {
            delivery.setSyncRecipientAccountId(Ids.bytes(m.syncRecipient()));
        }
        return delivery.build();
    }

    /** Sets the time as an offset from the id's time on a compact stream, else (or if it doesn't fit) in full. */
    private void time(long serverId, Instant time, LongConsumer full, IntConsumer offset) {
        long millis = time.toEpochMilli();
        long fromId = millis - ServerIds.millisOf(serverId);
        if (compact && fromId == (int) fromId) {
            offset.accept((int) fromId);
        } else {
            full.accept(millis);
        }
    }

    /** The same for full and compact streams: a group event has nothing to leave out. */
    private static ConnectResponse groupEventFrame(InboxItem.GroupChange change) {
        int slot = Long.hashCode(change.serverId()) & (GROUP_EVENT_SLOTS - 1);
        GroupEventFrame recent = GROUP_EVENTS.get(slot);
        if (recent != null && recent.serverId() == change.serverId()) {
            return recent.frame();
        }
        ConnectResponse frame = ConnectResponse.newBuilder().setGroupEvent(groupEvent(change)).build();
        if (change.event().length > 0) { // an expired payload reads as empty: not the event's frame to keep
            GROUP_EVENTS.set(slot, new GroupEventFrame(change.serverId(), frame));
        }
        return frame;
    }

    /** The stored event (written by the group capability) with this inbox entry's id. */
    private static GroupEvent groupEvent(InboxItem.GroupChange change) {
        try {
            return GroupEvent.parseFrom(change.event()).toBuilder().setServerId(change.serverId()).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored group event " + change.serverId() + " is corrupt", e);
        }
    }

    /** The stored event (written by {@link AccountNotices}) with this inbox entry's id. */
    private static AccountEvent accountEvent(InboxItem.AccountChange change) {
        try {
            return AccountEvent.parseFrom(change.event()).toBuilder().setServerId(change.serverId()).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored account event " + change.serverId() + " is corrupt", e);
        }
    }
}
