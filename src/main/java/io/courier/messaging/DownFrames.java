package io.courier.messaging;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
import io.courier.api.v1.GroupEvent;
import io.courier.api.v1.Receipt;
import io.courier.common.Ids;

/** Inbox entries as the down-frames a device receives. */
public final class DownFrames {
    private DownFrames() {
    }

    public static ConnectResponse of(InboxItem item) {
        if (item instanceof InboxItem.Message m) {
            Delivery.Builder delivery = Delivery.newBuilder()
                    .setServerId(m.serverId())
                    .setSenderAccountId(Ids.bytes(m.sender()))
                    .setSenderDeviceId(m.senderDevice())
                    .setServerTimestampMs(m.serverTime().toEpochMilli())
                    .setType(EnvelopeType.forNumber(m.envelopeType()))
                    .setCiphertext(ByteString.copyFrom(m.ciphertext()))
                    .setClientMessageId(m.clientMessageId());
            if (m.groupId() != null) {
                delivery.setGroupId(Ids.bytes(m.groupId()));
            }
            if (m.syncRecipient() != null) {
                delivery.setSyncRecipientAccountId(Ids.bytes(m.syncRecipient()));
            }
            return ConnectResponse.newBuilder().setDelivery(delivery).build();
        }
        if (item instanceof InboxItem.GroupChange g) {
            return ConnectResponse.newBuilder().setGroupEvent(groupEvent(g)).build();
        }
        InboxItem.Receipt r = (InboxItem.Receipt) item;
        Receipt.Builder receipt = Receipt.newBuilder()
                .setServerId(r.serverId())
                .setMessageServerId(r.messageServerId())
                .setRecipientAccountId(Ids.bytes(r.recipients().get(0)))
                .setState(r.state())
                .setTimestampMs(r.time().toEpochMilli());
        r.recipients().stream().skip(1).forEach(more -> receipt.addMoreRecipientAccountIds(Ids.bytes(more)));
        if (r.groupId() != null) {
            receipt.setGroupId(Ids.bytes(r.groupId()));
        }
        return ConnectResponse.newBuilder().setReceipt(receipt).build();
    }

    /** The stored event (written by the group capability) with this inbox entry's id. */
    private static GroupEvent groupEvent(InboxItem.GroupChange change) {
        try {
            return GroupEvent.parseFrom(change.event()).toBuilder().setServerId(change.serverId()).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored group event " + change.serverId() + " is corrupt", e);
        }
    }
}
