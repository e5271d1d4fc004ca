package io.courier.edge;

import java.time.Duration;

import io.courier.common.TokenBucket;
import io.courier.messaging.MessagingConfig;

/**
 * The per-device budgets of one stream, by frame type, and of its refused frames. A bucket is made on its first use:
 * most idle streams never send, type, read or get a frame refused, and a bucket not made yet is a full one. Two
 * overlapping streams of a device share one (on different serial executors), hence the lock.
 */
final class StreamBudgets {
    /** The node's limits, one per budget, shared by every stream's buckets. */
    record Limits(TokenBucket.Limit sends, TokenBucket.Limit sendKib, TokenBucket.Limit acks, TokenBucket.Limit reads,
            TokenBucket.Limit pings, TokenBucket.Limit typing, TokenBucket.Limit refusals) {

        static Limits of(EdgeConfig config, MessagingConfig messaging) {
            return new Limits(new TokenBucket.Limit(messaging.sendBurst(), messaging.sendRefill()),
                    new TokenBucket.Limit(config.sendKibBurst(), config.sendKibRefill()),
                    new TokenBucket.Limit(config.ackBurst(), config.ackRefill()),
                    new TokenBucket.Limit(config.readBurst(), config.readRefill()),
                    new TokenBucket.Limit(config.pingBurst(), config.pingRefill()),
                    new TokenBucket.Limit(config.typingBurst(), config.typingRefill()),
                    new TokenBucket.Limit(config.maxRefusedBurst(), Duration.ofSeconds(1)));
        }
    }

    private final Limits limits;
    // Guarded by this; null until first used.
    private TokenBucket sends;
    private TokenBucket sendKib;
    private TokenBucket acks;
    private TokenBucket reads;
    private TokenBucket pings;
    private TokenBucket typing;
    private TokenBucket refusals;

    /** Full budgets for a new stream. */
    StreamBudgets(Limits limits) {
        this.limits = limits;
    }

    synchronized TokenBucket sends() {
        return sends = made(sends, limits.sends());
    }

    /** Kibibytes of Send frames. */
    synchronized TokenBucket sendKib() {
        return sendKib = made(sendKib, limits.sendKib());
    }

    synchronized TokenBucket acks() {
        return acks = made(acks, limits.acks());
    }

    synchronized TokenBucket reads() {
        return reads = made(reads, limits.reads());
    }

    synchronized TokenBucket pings() {
        return pings = made(pings, limits.pings());
    }

    synchronized TokenBucket typing() {
        return typing = made(typing, limits.typing());
    }

    synchronized TokenBucket refusals() {
        return refusals = made(refusals, limits.refusals());
    }

    /** Every bucket has its whole burst again (or was never used). */
    synchronized boolean allFull() {
        return full(sends) && full(sendKib) && full(acks) && full(reads) && full(pings) && full(typing)
                && full(refusals);
    }

    private static TokenBucket made(TokenBucket bucket, TokenBucket.Limit limit) {
        return bucket != null ? bucket : new TokenBucket(limit);
    }

    private static boolean full(TokenBucket bucket) {
        return bucket == null || bucket.isFull();
    }
}
