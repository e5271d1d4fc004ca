package io.courier.edge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.courier.cluster.DeviceAddress;

/**
 * The frame budgets of each device with a stream on this node, kept after its streams end while a bucket is still
 * spent, so that reconnecting refills nothing: every stream of the device on this node, overlapping or later, takes
 * the same budgets. A device whose last stream ends with every bucket full leaves nothing (an honest device's usual
 * case). Node-local, without a cluster round trip per frame: a device that moves to another node starts there with
 * fresh budgets, which the cluster-wide limit on its stream opens bounds (at most one burst per open). Bounded:
 * beyond {@code maxDevices} the longest-known device's entry goes (its next stream starts full again).
 */
final class DeviceBudgets {
    /** One device's budgets and how many of its streams on this node use them. */
    private static final class Held {
        final StreamBudgets budgets;
        int streams;

        Held(StreamBudgets budgets) {
            this.budgets = budgets;
        }
    }

    private final Supplier<StreamBudgets> fresh;
    private final Map<DeviceAddress, Held> devices;

    DeviceBudgets(Supplier<StreamBudgets> fresh, int maxDevices) {
        this.fresh = fresh;
        this.devices = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<DeviceAddress, Held> eldest) {
                return size() > maxDevices;
            }
        };
    }

    /** The budgets a new stream of {@code device} uses; call {@link #release} when it ends. */
    StreamBudgets take(DeviceAddress device) {
        synchronized (devices) {
            Held held = devices.computeIfAbsent(device, d -> new Held(fresh.get()));
            held.streams++;
            return held.budgets;
        }
    }

    /** A stream of {@code device} ended: once none is left, its budgets are kept only if it spent any. */
    void release(DeviceAddress device) {
        synchronized (devices) {
            Held held = devices.get(device);
            if (held != null && --held.streams <= 0 && held.budgets.allFull()) {
                devices.remove(device);
            }
        }
    }

    /** Devices whose budgets are known (tests). */
    int size() {
        synchronized (devices) {
            return devices.size();
        }
    }
}
