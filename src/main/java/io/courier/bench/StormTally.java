package io.courier.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

import io.grpc.Status;

/** Counts how the streams of a {@link ConnectStorm} settled, wherever its generator runs. */
public final class StormTally implements ConnectStorm.Listener {
    /**
     * @param lastReadyMillis time from the first open to the last QueueEmpty
     * @param refused         streams that ended before QueueEmpty, by "CODE: description"
     * @param pending         streams neither ready nor refused when the wait ended
     * @param toReady         per-stream open → QueueEmpty
     */
    public record Result(int devices, int ready, long lastReadyMillis, Map<String, Integer> refused, int pending,
            Histogram toReady) {
        public int refusedCount() {
            return refused.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final int devices;
    private final CountDownLatch settled;
    private final AtomicLong lastReady = new AtomicLong();
    private final Map<String, Integer> refused = new ConcurrentHashMap<>();
    private final LatencyStats toReady = new LatencyStats();

    public StormTally(int devices) {
        this.devices = devices;
        this.settled = new CountDownLatch(devices);
    }

    @Override
    public void ready(long openToReadyNanos, long sinceStartNanos) {
        toReady.recordNanos(openToReadyNanos);
        lastReady.accumulateAndGet(sinceStartNanos, Math::max);
        settled.countDown();
    }

    @Override
    public void refused(Status status) {
        refused.merge(describe(status), 1, Integer::sum);
        settled.countDown();
    }

    /** Waits until every stream is ready or refused, or the timeout; then what it came to. */
    public Result await(Duration timeout) throws InterruptedException {
        settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Integer> refusedNow = new TreeMap<>(refused);
        int refusedCount = refusedNow.values().stream().mapToInt(Integer::intValue).sum();
        int pending = (int) settled.getCount();
        return new Result(devices, devices - refusedCount - pending,
                TimeUnit.NANOSECONDS.toMillis(lastReady.get()), refusedNow, pending, toReady.snapshot());
    }

    /** Open → QueueEmpty as it arrives, for a {@link Timeline}. */
    public Timeline.Tracked tracked() {
        return new Timeline.Tracked("open → QueueEmpty", toReady);
    }

    private static String describe(Status status) {
        // Error references are one per failure: counted together.
        String description = status.getDescription() == null ? ""
                : status.getDescription().replaceAll("\\(ref [0-9a-f]+\\)", "(ref …)");
        if (description.length() > 100) {
            description = description.substring(0, 100) + "…";
        }
        return status.getCode() + ": " + description;
    }
}
