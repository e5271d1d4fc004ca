package io.courier.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A thread-safe latency recorder (microseconds, up to a minute) with the percentiles the reports show. */
public final class LatencyStats {
    private final Recorder recorder = new Recorder(TimeUnit.MINUTES.toMicros(1), 3);
    private final Histogram total = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(Math.max(nanos, 0)), TimeUnit.MINUTES.toMicros(1)));
    }

    /** Everything recorded so far. */
    public synchronized Histogram snapshot() {
        total.add(recorder.getIntervalHistogram());
        return total.copy();
    }

    /** "p50 / p99 / p99.9 / max" in milliseconds. */
    public static String percentiles(Histogram h) {
        return String.format("%.2f / %.2f / %.2f / %.2f ms", millis(h, 50), millis(h, 99), millis(h, 99.9),
                h.getMaxValue() / 1000.0);
    }

    /** A percentile in milliseconds. */
    public static double millis(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }
}
