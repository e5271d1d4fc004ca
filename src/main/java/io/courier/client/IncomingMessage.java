package io.courier.client;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A decrypted message. {@code syncRecipient} is present when this is a copy of a message another device of this
 * account sent (to that recipient).
 */
public record IncomingMessage(long serverId, UUID sender, int senderDevice, Instant serverTime, byte[] plaintext,
        Optional<UUID> syncRecipient) {
}
