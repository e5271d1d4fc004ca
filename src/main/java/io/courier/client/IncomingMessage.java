package io.courier.client;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.DataMessage;

/**
 * A decrypted message. {@code plaintext} is its serialized DataMessage (content.proto; {@link Content#decode} reads
 * its body), with every field the sender wrote, also those this SDK doesn't know. {@code syncRecipient} is present
 * when this is a copy of a 1:1 message another device of this account sent (to that recipient); {@code group} when
 * it was sent to a group (by a member, or by another device of this account).
 */
public record IncomingMessage(long serverId, UUID sender, int senderDevice, Instant serverTime, byte[] plaintext,
        Optional<UUID> syncRecipient, Optional<UUID> group) {

    /**
     * How reactions, edits, deletes and quotes name this message: its sender (the author, also of a sync copy: this
     * account) and the {@code sent_at_ms} in it.
     */
    public MessageRef ref() {
        try {
            return new MessageRef(sender, DataMessage.parseFrom(plaintext).getSentAtMs());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an incoming message's plaintext is always a DataMessage", e);
        }
    }
}
