package io.courier.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Heap of this JVM. The benchmarks boot the node in-process, so this is the node's heap plus the load generator's
 * own (small, bounded) share. Garbage is not growth: the live figure is the heap left after each collection.
 */
public final class HeapGauge implements AutoCloseable {
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final AtomicLong maxBeforeGc = new AtomicLong();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final NotificationListener listener = this::onCollection;
    private volatile long alarmBytes = Long.MAX_VALUE;
    private volatile Runnable alarm = () -> { };

    /** Starts recording the heap after every collection from now on. */
    public HeapGauge() {
        for (GarbageCollectorMXBean collector : collectors) {
            ((NotificationEmitter) collector).addNotificationListener(listener, null, null);
        }
    }

    /** Heap in use after a full collection: what is really live now. */
    public static long usedAfterFullGc() {
        System.gc();
        System.gc(); // the second one also frees what finalisation/reference processing released in the first
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The largest heap left after any collection since this gauge started. */
    public long maxAfterGcBytes() {
        return maxAfterGc.get();
    }

    /** Runs {@code action} (on a JMX notification thread) the first time a collection leaves more than that. */
    public void onLiveHeapAbove(long bytes, Runnable action) {
        alarm = action;
        alarmBytes = bytes;
    }

    /** The largest heap in use (garbage included) just before any collection since this gauge started. */
    public long maxBeforeGcBytes() {
        return maxBeforeGc.get();
    }

    private void onCollection(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
        long live = heapUsed(info.getMemoryUsageAfterGc());
        maxAfterGc.accumulateAndGet(live, Math::max);
        if (live > alarmBytes) {
            alarmBytes = Long.MAX_VALUE;
            alarm.run();
        }
        maxBeforeGc.accumulateAndGet(heapUsed(info.getMemoryUsageBeforeGc()), Math::max);
    }

    private long heapUsed(Map<String, MemoryUsage> pools) {
        return pools.entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
    }

    @Override
    public void close() {
        for (GarbageCollectorMXBean collector : collectors) {
            try {
                ((NotificationEmitter) collector).removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // never added
            }
        }
    }
}
