package io.courier.edge;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Consumer;

import io.grpc.ServerCall;

/**
 * Holds a call's events until it may start (its credentials checked asynchronously, or the node ready), then
 * replays them, in order, to the real listener (or drops them if the call was refused). Keeps the transport thread
 * free of database round trips.
 */
final class DeferredListener<Q> extends ServerCall.Listener<Q> {
    /** Small at first: a call holds only what comes before its checks end, most often nothing or its first frame. */
    private final Queue<Consumer<ServerCall.Listener<Q>>> pending = new ArrayDeque<>(2);
    private ServerCall.Listener<Q> delegate;
    private boolean refused;

    /** Starts delivering to {@code listener}: first what was held, then everything as it comes. */
    synchronized void start(ServerCall.Listener<Q> listener) {
        delegate = listener;
        for (Consumer<ServerCall.Listener<Q>> event; (event = pending.poll()) != null;) {
            event.accept(listener);
        }
    }

    /** The call was closed without starting: forget what was held. */
    synchronized void refuse() {
        refused = true;
        pending.clear();
    }

    private synchronized void dispatch(Consumer<ServerCall.Listener<Q>> event) {
        if (delegate != null) {
            event.accept(delegate);
        } else if (!refused) {
            pending.add(event);
        }
    }

    @Override
    public void onMessage(Q message) {
        dispatch(l -> l.onMessage(message));
    }

    @Override
    public void onHalfClose() {
        dispatch(ServerCall.Listener::onHalfClose);
    }

    @Override
    public void onCancel() {
        dispatch(ServerCall.Listener::onCancel);
    }

    @Override
    public void onComplete() {
        dispatch(ServerCall.Listener::onComplete);
    }

    @Override
    public void onReady() {
        dispatch(ServerCall.Listener::onReady);
    }
}
