package io.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A Flight Recorder profile of the node's JVM over one measured window, when {@code -Dbench.jfr=<directory>} is
 * given: {@code <directory>/<name>.jfr}, JFR's {@code profile} settings (execution and allocation samples, GC pauses).
 * The generator's threads are in it too (they are named {@code bench-client-*}). Without the property it does nothing.
 */
final class JfrWindow implements AutoCloseable {
    private final Recording recording;
    private final Path file;

    private JfrWindow(Recording recording, Path file) {
        this.recording = recording;
        this.file = file;
    }

    static JfrWindow of(String name) {
        String directory = System.getProperty("bench.jfr");
        if (directory == null || directory.isBlank()) {
            return new JfrWindow(null, null);
        }
        try {
            Path file = Files.createDirectories(Path.of(directory)).resolve(name + ".jfr");
            Recording recording = new Recording(Configuration.getConfiguration("profile"));
            recording.setName("bench-" + name);
            recording.start();
            return new JfrWindow(recording, file);
        } catch (IOException e) {
            throw new UncheckedIOException("bench.jfr: can't write to " + directory, e);
        } catch (ParseException e) {
            throw new IllegalStateException("the JDK's JFR profile settings don't parse", e);
        }
    }

    @Override
    public void close() {
        if (recording == null) {
            return;
        }
        try (recording) {
            recording.stop();
            recording.dump(file);
            System.out.println("JFR profile of the window: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("bench.jfr: can't write " + file, e);
        }
    }
}
