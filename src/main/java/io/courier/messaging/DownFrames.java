package io.courier.messaging;

import com.google.protobuf.ByteString;

import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.Delivery;
import io.courier.api.v1.EnvelopeType;
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
        InboxItem.Receipt r = (InboxItem.Receipt) item;
        return ConnectResponse.newBuilder().setReceipt(Receipt.newBuilder()
                .setServerId(r.serverId())
                .setMessageServerId(r.messageServerId())
                .setRecipientAccountId(Ids.bytes(r.recipient()))
                .setState(r.state())
                .setTimestampMs(r.time().toEpochMilli())).build();
    }
}
