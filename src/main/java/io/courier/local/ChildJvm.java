package io.courier.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A Java process started by the local infrastructure, wrapped in {@link ParentWatch} so it never outlives us.
 * Output goes to a log file; readiness is a TCP port accepting connections.
 */
final class ChildJvm implements AutoCloseable {
    /** The launcher jar's time: constant, so a class data sharing archive that lists it stays valid. */
    private static final FileTime FIXED_TIME = FileTime.fromMillis(1_000_000_000_000L);

    private final String name;
    private final Process process;
    private final Path logFile;

    private ChildJvm(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code mainClass} with the given classpath entries, JVM options and arguments.
     *
     * @param workDir folder for the launcher class and the log file
     */
    static ChildJvm start(String name, Path javaExecutable, List<Path> classpath, List<String> jvmOptions,
            String mainClass, List<String> args, Path workDir) {
        try {
            Path launcherDir = installParentWatch(workDir.resolve("launcher"));
            List<String> command = new ArrayList<>();
            command.add(javaExecutable.toString());
            command.addAll(jvmOptions);
            List<String> entries = new ArrayList<>();
            entries.add(launcherDir.toString());
            classpath.forEach(p -> entries.add(p.toString()));
            command.add("-cp");
            command.add(String.join(java.io.File.pathSeparator, entries));
            command.add(ParentWatch.class.getName());
            command.add(mainClass);
            command.addAll(args);
            Path logFile = workDir.resolve(name + ".log");
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    // stdin stays a pipe held by this JVM: ParentWatch exits the child when it closes.
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new ChildJvm(name, process, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + " child JVM", e);
        }
    }

    /**
     * Half of a child's start is its JIT compilers at work on code that runs only while starting (Cassandra: 3.5 of
     * 7.4 s of CPU). Raising the invocation and loop counts before a method is compiled, C1 with profiling and C2
     * (ten times HotSpot's defaults; C2's compile threshold four times), leaves that code interpreted: 5.8 s. What a
     * workload keeps calling crosses them within seconds and is compiled as usual.
     */
    static final List<String> LATER_COMPILATION = List.of(
            "-XX:Tier3InvocationThreshold=2000", "-XX:Tier3MinInvocationThreshold=1000",
            "-XX:Tier3CompileThreshold=20000", "-XX:Tier3BackEdgeThreshold=600000",
            "-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000",
            "-XX:Tier4CompileThreshold=60000", "-XX:Tier4BackEdgeThreshold=400000");

    /**
     * A child loads thousands of classes before it listens: the first run that stops cleanly archives them (class
     * data sharing), and later starts map the archive instead. A stale or unusable archive is ignored by the JVM,
     * which then loads classes as usual. Keep the archive beside the child's folder, so it outlives a wiped one (the
     * test suite starts each run on a fresh database).
     */
    static String classDataSharing(Path archive) {
        return Files.isRegularFile(archive) ? "-XX:SharedArchiveFile=" + archive
                : "-XX:ArchiveClassesAtExit=" + archive;
    }

    /**
     * The launcher class as a jar of its own: a directory on the class path would keep the child from using a
     * class data sharing archive. Rewritten only when its content changes, with a fixed modification time, since an
     * archive is refused once any class path entry's time changed.
     */
    private static Path installParentWatch(Path launcherDir) throws IOException {
        String resource = ParentWatch.class.getName().replace('.', '/') + ".class";
        byte[] launcher;
        try (InputStream in = ParentWatch.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("class file " + resource + " not found on the classpath");
            }
            launcher = in.readAllBytes();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            JarEntry entry = new JarEntry(resource);
            entry.setTime(FIXED_TIME.toMillis());
            out.putNextEntry(entry);
            out.write(launcher);
            out.closeEntry();
        }
        Path jar = launcherDir.resolve("parent-watch.jar");
        Files.createDirectories(launcherDir);
        if (!Files.isRegularFile(jar) || !Arrays.equals(Files.readAllBytes(jar), bytes.toByteArray())) {
            Files.write(jar, bytes.toByteArray());
            Files.setLastModifiedTime(jar, FIXED_TIME);
        }
        return jar;
    }

    /** Waits until the port accepts TCP connections, failing fast if the process dies first. */
    void awaitPort(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " before opening port " + port + "; last log lines:\n" + tail(40));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    // Polling a port that is not open yet: there is nothing to wait on but time.
                    process.waitFor(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + name, e);
                }
            }
        }
        throw new IllegalStateException(name + " did not open port " + port + " within " + timeout.toSeconds()
                + " s; see " + logFile + "; last log lines:\n" + tail(40));
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log " + logFile + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Waits for the child to exit on its own; its exit status. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " was still running after " + timeout.toSeconds()
                        + " s; last log lines:\n" + tail(40));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs (a crash, as far as the child can tell). */
    void kill() {
        try {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL if the child has not stopped in time. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
