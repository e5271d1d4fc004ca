package io.courier.edge;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the Connect streams this node is opening at once: from the credential check to the first drain's
 * QueueEmpty (or the stream's end, or 10 s), when each one's database reads happen. Opens beyond the bound wait
 * their turn in arrival order instead of all reading at once: a reconnect storm of 100k devices after a restart
 * otherwise queues hundreds of thousands of CQL requests, and those queued longest time out and end their streams
 * with UNAVAILABLE, only for the devices to come back and try again.
 */
final class OpeningStreams {
    /** One open's place; releasing it lets the next waiting open in. Only the first release counts. */
    static final class Slot {
        private final OpeningStreams owner;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(OpeningStreams owner) {
            this.owner = owner;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                owner.release();
            }
        }
    }

    private final int limit;
    private final ArrayDeque<CompletableFuture<Slot>> waiting = new ArrayDeque<>();
    private int opening;

    OpeningStreams(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("courier.edge.max-opening-streams must be at least 1, was " + limit);
        }
        this.limit = limit;
    }

    /** Completes with a slot once fewer than the limit are opening; in arrival order. */
    synchronized CompletionStage<Slot> acquire() {
        if (opening < limit) {
            opening++;
            return CompletableFuture.completedFuture(new Slot(this));
        }
        CompletableFuture<Slot> turn = new CompletableFuture<>();
        waiting.add(turn);
        return turn;
    }

    private void release() {
        CompletableFuture<Slot> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                opening--;
                return;
            }
        }
        // On another thread: the next open's check must not run (nor, failing, release again) inside this release.
        next.completeAsync(() -> new Slot(this));
    }
}
