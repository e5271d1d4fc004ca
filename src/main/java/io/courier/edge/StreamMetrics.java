package io.courier.edge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Meters of the device streams: open streams, frames up and down by type, refused frames and refused stream opens
 * by reason, inbox drains. Every known type and reason is registered up front so it is scraped as 0 before first use;
 * an unknown one gets its own counter on first use (callers pass constants, never client input).
 */
public final class StreamMetrics {
    /** Up-frame types: the ConnectRequest oneof cases, plus a frame that could not be read. */
    public static final List<String> UP_FRAME_TYPES = List.of("send", "ack", "read", "ping", "invalid");
    /** Down-frame types: the ConnectResponse oneof cases. */
    public static final List<String> DOWN_FRAME_TYPES =
            List.of("send_ack", "delivery", "receipt", "queue_empty", "pong", "error");
    public static final List<String> REFUSAL_REASONS = List.of("invalid_frame", "too_many_ids", "rate_limited",
            "mismatched_devices", "unknown_destination", "envelope_too_large", "not_a_member", "not_delivered_to_you");
    public static final List<String> OPEN_REFUSAL_REASONS = List.of("unauthenticated", "rate_limited", "unavailable");

    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Counter> received = new ConcurrentHashMap<>();
    private final Map<String, Counter> sent = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> opensRefused = new ConcurrentHashMap<>();
    private final Counter drainsStarted;
    private final Counter drainsCompleted;
    private final Timer drainDuration;

    public StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("courier.streams.open", open, AtomicInteger::get)
                .description("Device streams open on this node").register(registry);
        drainsStarted = Counter.builder("courier.drains.started")
                .description("Inbox drains started (a stream opened or a rescan began)").register(registry);
        drainsCompleted = Counter.builder("courier.drains.completed")
                .description("Inbox drains that reached the end of the inbox").register(registry);
        drainDuration = Timer.builder("courier.drain.duration")
                .description("Time from the start of an inbox drain to its end")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry);
        UP_FRAME_TYPES.forEach(this::frameReceivedCounter);
        DOWN_FRAME_TYPES.forEach(this::frameSentCounter);
        REFUSAL_REASONS.forEach(this::refusedCounter);
        OPEN_REFUSAL_REASONS.forEach(this::openRefusedCounter);
    }

    public void streamOpened() {
        open.incrementAndGet();
    }

    public void streamClosed() {
        open.decrementAndGet();
    }

    /** An up-frame read from a device: one of {@link #UP_FRAME_TYPES}. */
    public void frameReceived(String type) {
        frameReceivedCounter(type).increment();
    }

    /** A down-frame written to a device: one of {@link #DOWN_FRAME_TYPES}. */
    public void frameSent(String type) {
        frameSentCounter(type).increment();
    }

    /** An up-frame refused: one of {@link #REFUSAL_REASONS}. */
    public void refused(String reason) {
        refusedCounter(reason).increment();
    }

    /** A stream open refused before it started: one of {@link #OPEN_REFUSAL_REASONS}. */
    public void openRefused(String reason) {
        openRefusedCounter(reason).increment();
    }

    public void drainStarted() {
        drainsStarted.increment();
    }

    /** A drain reached the end of the inbox, {@code nanos} after {@link #drainStarted()}. */
    public void drainCompleted(long nanos) {
        drainsCompleted.increment();
        drainDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter frameReceivedCounter(String type) {
        return received.computeIfAbsent(type, t -> Counter.builder("courier.frames.received")
                .description("Up-frames read from devices, by type").tag("type", t).register(registry));
    }

    private Counter frameSentCounter(String type) {
        return sent.computeIfAbsent(type, t -> Counter.builder("courier.frames.sent")
                .description("Down-frames written to devices, by type").tag("type", t).register(registry));
    }

    private Counter refusedCounter(String reason) {
        return refused.computeIfAbsent(reason, r -> Counter.builder("courier.frames.refused")
                .description("Up-frames refused, by reason").tag("reason", r).register(registry));
    }

    private Counter openRefusedCounter(String reason) {
        return opensRefused.computeIfAbsent(reason, r -> Counter.builder("courier.stream.opens.refused")
                .description("Stream opens refused, by reason").tag("reason", r).register(registry));
    }
}
