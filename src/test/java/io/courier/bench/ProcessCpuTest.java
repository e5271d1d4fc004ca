package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
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
    void countsEachChildByOwnerFromItsCpuAtTheStartAndThisJvmApart() throws Exception {
        Path log = Files.createTempFile("courier-spinner", ".log");
        Process earlier = spin("earlier", log);
        Process later = null;
        try {
            awaitSpun(earlier);
            long earlierAtStart = cpuNanos(earlier);
            ProcessCpu cpu = ProcessCpu.start(command -> command.contains(Spinner.class.getName())
                    ? command.strip().replaceFirst(".* ", "") : null); // its last argument names it
            later = spin("later", log);
            awaitSpun(later);

            long laterBefore = cpuNanos(later);
            Map<String, Long> elapsed = cpu.elapsedNanos();
            long laterAfter = cpuNanos(later);

            assertThat(elapsed.keySet()).containsExactlyInAnyOrder(ProcessCpu.THIS_JVM, "earlier", "later");
            // Started after the first sample: all of its time, at least the spin.
            assertThat(elapsed.get("later")).isBetween(laterBefore, laterAfter).isGreaterThanOrEqualTo(SPIN_NANOS);
            // Started before: only what it used since, and it has been waiting on its stdin.
            assertThat(elapsed.get("earlier")).isLessThanOrEqualTo(cpuNanos(earlier) - earlierAtStart)
                    .isLessThan(SPIN_NANOS);
            // The children are those counted at the start: the later one is not among them.
            assertThat(cpu.children()).containsExactly(Map.entry(earlier.pid(), "earlier"));
            assertThat(cpu.busyCores()).isPositive().isLessThanOrEqualTo(ProcessCpu.machineCores() + 0.1);
        } finally {
            stop(earlier);
            if (later != null) {
                stop(later);
            }
            Files.deleteIfExists(log);
        }
    }

    private static Process spin(String name, Path log) throws IOException {
        return ChildJvm.start(Spinner.class, "64m", log, List.of(Long.toString(SPIN_NANOS), name));
    }

    /** Its "spun" line: it used its CPU and waits on its stdin from here on. */
    private static void awaitSpun(Process spinner) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(spinner.getInputStream(),
                StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("spun");
    }

    private static long cpuNanos(Process process) {
        return process.toHandle().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * Burns CPU until its process used {@code args[0]} nanoseconds, says so, then waits for its stdin to close;
     * {@code args[1]} names it on its command line.
     */
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
