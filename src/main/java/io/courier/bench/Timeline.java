package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Latency and throughput over time: every period, what each tracked recorder got since the last period. Sampling
 * runs on a thread of its own that takes HdrHistogram's interval histograms, so recording costs what it did before.
 */
public final class Timeline implements AutoCloseable {
    /** One period of one recorder: its end (seconds since the start), how many values, and their percentiles. */
    public record Point(double atSeconds, long count, double p50Millis, double p99Millis, double maxMillis) {
        /** Values per second in this period. */
        public double perSecond(Duration period) {
            return count / (period.toNanos() / 1e9);
        }
    }

    /** A recorder on the timeline under the name the report shows. */
    public record Tracked(String name, LatencyStats stats) {
    }

    private final Duration period;
    private final List<Tracked> tracked;
    private final Map<String, List<Point>> points = new LinkedHashMap<>();
    private final long start = System.nanoTime();
    // Named as the generator's threads are, so the max-rate benchmark counts its CPU time with the generator's.
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, BenchChannel.THREAD_PREFIX + "timeline");
        thread.setDaemon(true);
        return thread;
    });

    private Timeline(Duration period, List<Tracked> tracked) {
        this.period = period;
        this.tracked = tracked;
        tracked.forEach(t -> points.put(t.name(), new ArrayList<>()));
    }

    /**
     * Samples {@code tracked} every {@code period} until {@link #close()}; what they recorded before the start is
     * not on the timeline.
     */
    public static Timeline start(Duration period, Tracked... tracked) {
        Timeline timeline = new Timeline(period, List.of(tracked));
        timeline.tracked.forEach(t -> t.stats().interval()); // starts each one's count
        timeline.sampler.scheduleAtFixedRate(timeline::sample, period.toNanos(), period.toNanos(),
                TimeUnit.NANOSECONDS);
        return timeline;
    }

    public Duration period() {
        return period;
    }

    /** Every recorder's points so far, by name. */
    public synchronized Map<String, List<Point>> points() {
        Map<String, List<Point>> copy = new LinkedHashMap<>();
        points.forEach((name, list) -> copy.put(name, List.copyOf(list)));
        return copy;
    }

    /** One period's points; package-private so a test can take them without waiting for a period. */
    synchronized void sample() {
        double at = (System.nanoTime() - start) / 1e9;
        tracked.forEach(t -> points.get(t.name()).add(point(at, t.stats().interval())));
    }

    static Point point(double atSeconds, Histogram h) {
        return new Point(atSeconds, h.getTotalCount(), LatencyStats.millis(h, 50), LatencyStats.millis(h, 99),
                h.getMaxValue() / 1000.0);
    }

    /** Stops sampling; the last, partial period is dropped (its rate would read low). */
    @Override
    public void close() throws InterruptedException {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
    }
}
