package io.courier.push;

import java.io.Serializable;
import java.util.Map;

import com.hazelcast.map.EntryProcessor;

/**
 * A device's wake-up bookkeeping in Hazelcast, on the partition that also holds its presence entry (same key).
 *
 * @param pendingSince when something was first stored for it since the last wake-up (epoch ms), 0 if nothing waits
 * @param lastSentAt when its last wake-up was taken for sending (epoch ms), 0 if never since it last connected
 */
record WakeState(long pendingSince, long lastSentAt) implements Serializable {
    boolean pending() {
        return pendingSince != 0;
    }

    /** Whether a store {@code now} would make the device pending: nothing pending, none sent within the window. */
    static boolean wakes(WakeState state, long now, long windowMillis) {
        return state == null || !(state.pending() || now - state.lastSentAt() < windowMillis);
    }

    /**
     * Marks the device pending unless a wake-up is already pending or was sent within the window: completes true
     * if it became pending (then the partition owner's listener schedules it).
     */
    record MarkPending(long now, long windowMillis) implements EntryProcessor<String, WakeState, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, WakeState> entry) {
            WakeState state = entry.getValue();
            if (!wakes(state, now, windowMillis)) {
                return false;
            }
            entry.setValue(new WakeState(now, state == null ? 0 : state.lastSentAt()));
            return true;
        }
    }

    /**
     * Takes a pending wake-up for sending, once: whoever takes it (the timer or a sweep, on whichever member) sends
     * it. Completes with when it became pending, 0 if nothing was pending.
     */
    record TakePending(long now) implements EntryProcessor<String, WakeState, Long> {
        @Override
        public Long process(Map.Entry<String, WakeState> entry) {
            WakeState state = entry.getValue();
            if (state == null || !state.pending()) {
                return 0L;
            }
            entry.setValue(new WakeState(0, now));
            return state.pendingSince();
        }
    }
}
