package io.courier.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

/**
 * Resolves the runtime classpath of one Maven Central artifact with the machine's Maven, so Cassandra and S3Proxy
 * run with their own libraries and never mix with the node's. Maven's local repository caches the jars; the
 * resolved list is cached beside it for the whole machine (see {@link #CACHE}), so a fresh data folder or clone
 * starts without running Maven at all.
 */
final class MavenClasspath {
    private static final Logger LOG = Logger.getLogger(MavenClasspath.class);
    /** One Maven at a time in this JVM: two downloading into the same local repository can trip over each other. */
    private static final Object MAVEN = new Object();
    /** Machine-wide, like the local repository whose files it lists; each artifact has a folder of its own. */
    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "courier", "classpaths");

    private MavenClasspath() {
    }

    /**
     * @param coordinates   {@code groupId:artifactId:version}
     * @param expectedBytes about what the first run downloads (jars and POMs): the 100 % of its progress report
     */
    static List<Path> resolve(String coordinates, long expectedBytes) {
        String[] gav = coordinates.split(":");
        if (gav.length != 3) {
            throw new IllegalArgumentException("expected groupId:artifactId:version, got " + coordinates);
        }
        Path workDir = CACHE.resolve(String.join("_", gav));
        synchronized (MAVEN) {
            Optional<List<Path>> cached = readCached(workDir.resolve("classpath.txt"), coordinates);
            if (cached.isPresent()) {
                return cached.get();
            }
            try {
                Files.createDirectories(workDir);
                // Other nodes or test runs on this machine may resolve the same artifact at the same moment.
                try (FileChannel channel = FileChannel.open(workDir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                    return readCached(workDir.resolve("classpath.txt"), coordinates)
                            .orElseGet(() -> resolveWithMaven(gav, coordinates, expectedBytes, workDir));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not resolve " + coordinates + " under " + workDir, e);
            }
        }
    }

    private static List<Path> resolveWithMaven(String[] gav, String coordinates, long expectedBytes, Path workDir) {
        try {
            Path pom = workDir.resolve("pom.xml");
            Files.writeString(pom, pom(gav));
            Path output = workDir.resolve("classpath.raw");
            LOG.infof("Resolving %s with Maven (the first run downloads its jars; later runs use the cache)",
                    coordinates);
            // Batch mode without -q: Maven names every file it downloads, with its size, one line each.
            List<String> command = List.of(mavenExecutable(), "-B", "-f", pom.toString(),
                    "dependency:build-classpath", "-Dmdep.includeScope=runtime",
                    "-Dmdep.outputFile=" + output);
            Path log = workDir.resolve("maven.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            boolean done;
            try (DownloadProgress progress = DownloadProgress.watch(coordinates, expectedBytes, log)) {
                done = process.waitFor(20, TimeUnit.MINUTES);
            }
            if (!done || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("Maven could not resolve " + coordinates + " (see "
                        + log + "); is Maven Central reachable?");
            }
            List<Path> entries = parse(Files.readString(output).trim());
            Path cache = workDir.resolve("classpath.txt");
            Path written = workDir.resolve("classpath.txt." + ProcessHandle.current().pid());
            Files.writeString(written, coordinates + "\n" + entries.stream().map(Path::toString)
                    .collect(Collectors.joining("\n")));
            Files.move(written, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("could not resolve " + coordinates, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resolving " + coordinates, e);
        }
    }

    private static Optional<List<Path>> readCached(Path cache, String coordinates) {
        try {
            if (!Files.exists(cache)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(cache);
            if (lines.isEmpty() || !lines.get(0).equals(coordinates)) {
                return Optional.empty();
            }
            List<Path> entries = lines.subList(1, lines.size()).stream().map(Path::of).toList();
            // A cleaned Maven repository invalidates the cache.
            return entries.stream().allMatch(Files::exists) ? Optional.of(entries) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Path> parse(String raw) {
        List<Path> entries = new ArrayList<>();
        Arrays.stream(raw.split(File.pathSeparator)).filter(s -> !s.isBlank()).forEach(s -> entries.add(Path.of(s)));
        return entries;
    }

    /** Maven of the build that runs us (tests), else MAVEN_HOME, else {@code mvn} on the PATH. */
    private static String mavenExecutable() {
        for (String home : new String[] { System.getProperty("maven.home"), System.getenv("MAVEN_HOME") }) {
            if (home != null && !home.isBlank()) {
                Path mvn = Path.of(home, "bin", "mvn");
                if (Files.isExecutable(mvn)) {
                    return mvn.toString();
                }
            }
        }
        return "mvn";
    }

    private static String pom(String[] gav) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Generated by Courier's local infrastructure to resolve a classpath; safe to delete. -->
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>io.courier.local</groupId>
                  <artifactId>classpath-%2$s</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <dependencies>
                    <dependency>
                      <groupId>%1$s</groupId>
                      <artifactId>%2$s</artifactId>
                      <version>%3$s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <version>3.8.1</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(gav[0], gav[1], gav[2]);
    }
}
