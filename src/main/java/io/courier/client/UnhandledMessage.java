package io.courier.client;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A decrypted message the app has not handled yet, with its {@code origin} (see {@link ClientStore#origin}). Kept in
 * the {@link ClientStore} until handled: its ciphertext cannot be decrypted a second time.
 */
record UnhandledMessage(IncomingMessage message, long origin) {

    long serverId() {
        return message.serverId();
    }

    byte[] serialize() {
        byte[] plaintext = message.plaintext();
        ByteBuffer buffer = ByteBuffer.allocate(8 + 8 + 16 + 4 + 8 + 1 + 16 + plaintext.length)
                .putLong(message.serverId()).putLong(origin);
        putUuid(buffer, message.sender()).putInt(message.senderDevice()).putLong(message.serverTime().toEpochMilli());
        buffer.put((byte) (message.syncRecipient().isPresent() ? 1 : 0));
        putUuid(buffer, message.syncRecipient().orElse(new UUID(0, 0)));
        return buffer.put(plaintext).array();
    }

    static UnhandledMessage parse(byte[] raw) {
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        long serverId = buffer.getLong();
        long origin = buffer.getLong();
        UUID sender = getUuid(buffer);
        int senderDevice = buffer.getInt();
        Instant serverTime = Instant.ofEpochMilli(buffer.getLong());
        boolean sync = buffer.get() == 1;
        UUID syncRecipient = getUuid(buffer);
        byte[] plaintext = new byte[buffer.remaining()];
        buffer.get(plaintext);
        return new UnhandledMessage(new IncomingMessage(serverId, sender, senderDevice, serverTime, plaintext,
                sync ? Optional.of(syncRecipient) : Optional.empty()), origin);
    }

    private static ByteBuffer putUuid(ByteBuffer buffer, UUID id) {
        return buffer.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer buffer) {
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
