package io.courier.edge;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.courier.common.RetryAfter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Bounds the Connect streams this node is opening at once: from the credential check to the first drain's
 * QueueEmpty (or the stream's end, or {@code maxHold}), when each one's database reads happen. Opens beyond the
 * bound wait their turn in arrival order instead of all reading at once: a reconnect storm of 100k devices after a
 * restart otherwise queues hundreds of thousands of CQL requests, and those queued longest time out and end their
 * streams with UNAVAILABLE, only for the devices to come back and try again. The waiting line is bounded too: past
 * {@code maxWaiting} an open is refused at once with UNAVAILABLE and a retry hint, before it holds anything.
 */
final class OpeningStreams {
    /** The longest a stream holds its slot: one that never acks a backlog beyond its window never reaches QueueEmpty. */
    static final Duration MAX_HOLD = Duration.ofSeconds(10);
    /** What a refused open is told to wait before trying again (here or at another node). */
    static final Duration RETRY_HINT = Duration.ofSeconds(5);

    /**
     * One open's place; releasing it lets the next waiting open in. Only the first release counts; one not released
     * within the bound releases itself.
     */
    static final class Slot {
        private final OpeningStreams owner;
        private final AtomicBoolean released = new AtomicBoolean();
        private Disposable bound;

        private Slot(OpeningStreams owner) {
            this.owner = owner;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                Disposable timer = bound;
                if (timer != null) {
                    timer.dispose(); // else a hundred thousand opened streams keep their timers for the bound
                }
                owner.release();
            }
        }

        /** Called before anyone holds the slot, so no release can come before the timer is set. */
        private Slot bounded() {
            bound = owner.timers.schedule(this::release, owner.maxHold.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        }
    }

    private final int limit;
    private final int maxWaiting;
    private final Executor handOver;
    private final Scheduler timers;
    private final Duration maxHold;
    /** Insertion-ordered with constant-time removal: a waiter whose client gives up leaves at once. */
    private final LinkedHashSet<CompletableFuture<Slot>> waiting = new LinkedHashSet<>();
    private int opening;
    /** Opens counted by {@link #arriving} whose checks have not started yet. */
    private final AtomicInteger onTheirWay = new AtomicInteger();

    /**
     * @param handOver where a released slot is given to the next waiting open (never the releasing thread)
     * @param timers where each slot's bound runs
     */
    OpeningStreams(int limit, int maxWaiting, Duration maxHold, Executor handOver, Scheduler timers) {
        if (limit < 1) {
            throw new IllegalArgumentException("courier.edge.max-opening-streams must be at least 1, was " + limit);
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("courier.edge.max-waiting-opens must not be negative, was "
                    + maxWaiting);
        }
        this.limit = limit;
        this.maxWaiting = maxWaiting;
        this.maxHold = maxHold;
        this.handOver = handOver;
        this.timers = timers;
    }

    /**
     * Completes with a slot once fewer than the limit are opening, in arrival order; at once with a refusal
     * ({@link #refusedAsFull}) when {@code max-waiting-opens} are waiting. Completing the returned future
     * exceptionally (the client gave up) takes it out of the line at once.
     */
    CompletableFuture<Slot> acquire() {
        CompletableFuture<Slot> turn = new CompletableFuture<>();
        boolean admitted = false;
        synchronized (this) {
            if (opening < limit) {
                opening++;
                admitted = true;
            } else if (waiting.size() < maxWaiting) {
                waiting.add(turn);
            } else {
                return CompletableFuture.failedFuture(fullRefusal());
            }
        }
        if (admitted) {
            return CompletableFuture.completedFuture(new Slot(this).bounded());
        }
        turn.whenComplete((slot, error) -> {
            if (error != null) {
                withdraw(turn);
            }
        });
        return turn;
    }

    /**
     * An open on its way to the line: its first checks are queued on their own thread, which a flood of stream
     * opens could otherwise grow without bound. False, with nothing counted, when the opens on their way and the
     * line together hold {@code max-waiting-opens}; then refuse with {@link #fullRefusal}. Each true answer is
     * followed by one {@link #arrived} when its checks start.
     */
    boolean arriving() {
        if (onTheirWay.incrementAndGet() + waiting() > maxWaiting) {
            onTheirWay.decrementAndGet();
            return false;
        }
        return true;
    }

    void arrived() {
        onTheirWay.decrementAndGet();
    }

    /**
     * Whether {@code error} (or the cause a completion stage wrapped it in) is this line's refusal for being full:
     * told by its type, not by its text, which another UNAVAILABLE could share.
     */
    static boolean refusedAsFull(Throwable error) {
        Throwable cause = error instanceof CompletionException wrapped ? wrapped.getCause() : error;
        return cause instanceof Full;
    }

    /** The refusal of an open when the line is full. */
    StatusRuntimeException fullRefusal() {
        return new Full(RetryAfter.unavailable("this node has " + maxWaiting + " stream opens waiting already"
                + " (another node may have room)", RETRY_HINT.toMillis()));
    }

    /** The refusal of an open because the line is full: a type of its own for {@link #refusedAsFull}. */
    private static final class Full extends StatusRuntimeException {
        private Full(StatusRuntimeException refusal) {
            super(refusal.getStatus(), refusal.getTrailers());
        }
    }

    synchronized int waiting() {
        return waiting.size();
    }

    synchronized int opening() {
        return opening;
    }

    private synchronized void withdraw(CompletableFuture<Slot> turn) {
        waiting.remove(turn);
    }

    private void release() {
        CompletableFuture<Slot> next;
        synchronized (this) {
            Iterator<CompletableFuture<Slot>> first = waiting.iterator();
            if (!first.hasNext()) {
                opening--;
                return;
            }
            next = first.next();
            first.remove();
        }
        // On a worker: the next open's check must not run (nor, failing, release again) inside this release.
        try {
            handOver.execute(() -> {
                Slot slot = new Slot(this).bounded();
                if (!next.complete(slot)) { // its client gave up after it left the line: the place goes on
                    slot.release();
                }
            });
        } catch (RejectedExecutionException stopping) { // the workers are gone: the node is shutting down
            synchronized (this) {
                opening--;
            }
            next.completeExceptionally(Status.UNAVAILABLE
                    .withDescription("this node is shutting down; reconnect to another node").asRuntimeException());
        }
    }
}
