package io.courier.edge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

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
    public static final List<String> UP_FRAME_TYPES = List.of("send", "ack", "read", "ping", "typing", "invalid");
    /** Down-frame types: the ConnectResponse oneof cases. */
    public static final List<String> DOWN_FRAME_TYPES =
            List.of("send_ack", "delivery", "receipt", "queue_empty", "pong", "error", "typing");
    /** Not an up-frame: an ephemeral down-frame (typing) dropped because the device was not keeping up. */
    public static final String EPHEMERAL_DROPPED = "ephemeral_dropped";
    public static final List<String> REFUSAL_REASONS = List.of("invalid_frame", "too_many_ids", "rate_limited",
            "mismatched_devices", "unknown_destination", "envelope_too_large", "not_a_member", "not_delivered_to_you",
            "recipient_inbox_full", "undecodable", EPHEMERAL_DROPPED);
    public static final List<String> OPEN_REFUSAL_REASONS = List.of("unauthenticated", "rate_limited", "unavailable",
            "waiting_full");

    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final CounterFamily received = new CounterFamily("courier.frames.received",
            "Up-frames read from devices, by type", "type");
    private final CounterFamily sent = new CounterFamily("courier.frames.sent",
            "Down-frames written to devices, by type", "type");
    private final CounterFamily refused = new CounterFamily("courier.frames.refused",
            "Up-frames refused, by reason", "reason");
    private final CounterFamily opensRefused = new CounterFamily("courier.stream.opens.refused",
            "Stream opens refused, by reason", "reason");
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
        UP_FRAME_TYPES.forEach(received::counter);
        DOWN_FRAME_TYPES.forEach(sent::counter);
        REFUSAL_REASONS.forEach(refused::counter);
        OPEN_REFUSAL_REASONS.forEach(opensRefused::counter);
    }

    public void streamOpened() {
        open.incrementAndGet();
    }

    public void streamClosed() {
        open.decrementAndGet();
    }

    public int openStreams() {
        return open.get();
    }

    /** The Connect streams in their open (credential check to first QueueEmpty), and those waiting their turn. */
    void reportOpens(IntSupplier opening, IntSupplier waiting) {
        Gauge.builder("courier.stream.opens.opening", opening::getAsInt)
                .description("Connect streams between their credential check and first QueueEmpty")
                .register(registry);
        Gauge.builder("courier.stream.opens.waiting", waiting::getAsInt)
                .description("Connect streams waiting for their turn to open (courier.edge.max-opening-streams)")
                .register(registry);
    }

    /** An up-frame read from a device: one of {@link #UP_FRAME_TYPES}. */
    public void frameReceived(String type) {
        received.counter(type).increment();
    }

    /** A down-frame written to a device: one of {@link #DOWN_FRAME_TYPES}. */
    public void frameSent(String type) {
        sent.counter(type).increment();
    }

    /** An up-frame refused: one of {@link #REFUSAL_REASONS}. */
    public void refused(String reason) {
        refused.counter(reason).increment();
    }

    /** A stream open refused before it started: one of {@link #OPEN_REFUSAL_REASONS}. */
    public void openRefused(String reason) {
        opensRefused.counter(reason).increment();
    }

    public void drainStarted() {
        drainsStarted.increment();
    }

    /** A drain reached the end of the inbox, {@code nanos} after {@link #drainStarted()}. */
    public void drainCompleted(long nanos) {
        drainsCompleted.increment();
        drainDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One meter name with one tag; a counter per tag value, built on first use. */
    private final class CounterFamily {
        private final String name;
        private final String description;
        private final String tag;
        private final Map<String, Counter> counters = new ConcurrentHashMap<>();

        CounterFamily(String name, String description, String tag) {
            this.name = name;
            this.description = description;
            this.tag = tag;
        }

        Counter counter(String value) {
            return counters.computeIfAbsent(value, v -> Counter.builder(name).description(description).tag(tag, v)
                    .register(registry));
        }
    }
}
