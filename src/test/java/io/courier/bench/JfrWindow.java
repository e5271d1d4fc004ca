package io.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A Flight Recorder profile of the node's JVM over one measured window, when {@code -Dbench.jfr=<directory>} is
 * given: {@code <directory>/<name>.jfr}, JFR's {@code profile} settings (execution and allocation samples, GC pauses).
 * The generator's threads are in it too when it runs here (they are named {@code bench-client-*}). Other JVMs the
 * benchmark started (the database) can be recorded over the same window, each to {@code <name>-<owner>.jfr}, through
 * the JDK's {@code jcmd}. Without the property it does nothing.
 */
final class JfrWindow implements AutoCloseable {
    private static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

    private final Recording recording;
    private final Path file;
    /** pid → the file its recording goes to. */
    private final Map<Long, Path> others;

    private JfrWindow(Recording recording, Path file, Map<Long, Path> others) {
        this.recording = recording;
        this.file = file;
        this.others = others;
    }

    static JfrWindow of(String name) {
        return of(name, Map.of());
    }

    /** @param others more JVMs to record over the window: pid → owner (names the file) */
    static JfrWindow of(String name, Map<Long, String> others) {
        String directory = System.getProperty("bench.jfr");
        if (directory == null || directory.isBlank()) {
            return new JfrWindow(null, null, Map.of());
        }
        try {
            Path folder = Files.createDirectories(Path.of(directory)).toAbsolutePath();
            String recordingName = "bench-" + name; // the same in every JVM: close stops them by it
            Map<Long, Path> started = new LinkedHashMap<>();
            others.forEach((pid, owner) -> {
                jcmd(pid, "Started recording", "JFR.start", "name=" + recordingName, "settings=profile");
                started.put(pid, folder.resolve(name + "-" + owner.toLowerCase(Locale.ROOT)
                        .replaceAll("[^a-z0-9]+", "-") + ".jfr"));
            });
            Recording recording = new Recording(Configuration.getConfiguration("profile"));
            recording.setName(recordingName);
            recording.start();
            return new JfrWindow(recording, folder.resolve(name + ".jfr"), started);
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
        others.forEach((pid, other) -> {
            jcmd(pid, "Stopped recording", "JFR.stop", "name=" + recording.getName(), "filename=" + other);
            System.out.println("JFR profile of the window, process " + pid + ": " + other);
        });
    }

    /** Runs a diagnostic command in another JVM; fails with jcmd's own words unless they say {@code done}. */
    private static void jcmd(long pid, String done, String... command) {
        List<String> line = new ArrayList<>(List.of(JCMD.toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0 || !output.contains(done)) {
                throw new IllegalStateException("bench.jfr: " + String.join(" ", line) + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("bench.jfr: can't run " + JCMD, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench.jfr: interrupted while running jcmd", e);
        }
    }
}
