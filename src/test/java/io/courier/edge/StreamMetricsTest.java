package io.courier.edge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.courier.messaging.MessagingMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Every known meter exists, at 0, as soon as the meter classes are built: dashboards see them before traffic. */
class StreamMetricsTest {
    @Test
    void everyKnownStreamMeterIsRegisteredBeforeFirstUse() {
        MeterRegistry registry = new SimpleMeterRegistry();

        new StreamMetrics(registry);

        assertThat(registry.find("courier.frames.received").counters()).hasSize(StreamMetrics.UP_FRAME_TYPES.size());
        assertThat(registry.find("courier.frames.sent").counters()).hasSize(StreamMetrics.DOWN_FRAME_TYPES.size());
        assertThat(registry.find("courier.frames.refused").counters()).hasSize(StreamMetrics.REFUSAL_REASONS.size());
        assertThat(registry.find("courier.stream.opens.refused").counters())
                .hasSize(StreamMetrics.OPEN_REFUSAL_REASONS.size());
        assertThat(registry.find("courier.streams.open").gauge().value()).isZero();
        assertThat(registry.find("courier.drain.duration").timer().count()).isZero();
    }

    @Test
    void theOpensInProgressAndWaitingAreGauged() {
        MeterRegistry registry = new SimpleMeterRegistry();
        StreamMetrics metrics = new StreamMetrics(registry);

        metrics.reportOpens(() -> 512, () -> 9000);

        assertThat(registry.find("courier.stream.opens.opening").gauge().value()).isEqualTo(512);
        assertThat(registry.find("courier.stream.opens.waiting").gauge().value()).isEqualTo(9000);
    }

    @Test
    void everyKnownMessagingMeterIsRegisteredBeforeFirstUse() {
        MeterRegistry registry = new SimpleMeterRegistry();

        new MessagingMetrics(registry);

        assertThat(registry.find("courier.send.ack").timer().count()).isZero();
        assertThat(registry.find("courier.send.deliver").timer().count()).isZero();
        assertThat(registry.find("courier.messages.stored").counter().count()).isZero();
        assertThat(registry.find("courier.receipts.emitted").counters())
                .hasSize(MessagingMetrics.RECEIPT_STATUSES.size());
    }
}
