package io.courier.client;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A decrypted message. {@code plaintext} is its serialized DataMessage (content.proto; {@link Content#decode} reads
 * its body), with every field the sender wrote, also those this SDK doesn't know. {@code syncRecipient} is present
 * when this is a copy of a 1:1 message another device of this account sent (to that recipient); {@code group} when
 * it was sent to a group (by a member, or by another device of this account).
 */
public record IncomingMessage(long serverId, UUID sender, int senderDevice, Instant serverTime, byte[] plaintext,
        Optional<UUID> syncRecipient, Optional<UUID> group) {
}
