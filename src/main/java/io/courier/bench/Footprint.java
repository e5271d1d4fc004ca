package io.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * What this JVM holds, as the OS and the heap see it: live heap after a full GC, resident set size, and the live
 * heap by class (the {@code jcmd GC.class_histogram} of this JVM). Two footprints, before and with some load, give
 * the load's bill per unit, class by class.
 */
public record Footprint(long heapBytes, long heapCommittedBytes, long rssBytes, Map<String, Usage> byClass) {
    /** Live instances of a class and their shallow bytes. */
    public record Usage(long instances, long bytes) {
    }

    /** One class's share of a bill: what each unit of the load added. */
    public record Line(String className, double instancesPerUnit, double bytesPerUnit) {
    }

    // "   1:        123456       7890123  [B (java.base@17.0.9)"
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /**
     * This JVM now, after full GCs. The histogram comes first, so the heap figure holds the histogram this one
     * keeps: measured the same way twice, a footprint kept from before is in both heap figures and both histograms.
     */
    public static Footprint now() {
        Map<String, Usage> byClass = histogram();
        long heap = HeapGauge.usedAfterFullGc();
        long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        return new Footprint(heap, committed, residentBytes(), byClass);
    }

    /**
     * Resident memory per unit since {@code before}: outside the heap as the OS counts it (RSS minus the committed
     * heap: direct buffers, metaspace, thread stacks, malloc), plus the live heap. How much free heap the collector
     * keeps committed after a GC is its choice, not the load's, and would swamp the difference either way.
     */
    public long residentPerUnitSince(Footprint before, double units) {
        long outsideHeap = (rssBytes - heapCommittedBytes) - (before.rssBytes - before.heapCommittedBytes);
        return Math.round((outsideHeap + heapBytes - before.heapBytes) / units);
    }

    /** Live heap added per unit between {@code before} and this, by class, largest first, the top {@code limit}. */
    public List<Line> billSince(Footprint before, long units, int limit) {
        return byClass.entrySet().stream().map(e -> {
            Usage was = before.byClass.getOrDefault(e.getKey(), new Usage(0, 0));
            return new Line(e.getKey(), (double) (e.getValue().instances() - was.instances()) / units,
                    (double) (e.getValue().bytes() - was.bytes()) / units);
        }).sorted(Comparator.comparingDouble(Line::bytesPerUnit).reversed()).limit(limit).toList();
    }

    /**
     * Live heap added per unit since {@code before}, summed by owner: the first of {@code owners} (name, class name
     * prefixes) whose prefix a class has, else {@code rest} (JDK collections and arrays, whose owner a class
     * histogram can't tell).
     */
    public Map<String, Double> billByOwner(Footprint before, long units, List<Map.Entry<String, List<String>>> owners,
            String rest) {
        Map<String, Double> bill = new LinkedHashMap<>();
        owners.forEach(owner -> bill.put(owner.getKey(), 0.0));
        bill.put(rest, 0.0);
        Set<String> classes = new HashSet<>(byClass.keySet());
        classes.addAll(before.byClass.keySet());
        for (String className : classes) {
            long added = byClass.getOrDefault(className, new Usage(0, 0)).bytes()
                    - before.byClass.getOrDefault(className, new Usage(0, 0)).bytes();
            String owner = owners.stream()
                    .filter(e -> e.getValue().stream().anyMatch(className::startsWith)).map(Map.Entry::getKey)
                    .findFirst().orElse(rest);
            bill.merge(owner, (double) added / units, Double::sum);
        }
        return bill;
    }

    /** VmRSS of /proc/self/status (Linux); 0 where there is none. */
    static long residentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        try {
            return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Usage> histogram() {
        String text;
        try {
            text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("no class histogram from this JVM", e);
        }
        Map<String, Usage> byClass = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                // Hidden classes (lambdas) differ by suffix from run to run: summed under one name.
                byClass.merge(row.group(3).replaceAll("/0x[0-9a-f]+$", ""), new Usage(Long.parseLong(row.group(1)),
                        Long.parseLong(row.group(2))), (a, b) -> new Usage(a.instances() + b.instances(),
                                a.bytes() + b.bytes()));
            }
        }
        return byClass;
    }
}
