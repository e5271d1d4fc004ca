package io.courier.bench;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The floors' load: asynchronous calls issued from this thread as fast as {@code inFlight} permits allow for a
 * duration, each one's latency recorded if it succeeds; returns once the last one answered.
 */
final class InFlightLoop {
    /** Calls that succeeded, per second over the whole run, and their latencies. */
    record Outcome(long done, double perSecond, LatencyStats latency) {
    }

    private InFlightLoop() {
    }

    /** @param call the n-th call (from 0) */
    static Outcome run(Duration duration, int inFlight, LongFunction<CompletionStage<?>> call)
            throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicLong done = new AtomicLong();
        LatencyStats latency = new LatencyStats();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long n = 0; System.nanoTime() < end; n++) {
            permits.acquire();
            long began = System.nanoTime();
            call.apply(n).whenComplete((result, error) -> {
                if (error == null) {
                    latency.recordNanos(System.nanoTime() - began);
                    done.incrementAndGet();
                }
                permits.release();
            });
        }
        permits.acquire(inFlight);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Outcome(done.get(), done.get() / seconds, latency);
    }
}
