package io.courier.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The connect storm's generator ({@link StormGenerator}) in a child JVM of this test's classpath, its settled
 * streams told to a {@link ConnectStorm.Listener} here as they arrive. Closing it closes the streams (the child's
 * stdin) and waits for the child to exit.
 */
final class StormChild implements AutoCloseable {
    private final Process process;
    private final Thread reader;

    private StormChild(Process process, Thread reader) {
        this.process = process;
        this.reader = reader;
    }

    /** Starts the storm: the child opens one stream per token at once over {@code channels} connections. */
    static StormChild start(int port, int channels, List<String> tokens, String heap, Path log,
            ConnectStorm.Listener listener) {
        try {
            Process process = ChildJvm.start(StormGenerator.class, heap, log, List.of("127.0.0.1",
                    String.valueOf(port), String.valueOf(channels), ChildJvm.tokenFile(tokens).toString()));
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        StormGenerator.replay(line, listener);
                    }
                } catch (IOException e) {
                    // the child is gone; its streams count as neither ready nor refused
                }
            }, BenchChannel.THREAD_PREFIX + "storm-reader");
            reader.setDaemon(true);
            reader.start();
            return new StormChild(process, reader);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the storm generator", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            process.destroyForcibly();
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
    }
}
