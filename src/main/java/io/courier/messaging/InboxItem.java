package io.courier.messaging;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.courier.api.v1.ReceiptState;

/**
 * An item of a device's queue: a message for it, a tick change for a message its account sent, a change of a
 * group its account is or was in, or a change of its account itself.
 */
public sealed interface InboxItem extends Serializable {
    /** The inbox id the device acks. */
    long serverId();

    /** Roughly what the item costs in memory and on the wire; the delivery window is bounded by it. */
    int weight();

    /**
     * A message. {@code syncRecipient} is set on copies sent to the sender's own other devices; {@code groupId} on
     * group messages; {@code expiresAt} on disappearing messages, which are dropped undelivered after it
     * ({@link MessageExpiry}); {@code trace} (a W3C traceparent) on copies of a sampled send only
     * ({@code MessageTracing}), in the grid and on the node bus, not in the log.
     */
    record Message(long serverId, UUID sender, int senderDevice, long clientMessageId, Instant serverTime,
            int envelopeType, byte[] ciphertext, UUID groupId, UUID syncRecipient, Instant expiresAt, String trace)
            implements InboxItem {
        /** An untraced copy kept for the log's whole retention. */
        public Message(long serverId, UUID sender, int senderDevice, long clientMessageId, Instant serverTime,
                int envelopeType, byte[] ciphertext, UUID groupId, UUID syncRecipient) {
            this(serverId, sender, senderDevice, clientMessageId, serverTime, envelopeType, ciphertext, groupId,
                    syncRecipient, null, null);
        }

        /**
         * Whether {@code account} acking this copy means it got the message: copies on the sender's own devices (1:1
         * sync copies, group self copies) don't count.
         */
        boolean countsAsDeliveryTo(UUID account) {
            return syncRecipient == null && !sender.equals(account);
        }

        @Override
        public int weight() {
            return FIXED_WEIGHT + ciphertext.length;
        }
    }

    /**
     * A tick change of one message for one or more of its recipients (a group message's receipts are coalesced);
     * {@code groupId} is set when the message was a group message.
     */
    record Receipt(long serverId, long messageServerId, List<UUID> recipients, ReceiptState state, Instant time,
            UUID groupId) implements InboxItem {
        public Receipt {
            recipients = List.copyOf(recipients);
        }

        @Override
        public int weight() {
            return FIXED_WEIGHT + 16 * (recipients.size() - 1);
        }
    }

    /** A group change: {@code event} is a serialized {@code GroupEvent} without its server id (stored once). */
    record GroupChange(long serverId, byte[] event) implements InboxItem {
        @Override
        public int weight() {
            return FIXED_WEIGHT + event.length;
        }
    }

    /**
     * A change of the device's own account: {@code event} is a serialized {@code AccountEvent} without its server id
     * (a few bytes, kept in each queue's own copy).
     */
    record AccountChange(long serverId, byte[] event) implements InboxItem {
        @Override
        public int weight() {
            return FIXED_WEIGHT + event.length;
        }
    }

    /** Ids, sender, timestamps and framing of one down-frame. */
    int FIXED_WEIGHT = 96;
}
