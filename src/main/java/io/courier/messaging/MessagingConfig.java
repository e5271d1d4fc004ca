package io.courier.messaging;

import java.time.Duration;

import io.courier.cluster.RateLimit;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the message flow. */
@ConfigMapping(prefix = "courier.messaging")
public interface MessagingConfig {
    /** Largest ciphertext accepted per destination device. */
    @WithDefault("98304")
    int maxEnvelopeBytes();

    /** Sends per device before the refill rate applies. */
    @WithDefault("200")
    int sendBurst();

    @WithDefault("20ms")
    Duration sendRefill();

    /** Messages that may wait un-acked in one device's inbox; beyond it senders are refused (RECIPIENT_INBOX_FULL). */
    @WithDefault("50000")
    long inboxMaxItems();

    /** Ciphertext bytes that may wait un-acked in one device's inbox. */
    @WithDefault("536870912")
    long inboxMaxBytes();

    /** Message ids a GetMessageStatus call may ask about. */
    @WithDefault("100")
    int maxStatusIds();

    /**
     * How long a stored, unacked item stays in its queue's memory (the grid) before reads of it go to the log. An
     * item acked within it is never read from the log.
     */
    @WithDefault("5s")
    Duration hold();

    /** Stored, unacked items one device's queue keeps in memory at most; older ones are read from the log. */
    @WithDefault("256")
    int queueMemoryItems();

    @WithDefault("262144")
    long queueMemoryBytes();

    /** A queue's grid entry idle this long goes (its mark was written to the log when its stream ended). */
    @WithDefault("30m")
    Duration queueIdle();

    default RateLimit sends() {
        return new RateLimit("messages sent from this device", sendBurst(), sendRefill());
    }
}
