package io.courier.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A thread-safe latency recorder (microseconds, up to a minute) with the percentiles the reports show. */
public final class LatencyStats {
    private static final long HIGHEST = TimeUnit.MINUTES.toMicros(1);

    private final Recorder recorder = new Recorder(HIGHEST, 3);
    private final Histogram total = new Histogram(HIGHEST, 3);
    /** Since the last {@link #interval()}, kept apart so a snapshot in between takes nothing from a timeline. */
    private final Histogram sinceInterval = new Histogram(HIGHEST, 3);

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(Math.max(nanos, 0)), HIGHEST));
    }

    /** Everything recorded so far. */
    public synchronized Histogram snapshot() {
        drain();
        return total.copy();
    }

    /** What was recorded since the previous call (or the start): one point of a {@link Timeline}. */
    public synchronized Histogram interval() {
        drain();
        Histogram interval = sinceInterval.copy();
        sinceInterval.reset();
        return interval;
    }

    private void drain() {
        Histogram recent = recorder.getIntervalHistogram();
        total.add(recent);
        sinceInterval.add(recent);
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
