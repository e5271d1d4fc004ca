package io.courier.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

import io.grpc.Channel;
import io.grpc.Status;

/**
 * What a node restart looks like to the node that takes the load: many registered devices open their Connect
 * streams at once. A stream is ready when its QueueEmpty arrives and refused when it ends before that. The streams
 * are spread over a few shared channels so the client side stays cheap; they stay open until {@link #close()}.
 */
public final class ConnectStorm implements AutoCloseable {
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

    private final List<? extends Channel> channels;
    private final List<DeviceLink> links = new ArrayList<>();
    private final LatencyStats toReady = new LatencyStats();

    public ConnectStorm(List<? extends Channel> channels) {
        this.channels = List.copyOf(channels);
    }

    /** Opens one stream per token as fast as possible and waits until each is ready or refused; once per storm. */
    public Result open(List<String> tokens, Duration timeout) throws InterruptedException {
        CountDownLatch settled = new CountDownLatch(tokens.size());
        AtomicLong lastReady = new AtomicLong();
        Map<String, Integer> refused = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < tokens.size(); i++) {
            AtomicBoolean done = new AtomicBoolean();
            long opened = System.nanoTime();
            DeviceLink link = new DeviceLink(channels.get(i % channels.size()), tokens.get(i), (l, frame) -> {
                if (frame.hasQueueEmpty() && done.compareAndSet(false, true)) {
                    long now = System.nanoTime();
                    toReady.recordNanos(now - opened);
                    lastReady.accumulateAndGet(now - start, Math::max);
                    settled.countDown();
                }
            });
            link.closed().thenAccept(status -> {
                if (done.compareAndSet(false, true)) {
                    refused.merge(describe(status), 1, Integer::sum);
                    settled.countDown();
                }
            });
            links.add(link);
        }
        settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        int refusedCount = refused.values().stream().mapToInt(Integer::intValue).sum();
        int pending = (int) settled.getCount();
        int ready = tokens.size() - refusedCount - pending;
        return new Result(tokens.size(), ready, TimeUnit.NANOSECONDS.toMillis(lastReady.get()),
                new TreeMap<>(refused), pending, toReady.snapshot());
    }

    /** Streams reaching QueueEmpty per period and their open → QueueEmpty, until the timeline is closed. */
    public Timeline timeline(Duration period) {
        return Timeline.start(period, new Timeline.Tracked("open → QueueEmpty", toReady));
    }

    /** Streams that have ended so far, refused or closed later (e.g. by the server while idle). */
    public long closedCount() {
        return links.stream().filter(link -> link.closed().isDone()).count();
    }

    @Override
    public void close() {
        links.forEach(DeviceLink::close);
    }

    private static String describe(Status status) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (description.length() > 100) {
            description = description.substring(0, 100) + "…";
        }
        return status.getCode() + ": " + description;
    }
}
