package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A load generator's {@code main} in a JVM of its own on this test's classpath, so the node's JVM holds only the node. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * How much lower the generator's CPU priority is than the node's ({@code -Dbench.generator.nice}, 10; 0 for
     * none). A generator stands in for phones on other machines: on one box its CPU would otherwise be taken from
     * the node it measures, and on two cores that decides latencies.
     */
    private static final int NICENESS = Integer.getInteger("bench.generator.nice", 10);
    private static final Path NICE = Path.of("/usr/bin/nice");

    /** Starts {@code main} with {@code args}; its stderr goes to {@code log}, its stdin and stdout are the caller's. */
    static Process start(Class<?> main, String heap, Path log, List<String> args) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>();
        if (NICENESS != 0 && Files.isExecutable(NICE)) {
            command.addAll(List.of(NICE.toString(), "-n", Integer.toString(NICENESS))); // nice execs java: same pid
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(log.toFile()).start();
    }

    /** A temporary file of auth tokens, one a line, deleted when this JVM exits. */
    static Path tokenFile(List<String> tokens) throws IOException {
        Path file = Files.createTempFile("courier-bench", ".tokens");
        file.toFile().deleteOnExit();
        Files.write(file, tokens);
        return file;
    }
}
