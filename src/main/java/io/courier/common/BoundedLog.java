package io.courier.common;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

/**
 * Log lines a client can cause, bounded two ways: one line per key (a device, a kind of failure) per quiet period,
 * the next saying how many were suppressed; and a node-wide line budget, so many keys together can't flood the log
 * either. Never logs a throwable's stack: the message says what happened.
 */
public final class BoundedLog {
    /** Past this many keys the table starts over: it bounds memory, not the log (the line budget does that). */
    private static final int MAX_KEYS = 10_000;

    private final Logger log;
    private final LongSupplier nanoTime;
    private final long quietNanos;
    private final TokenBucket lines;
    private final Map<Object, Quiet> recent = new ConcurrentHashMap<>();
    private final AtomicLong overBudget = new AtomicLong();

    private record Quiet(long sinceNanos, long suppressed) {
    }

    public BoundedLog(Logger log, Duration quietPerKey, int linesBurst, Duration lineRefill) {
        this(log, quietPerKey, linesBurst, lineRefill, System::nanoTime);
    }

    /** @param nanoTime the clock ({@link System#nanoTime} but in tests) */
    public BoundedLog(Logger log, Duration quietPerKey, int linesBurst, Duration lineRefill, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
        this.quietNanos = quietPerKey.toNanos();
        this.lines = new TokenBucket(linesBurst, lineRefill, nanoTime);
    }

    /** Logs {@code message} at {@code level} unless {@code key} logged within the quiet period or the budget is spent. */
    public void log(Logger.Level level, Object key, Supplier<String> message) {
        long now = nanoTime.getAsLong();
        long[] suppressed = {-1};
        if (recent.size() > MAX_KEYS) {
            recent.clear();
        }
        recent.compute(key, (k, quiet) -> {
            if (quiet != null && now - quiet.sinceNanos() < quietNanos) {
                return new Quiet(quiet.sinceNanos(), quiet.suppressed() + 1);
            }
            suppressed[0] = quiet == null ? 0 : quiet.suppressed();
            return new Quiet(now, 0);
        });
        if (suppressed[0] < 0) {
            return;
        }
        if (!lines.tryTake()) {
            overBudget.incrementAndGet();
            return;
        }
        long dropped = overBudget.getAndSet(0);
        String tail = (suppressed[0] > 0 ? " (" + suppressed[0] + " more like it suppressed)" : "")
                + (dropped > 0 ? " (" + dropped + " other lines dropped over the log budget)" : "");
        log.log(level, message.get() + tail);
    }
}
