package io.courier.client;

import java.time.Instant;

/** A message the server has stored for every destination device (the single tick). */
public record SentMessage(long clientMessageId, long serverId, Instant serverTime) {
}
