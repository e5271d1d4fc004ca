package io.courier.support;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Counts what the node logs (lines, bytes as formatted, stack traces) while it is attached to the root logger. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong stackTraces = new AtomicLong();

    private LogCapture() {
    }

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        lines.incrementAndGet();
        bytes.addAndGet(formatter.format(record).length());
        if (record.getThrown() != null) {
            stackTraces.incrementAndGet();
        }
    }

    public long lines() {
        return lines.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long stackTraces() {
        return stackTraces.get();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
