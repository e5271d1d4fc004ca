package io.courier.messaging;

import java.time.Duration;

/**
 * Bounds of one device's delivery window.
 *
 * @param window un-acked deliveries at most (Signal uses 256)
 * @param windowBytes un-acked bytes at most (one item always fits, however large)
 * @param page items per queue read
 * @param ackBatchesInFlight ack batches whose bookkeeping may run at once before the stream stops reading frames
 * @param rescanInterval how long an idle stream waits before reading its queue again: recovers a last push the
 *        best-effort bus missed (an earlier missed push shows as a gap before the next one)
 */
public record MailboxLimits(int window, int windowBytes, int page, int ackBatchesInFlight, Duration rescanInterval) {
    public MailboxLimits {
        if (window < 1 || windowBytes < 1 || page < 1 || ackBatchesInFlight < 1) {
            throw new IllegalArgumentException("mailbox limits must be positive: " + window + ", " + windowBytes
                    + ", " + page + ", " + ackBatchesInFlight);
        }
    }
}
