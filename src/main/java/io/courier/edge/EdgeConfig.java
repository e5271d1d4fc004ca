package io.courier.edge;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.courier.cluster.RateLimit;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Device streams: window, liveness, per-device rates and caps. */
@ConfigMapping(prefix = "courier.edge")
public interface EdgeConfig {
    /** Deliveries a device may have un-acked at once (Signal uses 256); the rest waits in its inbox. */
    @WithDefault("256")
    int window();

    /** Bytes of un-acked deliveries per stream (one delivery always fits, however large). */
    @WithDefault("1048576")
    int windowBytes();

    /** Items per queue read (within the window's room). */
    @WithDefault("128")
    int page();

    /**
     * Devices whose spent frame budgets this node keeps after their stream ended, so a reconnect refills nothing
     * ({@link DeviceBudgets}); beyond it the longest-kept device starts full again.
     */
    @WithDefault("50000")
    int keptBudgets();

    /**
     * How often a stream reads its queue again: recovers a last push the bus lost. An idle stream's wait doubles
     * after each rescan that finds nothing, up to 8 times this; a delivery brings it back.
     */
    @WithDefault("15s")
    Duration rescanInterval();

    /** Ack batches still being settled before the stream stops reading frames. */
    @WithDefault("8")
    int ackBatchesInFlight();

    /** Replies (SendAcks, pongs, errors) waiting for a client that doesn't read before the stream stops reading. */
    @WithDefault("64")
    int maxQueuedReplies();

    /** How often streams are checked for silence; clients ping at about this interval. */
    @WithDefault("60s")
    Duration pingInterval();

    /**
     * How long a shutting-down node waits for its streams to finish their in-flight frames and end (see
     * {@code NodeDrain}); keep it and {@code quarkus.shutdown.timeout} within the pod's termination grace period.
     */
    @WithDefault("20s")
    Duration drainTimeout();

    /** Intervals of silence after which a stream is closed and its presence removed. */
    @WithDefault("3")
    int silentIntervals();

    @WithDefault("1000")
    int ackBurst();

    @WithDefault("2ms")
    Duration ackRefill();

    @WithDefault("200")
    int readBurst();

    @WithDefault("10ms")
    Duration readRefill();

    /** Typing indicators per device: a burst, then one more every {@code typing-refill}. */
    @WithDefault("30")
    int typingBurst();

    @WithDefault("500ms")
    Duration typingRefill();

    /**
     * Kibibytes of Send frames per device: a burst, then one more every {@code send-kib-refill} (the defaults: 16 MiB,
     * then 250 KiB a second). Sends are counted in messaging ({@code courier.messaging.send-burst}); this bounds what
     * a device's sends of large envelopes cost the cluster's memory and database. A frame larger than the burst
     * passes when the budget is full.
     */
    @WithDefault("16384")
    int sendKibBurst();

    @WithDefault("4ms")
    Duration sendKibRefill();

    @WithDefault("20")
    int pingBurst();

    @WithDefault("1s")
    Duration pingRefill();

    /** Refused frames a device may send in a burst (one more a second) before its stream is closed. */
    @WithDefault("100")
    int maxRefusedBurst();

    /**
     * Connect streams this node opens at once, from the credential check to the first QueueEmpty; more wait their
     * turn in arrival order ({@link OpeningStreams}), so a reconnect storm doesn't time out in the database queue.
     */
    @WithDefault("512")
    int maxOpeningStreams();

    /**
     * Connect streams that may wait for their turn to open; beyond it an open is refused at once with UNAVAILABLE
     * and a retry hint. Well above what a 100k-device reconnect storm on one node keeps waiting.
     */
    @WithDefault("150000")
    int maxWaitingOpens();

    /** Stream opens per device (cluster-wide) before one more every {@code stream-open-refill}. */
    @WithDefault("10")
    int streamOpenBurst();

    @WithDefault("6s")
    Duration streamOpenRefill();

    /**
     * Reopens this node admits at once, over all devices: opens with a credential that opened a stream here within
     * {@code reopen-window} ({@link StreamReopens}); beyond them one more every {@code node-reopen-refill}, the rest
     * refused UNAVAILABLE with a retry hint. First opens and open streams are not counted. Size it to the node: each
     * reopen costs a credential read, a presence registration and a drain.
     */
    @WithDefault("100")
    int nodeReopenBurst();

    @WithDefault("20ms")
    Duration nodeReopenRefill();

    /** How long after its last open on this node a credential's next open counts as a reopen. */
    @WithDefault("10m")
    Duration reopenWindow();

    /** Credentials whose last open this node remembers (about 130 bytes each); beyond it the oldest is forgotten. */
    @WithDefault("100000")
    int keptOpeners();

    /**
     * CIDRs of proxies whose {@code x-forwarded-for} is believed (e.g. the load balancer's subnet); empty by default:
     * then per-peer limits use the TCP peer and forwarded-for headers are ignored.
     */
    Optional<List<String>> trustedProxies();

    /**
     * Unary calls from one client address whose credential is refused (unknown, revoked, wrong or malformed), before
     * the refill rate applies; beyond it that address's unary calls are refused for a while without a database read.
     */
    @WithDefault("20")
    int failedAuthPerPeerBurst();

    @WithDefault("1s")
    Duration failedAuthPerPeerRefill();

    /**
     * Unary calls from one client address whose credential is being read on this node at once, counting only
     * credentials that didn't pass here lately; more are refused RESOURCE_EXHAUSTED before any read. Refused
     * credentials are charged once their read answers, so without it many unknown tokens sent together would all
     * be read before the first charge.
     */
    @WithDefault("16")
    int unverifiedReadsPerPeer();

    /** Refused credentials each node remembers (by digest, ~100 bytes each), so presenting one again reads nothing. */
    @WithDefault("100000")
    int refusedCredentialsRemembered();

    default RateLimit failedAuthPerPeer() {
        return new RateLimit("refused credentials from this address", failedAuthPerPeerBurst(),
                failedAuthPerPeerRefill());
    }

    default RateLimit streamOpens() {
        return new RateLimit("stream opens of this device", streamOpenBurst(), streamOpenRefill());
    }
}
