package io.courier.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Meters of the message path. Both timers publish a percentile histogram so p99 is derivable in Prometheus
 * ({@code histogram_quantile(0.99, rate(courier_send_ack_seconds_bucket[5m]))}).
 */
public final class MessagingMetrics {
    /** Receipt statuses registered up front. */
    public static final List<String> RECEIPT_STATUSES = List.of("delivered", "read");

    private final MeterRegistry registry;
    private final Timer sendAck;
    private final Timer deliver;
    private final Counter stored;
    private final DistributionSummary queueDepth;
    private final Map<String, Counter> receipts = new ConcurrentHashMap<>();

    public MessagingMetrics(MeterRegistry registry) {
        this.registry = registry;
        sendAck = Timer.builder("courier.send.ack")
                .description("Server time from reading a Send frame to writing its SendAck (includes the inbox writes)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        deliver = Timer.builder("courier.send.deliver")
                .description("Server time from a message's SendAck to its Delivery frame being written to a recipient")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        stored = Counter.builder("courier.messages.stored")
                .description("Messages durably stored (acknowledged to the sender)").register(registry);
        queueDepth = DistributionSummary.builder("courier.queue.depth")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(100_000.0)
                .description("Items in a device's queue past its ack mark, this one included, sampled when an item"
                        + " is pushed to the device's open stream (devices without a stream are not sampled)")
                .register(registry);
        RECEIPT_STATUSES.forEach(this::receiptCounter);
    }

    /** The send→SendAck timer, for callers that hold a {@code Timer.Sample}. */
    public Timer sendAck() {
        return sendAck;
    }

    public void recordSendAck(long nanos) {
        sendAck.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Time between SendAck and the Delivery frame being written to the recipient's stream. */
    public void recordDeliver(long nanos) {
        deliver.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A device's queue depth as its stream saw it at a push. */
    public void recordQueueDepth(long items) {
        queueDepth.record(items);
    }

    public void messageStored() {
        stored.increment();
    }

    /** A receipt event emitted to a sender: one of {@link #RECEIPT_STATUSES}. */
    public void receiptEmitted(String status) {
        receiptCounter(status).increment();
    }

    private Counter receiptCounter(String status) {
        return receipts.computeIfAbsent(status, s -> Counter.builder("courier.receipts.emitted")
                .description("Receipt events emitted to senders, by status").tag("status", s).register(registry));
    }
}
