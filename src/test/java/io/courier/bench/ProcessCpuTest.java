package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {
    private static final long SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(400);

    @Test
    void countsAChildsCpuUnderItsOwnerAndThisJvmsApart() throws Exception {
        ProcessCpu cpu = ProcessCpu.start(command -> command.contains(Spinner.class.getName()) ? "spinner" : null);
        Path log = Files.createTempFile("courier-spinner", ".log");
        Process spinner = ChildJvm.start(Spinner.class, "64m", log, List.of(Long.toString(SPIN_NANOS)));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(spinner.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("spun"); // it waits on its stdin from here on

            Map<String, Long> elapsed = cpu.elapsedNanos();
            assertThat(elapsed.keySet()).containsExactly(ProcessCpu.THIS_JVM, "spinner");
            assertThat(elapsed.get("spinner")).isGreaterThanOrEqualTo(SPIN_NANOS);
            assertThat(elapsed.get(ProcessCpu.THIS_JVM)).isPositive();
        } finally {
            spinner.destroy();
            spinner.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }

    /** Burns CPU until its process used {@code args[0]} nanoseconds, says so, then waits for its stdin to close. */
    public static final class Spinner {
        /** Where the loop's work goes, so the compiler can't drop it. */
        static volatile long sink;

        public static void main(String[] args) throws Exception {
            long target = Long.parseLong(args[0]);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long work = 0;
            while (os.getProcessCpuTime() < target) {
                for (int i = 0; i < 1_000_000; i++) {
                    work += i ^ work;
                }
                sink = work;
            }
            System.out.println("spun");
            System.out.flush();
            System.in.read();
        }
    }
}
