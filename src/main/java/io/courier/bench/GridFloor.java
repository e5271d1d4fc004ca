package io.courier.bench;

import java.io.Serializable;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

/**
 * The grid's floor under the message benchmark: the cheapest operation a device queue's hot path is made of — an
 * entry processor on a random key of a map with one synchronous backup, submitted asynchronously, as many in flight
 * as asked — on the cluster the node is a member of, with no Courier code around it. Its rate and the CPU the node's
 * threads spend per operation are what any design that keeps per-device state in the grid pays per grid call.
 */
public final class GridFloor {
    /** Operations per second, and the node's CPU per operation ({@code cpuMicrosPerOp}: its threads only). */
    public record Result(long ops, double perSecond, double cpuMicrosPerOp, LatencyStats latency) {
    }

    static final String MAP = "courier-bench-grid-floor";
    private static final int KEYS = 100_000;

    private GridFloor() {
    }

    /**
     * @param counted the node's threads (the caller leaves its own generator threads out); this thread submits and
     *        is never counted
     */
    public static Result run(HazelcastInstance hazelcast, Duration duration, int inFlight,
            Predicate<ThreadInfo> counted) throws InterruptedException {
        IMap<Long, Long> map = hazelcast.getMap(MAP);
        long submitter = Thread.currentThread().getId();
        ThreadCpu cpu = ThreadCpu.start(thread -> thread.getThreadId() != submitter && counted.test(thread));
        InFlightLoop.Outcome run = InFlightLoop.run(duration, inFlight,
                n -> map.submitToKey((long) ThreadLocalRandom.current().nextInt(KEYS), new Increment()));
        double cpuMicros = cpu.elapsedNanos() / 1e3;
        map.destroy();
        return new Result(run.done(), run.perSecond(), cpuMicros / Math.max(1, run.done()), run.latency());
    }

    /** Adds one to a counter; its backup runs it too. */
    static final class Increment implements EntryProcessor<Long, Long, Long>, Serializable {
        @Override
        public Long process(Map.Entry<Long, Long> entry) {
            long next = entry.getValue() == null ? 1 : entry.getValue() + 1;
            entry.setValue(next);
            return next;
        }
    }
}
