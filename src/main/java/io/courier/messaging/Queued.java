package io.courier.messaging;

import java.io.Serializable;

/**
 * An item in a device's queue under the sequence its queue gave it. Sequences are strictly increasing per device:
 * {@code epoch << 32 | counter}, where the epoch grows each time the queue's grid entry is created (a full restart,
 * or an entry that expired while idle), so a sequence is never handed out twice even when the counter is lost.
 */
public record Queued(long seq, InboxItem item) implements Serializable {
    static final int EPOCH_SHIFT = 32;

    static long firstOfEpoch(long epoch) {
        return epoch << EPOCH_SHIFT;
    }

    static long epochOf(long seq) {
        return seq >>> EPOCH_SHIFT;
    }
}
