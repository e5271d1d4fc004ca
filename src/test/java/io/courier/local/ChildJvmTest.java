package io.courier.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Children of the local infrastructure must never outlive their parent, however it dies. */
class ChildJvmTest {

    @Test
    void aChildExitsWhenItsParentIsKilled(@TempDir Path workDir) throws Exception {
        Process parent = new ProcessBuilder(LocalInfrastructure.currentJava().toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), ParentProcess.class.getName(), workDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long childPid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream()))) {
            childPid = Long.parseLong(out.readLine().trim());
            Optional<ProcessHandle> child = ProcessHandle.of(childPid);
            assertThat(child).as("child started").isPresent();
            assertThat(child.get().isAlive()).isTrue();

            parent.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs in the parent
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(childPid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void closingAChildStopsIt(@TempDir Path workDir) throws Exception {
        Path testClasses = Path.of(SleepForever.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ChildJvm child = ChildJvm.start("sleeper", LocalInfrastructure.currentJava(), List.of(testClasses),
                List.of("-Xmx32m"), SleepForever.class.getName(), List.of(), workDir);
        ProcessHandle handle = ProcessHandle.of(child.pid()).orElseThrow();
        assertThat(handle.isAlive()).isTrue();

        child.close();

        assertThat(handle.isAlive()).isFalse();
        assertThat(Files.exists(workDir.resolve("sleeper.log"))).isTrue();
    }
}
