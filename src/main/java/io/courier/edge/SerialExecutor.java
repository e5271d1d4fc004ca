package io.courier.edge;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

/** Runs tasks one at a time, in submission order, on a shared pool: one stream's events never race each other. */
final class SerialExecutor implements Executor {
    private static final Logger LOG = Logger.getLogger(SerialExecutor.class);
    private static final int BATCH = 64;
    private final Executor pool;
    /** Small at first: an idle stream has no task queued, most others one or two (a queue grows as it needs). */
    private final Queue<Runnable> tasks = new ArrayDeque<>(2);
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::drain);
    }

    private void drain() {
        for (int ran = 0; ran < BATCH; ran++) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable e) {
                LOG.errorf(e, "A stream task failed");
            }
        }
        // A busy stream yields its thread to the streams queued behind it, then carries on.
        pool.execute(this::drain);
    }
}
