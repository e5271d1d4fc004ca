package io.courier.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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
        InFlightLoop.Outcome run = InFlightLoop.run(duration, inFlight,
                n -> session.executeAsync(insert.bind(UUID.randomUUID(), n, ByteBuffer.wrap(payload))));
        return new Result(run.done(), run.perSecond(), run.latency());
    }
}
