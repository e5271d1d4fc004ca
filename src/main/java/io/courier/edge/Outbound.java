package io.courier.edge;

import java.util.ArrayDeque;
import java.util.Locale;

import io.courier.api.v1.ConnectResponse;
import io.grpc.stub.ServerCallStreamObserver;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A stream's down-frames, written only while the call is ready (the client reads and HTTP/2 has window), so a
 * client that stops reading never makes the node buffer without bound. Deliveries are bounded by the mailbox's
 * window; replies by {@code maxReplies}: beyond it the stream stops taking up-frames until the client reads.
 * Confined to the stream's serial executor.
 */
final class Outbound {
    /** Presence notices waiting at most; more are dropped (the client's next subscribe refreshes them). */
    static final int MAX_NOTICES = 512;

    private enum Kind { DELIVERY, REPLY, NOTICE }

    private record Queued(ConnectResponse frame, Kind kind) {
    }

    private final ServerCallStreamObserver<ConnectResponse> call;
    private final int maxReplies;
    private final StreamMetrics metrics;
    /** Small at first: frames wait here only while the call is not ready (an idle stream's is empty); it grows. */
    private final ArrayDeque<Queued> queue = new ArrayDeque<>(2);
    private int replies;
    private int notices;
    private Sinks.Empty<Void> roomWaiter;
    private Sinks.Empty<Void> flushWaiter;
    private boolean closed;

    Outbound(ServerCallStreamObserver<ConnectResponse> call, int maxReplies, StreamMetrics metrics) {
        this.call = call;
        this.maxReplies = maxReplies;
        this.metrics = metrics;
    }

    /** A delivery or receipt: already bounded by the mailbox's window. */
    void deliver(ConnectResponse frame) {
        enqueue(new Queued(frame, Kind.DELIVERY));
    }

    /** An answer to an up-frame (SendAck, Pong, FrameError, QueueEmpty). */
    void reply(ConnectResponse frame) {
        replies++;
        enqueue(new Queued(frame, Kind.REPLY));
    }

    /** A presence notice: queued behind what is waiting, unless {@value #MAX_NOTICES} are; returns whether it was. */
    boolean notice(ConnectResponse frame) {
        if (closed || notices >= MAX_NOTICES) {
            return false;
        }
        notices++;
        enqueue(new Queued(frame, Kind.NOTICE));
        return true;
    }

    /**
     * An ephemeral frame (typing): written now if nothing is waiting and the transport takes it, else dropped —
     * never queued behind a device that is not keeping up. Returns whether it was written.
     */
    boolean offer(ConnectResponse frame) {
        if (closed || !queue.isEmpty() || !call.isReady()) {
            return false;
        }
        call.onNext(frame);
        metrics.frameSent(frame.getFrameCase().name().toLowerCase(Locale.ROOT));
        return true;
    }

    private void enqueue(Queued queued) {
        if (!closed) {
            queue.add(queued);
            drain();
        }
    }

    /** Writes while the transport takes frames; called again by the call's on-ready handler. */
    void drain() {
        while (!closed && !queue.isEmpty() && call.isReady()) {
            Queued next = queue.poll();
            if (next.kind() == Kind.REPLY) {
                replies--;
            } else if (next.kind() == Kind.NOTICE) {
                notices--;
            }
            call.onNext(next.frame());
            metrics.frameSent(next.frame().getFrameCase().name().toLowerCase(Locale.ROOT));
        }
        if (replies <= maxReplies && roomWaiter != null) {
            Sinks.Empty<Void> waiter = roomWaiter;
            roomWaiter = null;
            waiter.tryEmitEmpty();
        }
        if (queue.isEmpty()) {
            wakeFlushWaiter();
        }
    }

    /** Completes once every queued frame has been handed to the transport (a draining stream's last SendAcks). */
    Mono<Void> flushed() {
        if (closed || queue.isEmpty()) {
            return Mono.empty();
        }
        if (flushWaiter == null) {
            flushWaiter = Sinks.empty();
        }
        return flushWaiter.asMono();
    }

    private void wakeFlushWaiter() {
        if (flushWaiter != null) {
            Sinks.Empty<Void> waiter = flushWaiter;
            flushWaiter = null;
            waiter.tryEmitEmpty();
        }
    }

    /** Completes when the stream may take another up-frame: when the replies waiting are within bounds. */
    Mono<Void> room() {
        if (closed || replies <= maxReplies) {
            return Mono.empty();
        }
        if (roomWaiter == null) {
            roomWaiter = Sinks.empty();
        }
        return roomWaiter.asMono();
    }

    void close() {
        closed = true;
        queue.clear();
        if (roomWaiter != null) {
            roomWaiter.tryEmitEmpty();
        }
        wakeFlushWaiter();
    }
}
