package io.courier.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

/**
 * The floor under the message benchmark: raw prepared inserts of the same payload size into a scratch table of the
 * same database, as many in flight as the driver allows, at the same consistency. No Courier code on the path.
 */
public final class CqlFloor {
    /** Inserts per second and their latencies. */
    public record Result(long inserts, double perSecond, LatencyStats latency) {
    }

    private final CqlSession session;

    public CqlFloor(CqlSession session) {
        this.session = session;
    }

    public Result run(Duration duration, int payloadBytes, int inFlight) throws InterruptedException {
        session.execute("CREATE TABLE IF NOT EXISTS bench_floor (k uuid, c bigint, v blob, PRIMARY KEY (k, c))"
                + " WITH default_time_to_live = 3600");
        PreparedStatement insert = session.prepare("INSERT INTO bench_floor (k, c, v) VALUES (?, ?, ?)");
        byte[] payload = new byte[payloadBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        Semaphore permits = new Semaphore(inFlight);
        AtomicLong done = new AtomicLong();
        LatencyStats latency = new LatencyStats();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long sequence = 0;
        while (System.nanoTime() < end) {
            permits.acquire();
            long began = System.nanoTime();
            session.executeAsync(insert.bind(UUID.randomUUID(), sequence++, ByteBuffer.wrap(payload)))
                    .whenComplete((rs, error) -> {
                        if (error == null) {
                            latency.recordNanos(System.nanoTime() - began);
                            done.incrementAndGet();
                        }
                        permits.release();
                    });
        }
        permits.acquire(inFlight);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(done.get(), done.get() / seconds, latency);
    }
}
