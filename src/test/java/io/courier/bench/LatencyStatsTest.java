package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {
    @Test
    void latenciesOverAMinuteKeepTheirValue() {
        LatencyStats stats = new LatencyStats();
        stats.recordNanos(TimeUnit.SECONDS.toNanos(70));
        stats.recordNanos(TimeUnit.SECONDS.toNanos(90));
        stats.recordNanos(TimeUnit.SECONDS.toNanos(110));

        var recorded = stats.snapshot();
        assertThat(LatencyStats.millis(recorded, 50)).isCloseTo(90_000, within(100.0));
        assertThat(recorded.getMaxValue() / 1000.0).isCloseTo(110_000, within(100.0));
    }
}
