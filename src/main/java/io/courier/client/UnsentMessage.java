package io.courier.client;

import java.nio.ByteBuffer;
import java.util.UUID;

import com.google.protobuf.InvalidProtocolBufferException;

import io.courier.api.v1.DataMessage;

/**
 * An app's message (already stamped with its {@code sent_at_ms}) to one account or a group, under the client id it
 * keeps across attempts and restarts. Kept in the {@link ClientStore} as a flag, the destination and the
 * DataMessage: encrypted anew for every attempt, as the server dedupes by client id, not by ciphertext.
 */
record UnsentMessage(long clientMessageId, UUID destination, boolean toGroup, DataMessage message) {

    byte[] serialize() {
        byte[] body = message.toByteArray();
        ByteBuffer buffer = ByteBuffer.allocate(1 + Uuids.BYTES + body.length).put((byte) (toGroup ? 1 : 0));
        return Uuids.put(buffer, destination).put(body).array();
    }

    static UnsentMessage parse(long clientMessageId, byte[] raw) {
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        boolean toGroup = buffer.get() == 1;
        UUID destination = Uuids.get(buffer);
        try {
            return new UnsentMessage(clientMessageId, destination, toGroup, DataMessage.parseFrom(buffer));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored unsent message is corrupt", e);
        }
    }
}
