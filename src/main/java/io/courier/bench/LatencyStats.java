package io.courier.bench;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A thread-safe latency recorder (microseconds, up to ten minutes) with the percentiles the reports show. Ten, not
 * one: a 100k storm's opens wait longer than a minute in line, and a clamp made its p50, p99 and max read the same.
 */
public final class LatencyStats {
    private static final long HIGHEST = TimeUnit.MINUTES.toMicros(10);

    private final Recorder recorder = new Recorder(HIGHEST, 3);
    private final Histogram total = new Histogram(HIGHEST, 3);
    /**
     * Since the last {@link #interval()}, kept apart so a snapshot in between takes nothing from a timeline; none
     * until the first call (most recorders are never on one).
     */
    private Histogram sinceInterval;

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(Math.max(nanos, 0)), HIGHEST));
    }

    /** Everything recorded so far. */
    public synchronized Histogram snapshot() {
        drain();
        return total.copy();
    }

    /**
     * What was recorded since the previous call: one point of a {@link Timeline}. The first call starts counting
     * and returns an empty histogram.
     */
    public synchronized Histogram interval() {
        drain();
        if (sinceInterval == null) {
            sinceInterval = new Histogram(HIGHEST, 3);
        }
        Histogram interval = sinceInterval.copy();
        sinceInterval.reset();
        return interval;
    }

    private void drain() {
        Histogram recent = recorder.getIntervalHistogram();
        total.add(recent);
        if (sinceInterval != null) {
            sinceInterval.add(recent);
        }
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
