package io.courier.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import reactor.core.scheduler.Scheduler;

/**
 * Acks go out in small batches: one frame for a burst of deliveries saves round trips on slow links. A receipt's ack
 * changes nothing the user sees, so it waits longer, for company.
 */
final class Acks {
    /** Ids per Ack frame: at most the smallest delivery window a Courier node is run with (16 in its tests). */
    static final int MAX_IDS_PER_ACK = 16;
    /** How long an ack waits for others of the same burst. */
    static final Duration BATCH_DELAY = Duration.ofMillis(20);

    private final Consumer<ConnectRequest> write;
    private final Scheduler timer;
    private final Duration receiptDelay;
    /** Ids to ack within {@link #BATCH_DELAY}. Guarded by itself, as are the fields below. */
    private final Set<Long> pending = new LinkedHashSet<>();
    /** Receipt ids to ack with the next ack frame, or after {@code receiptDelay}. */
    private final Set<Long> heldReceipts = new LinkedHashSet<>();
    private boolean flushScheduled;
    private boolean receiptFlushScheduled;

    Acks(Consumer<ConnectRequest> write, Scheduler timer, Duration receiptDelay) {
        this.write = write;
        this.timer = timer;
        this.receiptDelay = receiptDelay;
    }

    void ack(long serverId) {
        synchronized (pending) {
            pending.add(serverId);
            if (flushScheduled) {
                return;
            }
            flushScheduled = true;
        }
        timer.schedule(this::flush, BATCH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits up to {@code receiptDelay} and goes out with the next ack frame, or with the receipts that came
     * meanwhile: on a slow link one frame for several receipts instead of one each. A cut meanwhile costs a
     * redelivery, which ticks nothing twice.
     */
    void ackReceipt(long serverId) {
        boolean full;
        boolean schedule = false;
        synchronized (pending) {
            heldReceipts.add(serverId);
            full = heldReceipts.size() >= MAX_IDS_PER_ACK;
            if (!full && !receiptFlushScheduled) {
                receiptFlushScheduled = schedule = true;
            }
        }
        if (full) {
            flush();
        } else if (schedule) {
            timer.schedule(() -> {
                synchronized (pending) {
                    receiptFlushScheduled = false;
                }
                flush();
            }, receiptDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Sends what is due, with the receipt acks that are waiting. */
    void flush() {
        List<Long> batch;
        synchronized (pending) {
            batch = new ArrayList<>(pending);
            batch.addAll(heldReceipts);
            pending.clear();
            heldReceipts.clear();
            flushScheduled = false;
        }
        // Servers refuse Acks with more ids than their window; after a restart the app may hand back more at once.
        for (int from = 0; from < batch.size(); from += MAX_IDS_PER_ACK) {
            List<Long> chunk = batch.subList(from, Math.min(batch.size(), from + MAX_IDS_PER_ACK));
            write.accept(ConnectRequest.newBuilder().setAck(Ack.newBuilder().addAllServerIds(chunk)).build());
        }
    }
}
