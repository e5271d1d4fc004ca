package io.courier.edge;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.courier.cluster.DeviceAddress;
import io.courier.common.LruMap;

/**
 * The frame budgets of each device on this node, so that reconnecting refills nothing: every stream of the device
 * here, overlapping or later, takes the same budgets. While a device has a stream here its budgets are live (as
 * many as its streams, which the node bounds); once its last stream ends they are kept only if a bucket is still
 * spent (an honest device's usually are all full: nothing is kept), at most {@code maxKept} of them, the longest
 * kept going first (that device's next stream starts full again). Node-local, without a cluster round trip per
 * frame: a device that moves to another node starts there with fresh budgets, which the cluster-wide limit on its
 * stream opens bounds (at most one burst per open).
 */
final class DeviceBudgets {
    /** One device's budgets and how many of its streams on this node use them. */
    private static final class Live {
        final StreamBudgets budgets;
        int streams;

        Live(StreamBudgets budgets) {
            this.budgets = budgets;
        }
    }

    private final Supplier<StreamBudgets> fresh;
    private final Map<DeviceAddress, Live> live = new HashMap<>();
    private final Map<DeviceAddress, StreamBudgets> kept;

    DeviceBudgets(Supplier<StreamBudgets> fresh, int maxKept) {
        this.fresh = fresh;
        this.kept = new LruMap<>(maxKept, false);
    }

    /** The budgets a new stream of {@code device} uses; call {@link #release} when it ends. */
    synchronized StreamBudgets take(DeviceAddress device) {
        Live budgets = live.computeIfAbsent(device, d -> {
            StreamBudgets earlier = kept.remove(d);
            return new Live(earlier == null ? fresh.get() : earlier);
        });
        budgets.streams++;
        return budgets.budgets;
    }

    /** A stream of {@code device} ended: once none is left, its budgets are kept only if it spent any. */
    synchronized void release(DeviceAddress device) {
        Live budgets = live.get(device);
        if (budgets == null || --budgets.streams > 0) {
            return;
        }
        live.remove(device);
        if (!budgets.budgets.allFull()) {
            kept.put(device, budgets.budgets);
        }
    }

    /** Devices whose spent budgets are kept without a stream (tests). */
    synchronized int kept() {
        return kept.size();
    }
}
