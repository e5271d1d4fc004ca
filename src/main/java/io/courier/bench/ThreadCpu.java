package io.courier.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * CPU time (user + system) of some of this JVM's threads between two samples, per thread from {@link ThreadMXBean}.
 * What it cannot see: a thread that ends between the samples takes its time with it (pooled threads outlive a run),
 * and GC and JIT compiler threads are not Java threads to it, so their time is in no one's share.
 */
public final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Predicate<ThreadInfo> counted;
    private final Map<Long, Long> start;

    private ThreadCpu(Predicate<ThreadInfo> counted) {
        this.counted = counted;
        start = sample();
    }

    /** Starts measuring the threads {@code counted} accepts; it sees each thread's name and id at every sample. */
    public static ThreadCpu start(Predicate<ThreadInfo> counted) {
        if (!THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
        return new ThreadCpu(counted);
    }

    /** CPU nanoseconds the counted threads used since the start; a thread born since counts from zero. */
    public long elapsedNanos() {
        long total = 0;
        for (Map.Entry<Long, Long> thread : sample().entrySet()) {
            total += thread.getValue() - start.getOrDefault(thread.getKey(), 0L);
        }
        return total;
    }

    private Map<Long, Long> sample() {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null || !counted.test(info)) {
                continue; // null: ended since the ids were listed
            }
            long nanos = THREADS.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) { // -1: ended since its info was read
                cpu.put(info.getThreadId(), nanos);
            }
        }
        return cpu;
    }
}
