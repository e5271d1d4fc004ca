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

    /**
     * Messages (1:1 and group copies from other accounts) that may wait un-acked in one device's inbox; a device
     * without room gets no copy, and a send none of the recipient's devices had room for is refused
     * (RECIPIENT_INBOX_FULL).
     */
    @WithDefault("50000")
    long inboxMaxItems();

    /** Ciphertext bytes that may wait un-acked in one device's inbox. */
    @WithDefault("536870912")
    long inboxMaxBytes();

    /**
     * The share of a device's inbox quota (items and bytes) one sender may fill: a stranger filling its share leaves
     * the device reachable for everyone else.
     */
    @WithDefault("0.25")
    double inboxSenderShare();

    /** Message ids a GetMessageStatus call may ask about. */
    @WithDefault("100")
    int maxStatusIds();

    /**
     * How long an un-acked item may live in the grid's memory alone: with two or more members, an enqueue completes
     * once the item is in two members' memory and the queue's owner spills it to the log only if it is still
     * un-acked after this (an item acked in time never touches the database). 0: every enqueue writes through.
     * With one member every enqueue writes through, whatever this says. Stored items also leave memory after it.
     */
    @WithDefault("5s")
    Duration hold();

    /**
     * How often each member writes to the log what its queues held past the hold without an ack (hold mode), and
     * checks that every partition has a filled backup (else enqueues write through).
     */
    @WithDefault("500ms")
    Duration spillInterval();

    /**
     * How long bookkeeping may live in the grid's memory alone while queues hold items there (hold mode): a
     * sender's ticks (SENT, DELIVERED, READ of its recent 1:1 messages) and a sending device's client ids are
     * written to the database in one batch per sender once the oldest unwritten one is this old. Longer means fewer
     * writes per message and more to lose if two members die at once (ticks and retry ids only, never a message).
     */
    @WithDefault("30s")
    Duration tickFlush();

    /** Stored, unacked items one device's queue keeps in memory at most; older ones are read from the log. */
    @WithDefault("256")
    int queueMemoryItems();

    @WithDefault("262144")
    long queueMemoryBytes();

    /** A queue's grid entry idle this long goes (its mark was written to the log when its stream ended). */
    @WithDefault("30m")
    Duration queueIdle();

    /**
     * Member deliveries an account's group sends may ask for at once, cluster-wide: a group send costs its
     * recipients, so one account can't turn its send budget into a thousand writes per message (the issue's
     * cheapest denial of service). The default lets an account send ten messages to a full group at once.
     */
    @WithDefault("10240")
    int groupDeliveriesBurst();

    /** One more member delivery every this (the default: 2,000 a second, two messages a second to a full group). */
    @WithDefault("0.0005s")
    Duration groupDeliveriesRefill();

    default RateLimit groupDeliveries() {
        return new RateLimit("group member deliveries from this account", groupDeliveriesBurst(),
                groupDeliveriesRefill());
    }

    /** Message ids an account's GetMessageStatus calls may look up at once, cluster-wide (a call costs its ids). */
    @WithDefault("1000")
    int statusLookupsBurst();

    /** One more lookup every this (the default: 20 a second). */
    @WithDefault("50ms")
    Duration statusLookupsRefill();

    default RateLimit statusLookups() {
        return new RateLimit("message status lookups by this account", statusLookupsBurst(), statusLookupsRefill());
    }
}
