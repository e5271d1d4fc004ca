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

    default RateLimit sends() {
        return new RateLimit("messages sent from this device", sendBurst(), sendRefill());
    }
}
