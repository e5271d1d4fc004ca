package io.courier.edge;

import java.time.Duration;

import io.courier.common.TokenBucket;
import io.courier.messaging.MessagingConfig;

/** The per-device budgets of one stream, by frame type, and of its refused frames. */
record StreamBudgets(TokenBucket sends, TokenBucket acks, TokenBucket reads, TokenBucket pings, TokenBucket typing,
        TokenBucket refusals) {

    /** Full budgets for a new stream. */
    static StreamBudgets of(EdgeConfig config, MessagingConfig messaging) {
        return new StreamBudgets(new TokenBucket(messaging.sendBurst(), messaging.sendRefill()),
                new TokenBucket(config.ackBurst(), config.ackRefill()),
                new TokenBucket(config.readBurst(), config.readRefill()),
                new TokenBucket(config.pingBurst(), config.pingRefill()),
                new TokenBucket(config.typingBurst(), config.typingRefill()),
                new TokenBucket(config.maxRefusedBurst(), Duration.ofSeconds(1)));
    }

    /** Every bucket has its whole burst again. */
    boolean allFull() {
        return sends.isFull() && acks.isFull() && reads.isFull() && pings.isFull() && typing.isFull()
                && refusals.isFull();
    }
}
