package io.courier.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * CPU time (user + system, every thread: GC and JIT too) of this JVM and of the processes it started, between two
 * samples, by what each process runs; and how busy the whole machine was meanwhile (Linux's /proc/stat). Where
 * {@link ThreadCpu} splits this JVM's Java threads, this says what a benchmark's database, load generator and
 * collectors took from the same cores.
 */
public final class ProcessCpu {
    /** The label of this JVM's own time. */
    public static final String THIS_JVM = "this JVM";
    /** /proc/stat counts in USER_HZ, 100 a second on every Linux the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000;

    private final Function<String, String> owner;
    private final Map<Long, Usage> start;
    private final long busyTicksStart;
    private final long wallStart = System.nanoTime();

    private ProcessCpu(Function<String, String> owner) {
        this.owner = owner;
        start = sample();
        busyTicksStart = machineBusyTicks();
    }

    /**
     * @param owner names what a child process runs from its command line, or null for a process not to count
     */
    public static ProcessCpu start(Function<String, String> owner) {
        return new ProcessCpu(owner);
    }

    /** CPU nanoseconds since the start by owner, this JVM first; a process started since counts from zero. */
    public Map<String, Long> elapsedNanos() {
        Map<String, Long> elapsed = new LinkedHashMap<>();
        elapsed.put(THIS_JVM, 0L);
        sample().forEach((pid, now) -> {
            Usage then = start.get(pid);
            elapsed.merge(now.owner(), now.nanos() - (then == null ? 0 : then.nanos()), Long::sum);
        });
        return elapsed;
    }

    /** The processes counted from the start (this JVM not among them): pid → owner. */
    public Map<Long, String> children() {
        Map<Long, String> children = new LinkedHashMap<>();
        start.forEach((pid, usage) -> {
            if (!usage.owner().equals(THIS_JVM)) {
                children.put(pid, usage.owner());
            }
        });
        return children;
    }

    /** The machine's CPUs as /proc/stat counts them (a container's own limit may be fewer); 0 without it. */
    public static int machineCores() {
        try (var lines = Files.lines(Path.of("/proc/stat"))) {
            return (int) lines.filter(line -> line.matches("cpu\\d+ .*")).count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The machine's busy CPU since the start, in cores (2.0: both of two cores busy the whole time). */
    public double busyCores() {
        long wall = System.nanoTime() - wallStart;
        return wall <= 0 ? 0 : (machineBusyTicks() - busyTicksStart) * NANOS_PER_TICK / (double) wall;
    }

    /** A counted process's owner, read once a sample, and its CPU time then. */
    private record Usage(String owner, long nanos) {
    }

    private Map<Long, Usage> sample() {
        Map<Long, Usage> cpu = new HashMap<>();
        ProcessHandle self = ProcessHandle.current();
        cpuNanos(self).ifPresent(nanos -> cpu.put(self.pid(), new Usage(THIS_JVM, nanos)));
        self.descendants().forEach(process -> {
            String name = ownerOf(process);
            if (name != null) {
                cpuNanos(process).ifPresent(nanos -> cpu.put(process.pid(), new Usage(name, nanos)));
            }
        });
        return cpu;
    }

    private String ownerOf(ProcessHandle process) {
        return commandLine(process).map(owner).orElse(null);
    }

    /**
     * The whole command line: the JDK's {@code ProcessHandle.Info} cuts a long one at 4 KiB on Linux, before the
     * main class of a JVM started with a long class path.
     */
    private static Optional<String> commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException | RuntimeException e) { // no /proc, or the process ended
            return process.info().commandLine();
        }
    }

    private static Optional<Long> cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos);
    }

    /** All CPUs' ticks in every state but idle and iowait; 0 where there is no /proc/stat. */
    private static long machineBusyTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
