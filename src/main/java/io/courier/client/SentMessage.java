package io.courier.client;

import java.time.Instant;

/**
 * A message the server has stored for every destination device (the single tick). {@code sentAtMs} is the
 * {@code sent_at_ms} the SDK stamped it with: with this account's id it names the message ({@link MessageRef}, to
 * edit or delete it); 0 for the SDK's own messages.
 */
public record SentMessage(long clientMessageId, long serverId, Instant serverTime, long sentAtMs) {

    SentMessage(long clientMessageId, long serverId, Instant serverTime) {
        this(clientMessageId, serverId, serverTime, 0);
    }

    SentMessage withSentAtMs(long stamp) {
        return new SentMessage(clientMessageId, serverId, serverTime, stamp);
    }
}
