package io.courier.messaging;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Disappearing messages on the server (messaging.proto, {@code OutgoingMessage.expire_after_seconds}): the server
 * can't read the timer in the end-to-end Content, so the sender names it, and every stored copy of the message is
 * kept no longer. The queued item carries its end ({@link InboxItem.Message#expiresAt()}); the log's row gets a TTL
 * that ends with it, and a mailbox drops a copy it reads later instead of delivering it.
 */
final class MessageExpiry {
    /** The log's retention, which a longer timer doesn't extend. */
    static final Duration RETENTION = Duration.ofDays(DeviceLog.TTL_DAYS);

    private MessageExpiry() {
    }

    /** When a message accepted at {@code accepted} expires; null (kept the whole retention) for 0 or beyond it. */
    static Instant expiresAt(Instant accepted, int expireAfterSeconds) {
        long seconds = Integer.toUnsignedLong(expireAfterSeconds);
        return seconds == 0 || seconds >= RETENTION.toSeconds() ? null
                : accepted.plusSeconds(seconds).truncatedTo(ChronoUnit.MILLIS); // as the grid keeps it
    }

    /** Whether the item is a disappearing message whose time is over at {@code now}: it must not be delivered. */
    static boolean expired(InboxItem item, Instant now) {
        return item instanceof InboxItem.Message m && m.expiresAt() != null && !now.isBefore(m.expiresAt());
    }

    /**
     * The TTL of the item's log row written at {@code now}: the retention, or what is left of a disappearing
     * message's time (at least 1 s: Cassandra takes no TTL of 0 as "expire now"). A row spilled after the hold
     * lives no longer than one written at once.
     */
    static int ttlSeconds(InboxItem.Message message, Instant now) {
        return message.expiresAt() == null ? (int) RETENTION.toSeconds()
                : ttlSeconds(Duration.between(now, message.expiresAt()));
    }

    /** A TTL for something kept {@code lifetime}, within the retention (shared payloads of group messages). */
    static int ttlSeconds(Duration lifetime) {
        return (int) Math.max(1, Math.min(lifetime.toSeconds(), RETENTION.toSeconds()));
    }
}
