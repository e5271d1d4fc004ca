package io.courier.local;

import java.io.Console;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

/**
 * Reports what the first run's Maven downloads while it does: a bar (bytes and percent) redrawn in place when
 * stdout is a terminal, a plain line every few seconds otherwise, and nothing at all when everything is cached.
 * Reads Maven's log as it grows; the total is the artifact's known size, since Maven can't tell it in advance.
 */
final class DownloadProgress implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DownloadProgress.class);
    /** Maven 3's batch-mode line for a finished file, e.g. "Downloaded from central: https://… (1.2 MB at 3 MB/s)". */
    private static final Pattern DOWNLOADED = Pattern.compile("Downloaded from [^:]+: \\S+ \\(([0-9.]+) (B|kB|MB|GB)");
    private static final int BAR_WIDTH = 30;
    private static final long LINE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String what;
    private final long expectedBytes;
    private final Path mavenLog;
    private final Console console;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private long logOffset;
    private long bytes;
    private long lastLine = started;

    private DownloadProgress(String what, long expectedBytes, Path mavenLog, Console console) {
        this.what = what;
        this.expectedBytes = expectedBytes;
        this.mavenLog = mavenLog;
        this.console = console;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "courier-download-progress");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Watches {@code mavenLog} until closed. */
    static DownloadProgress watch(String what, long expectedBytes, Path mavenLog) {
        DownloadProgress progress = new DownloadProgress(what, expectedBytes, mavenLog, System.console());
        progress.ticker.scheduleWithFixedDelay(progress::tick, 200, 200, TimeUnit.MILLISECONDS);
        return progress;
    }

    /** The bytes of one Maven output line that reports a finished download; 0 for any other line. */
    static long downloadedBytes(String mavenLine) {
        Matcher m = DOWNLOADED.matcher(mavenLine);
        if (!m.find()) {
            return 0;
        }
        double amount = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "kB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            default -> 1L;
        };
        return Math.round(amount * unit);
    }

    private synchronized void tick() {
        long before = bytes;
        readNewLines();
        if (bytes == 0) {
            return;
        }
        if (console != null) {
            if (bytes != before) {
                console.writer().print("\r" + bar());
                console.flush();
            }
        } else if (System.nanoTime() - lastLine >= LINE_EVERY_NANOS) {
            lastLine = System.nanoTime();
            LOG.infof("Downloading %s: %s", what, amounts());
        }
    }

    /** Maven writes whole lines; a partial last one is read again on the next tick. */
    private void readNewLines() {
        try (RandomAccessFile file = new RandomAccessFile(mavenLog.toFile(), "r")) {
            if (file.length() <= logOffset) {
                return;
            }
            file.seek(logOffset);
            byte[] fresh = new byte[(int) Math.min(file.length() - logOffset, 1 << 20)];
            file.readFully(fresh);
            String text = new String(fresh, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            for (String line : text.substring(0, end).split("\n")) {
                bytes += downloadedBytes(line);
            }
            logOffset += text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException notThereYet) {
            // Maven has not created its log yet: nothing downloaded so far.
        }
    }

    private String bar() {
        int filled = (int) (BAR_WIDTH * percent() / 100);
        return "Downloading " + what + " [" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] "
                + amounts();
    }

    private String amounts() {
        return String.format(Locale.ROOT, "%.1f of about %.0f MB (%d %%)", bytes / 1e6, expectedBytes / 1e6,
                percent());
    }

    /** Never 100 before Maven is done: the expected size is an estimate. */
    private int percent() {
        return (int) Math.min(99, 100 * bytes / Math.max(1, expectedBytes));
    }

    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        readNewLines();
        if (bytes == 0) {
            return;
        }
        if (console != null) {
            console.writer().println();
            console.flush();
        }
        LOG.infof("Downloaded %.1f MB for %s in %.1f s", bytes / 1e6, what, (System.nanoTime() - started) / 1e9);
    }
}
