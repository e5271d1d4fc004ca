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
        ByteBuffer buffer = ByteBuffer.allocate(8 + 8 + 16 + 4 + 8 + 2 * (1 + 16) + plaintext.length)
                .putLong(message.serverId()).putLong(origin);
        Uuids.put(buffer, message.sender()).putInt(message.senderDevice()).putLong(message.serverTime().toEpochMilli());
        putOptional(buffer, message.syncRecipient());
        putOptional(buffer, message.group());
        return buffer.put(plaintext).array();
    }

    static UnhandledMessage parse(byte[] raw) {
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        long serverId = buffer.getLong();
        long origin = buffer.getLong();
        UUID sender = Uuids.get(buffer);
        int senderDevice = buffer.getInt();
        Instant serverTime = Instant.ofEpochMilli(buffer.getLong());
        Optional<UUID> syncRecipient = getOptional(buffer);
        Optional<UUID> group = getOptional(buffer);
        byte[] plaintext = new byte[buffer.remaining()];
        buffer.get(plaintext);
        return new UnhandledMessage(new IncomingMessage(serverId, sender, senderDevice, serverTime, plaintext,
                syncRecipient, group), origin);
    }

    private static void putOptional(ByteBuffer buffer, Optional<UUID> id) {
        buffer.put((byte) (id.isPresent() ? 1 : 0));
        Uuids.put(buffer, id.orElse(new UUID(0, 0)));
    }

    private static Optional<UUID> getOptional(ByteBuffer buffer) {
        boolean present = buffer.get() == 1;
        UUID id = Uuids.get(buffer);
        return present ? Optional.of(id) : Optional.empty();
    }
}
