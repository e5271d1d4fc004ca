package io.courier.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    /** The first lines, for tests that look for one. */
    private final List<String> text = new CopyOnWriteArrayList<>();

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
        String line = formatter.format(record);
        bytes.addAndGet(line.length());
        if (text.size() < 1000) {
            text.add(line);
        }
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

    public List<String> text() {
        return List.copyOf(text);
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
