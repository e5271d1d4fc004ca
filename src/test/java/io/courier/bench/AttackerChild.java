package io.courier.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The many-address attacker ({@link AttackerGenerator}) in a child JVM: it attacks from its start until
 * {@link #stop}, which returns what it did and the CPU its JVM used. Close kills it if stop wasn't reached.
 */
final class AttackerChild implements AutoCloseable {
    private final Process process;

    private AttackerChild(Process process) {
        this.process = process;
    }

    static AttackerChild start(int port, int channels, List<String> tokens, int idsPerFrame, int opensPerSecond,
            Path log) {
        try {
            return new AttackerChild(ChildJvm.start(AttackerGenerator.class, "512m", log, List.of("127.0.0.1",
                    String.valueOf(port), String.valueOf(channels), String.valueOf(idsPerFrame),
                    String.valueOf(opensPerSecond), ChildJvm.tokenFile(tokens).toString())));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the attacker", e);
        }
    }

    /** Stops its reconnects at once (the node is near its heap limit); {@link #stop} still collects. */
    void halt() {
        try {
            OutputStream in = process.getOutputStream();
            in.write("halt\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            process.destroyForcibly(); // gone or unwritable: stopping it is what was asked
        }
    }

    /** Stops it and returns its report (its last line on stdout). */
    AttackerGenerator.Report stop() throws IOException, InterruptedException {
        process.getOutputStream().close();
        String last = null;
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                last = line;
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || last == null) {
            throw new IllegalStateException("the attacker did not report; see its log");
        }
        return AttackerGenerator.Report.parse(last);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
