package io.courier.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.Channel;
import io.grpc.Status;

/**
 * What a node restart looks like to the node that takes the load: many registered devices open their Connect
 * streams at once. A stream is ready when its QueueEmpty arrives and refused when it ends before that; each stream
 * tells its {@link Listener} once, whichever comes first. The streams are multiplexed over a few shared channels
 * (HTTP/2 connections) so the client side stays cheap; they stay open until {@link #close()}.
 */
public final class ConnectStorm implements AutoCloseable {
    /** Hears how each stream settled; called on the channels' threads. */
    public interface Listener {
        /**
         * @param openToReadyNanos the stream's open → QueueEmpty
         * @param sinceStartNanos  the storm's first open → this QueueEmpty
         */
        void ready(long openToReadyNanos, long sinceStartNanos);

        void refused(Status status);
    }

    private final List<? extends Channel> channels;
    private final List<DeviceLink> links = new ArrayList<>();

    public ConnectStorm(List<? extends Channel> channels) {
        this.channels = List.copyOf(channels);
    }

    /** Opens one stream per token as fast as possible, without waiting for any; once per storm. */
    public void open(List<String> tokens, Listener listener) {
        long start = System.nanoTime();
        for (int i = 0; i < tokens.size(); i++) {
            AtomicBoolean done = new AtomicBoolean();
            long opened = System.nanoTime();
            DeviceLink link = new DeviceLink(channels.get(i % channels.size()), tokens.get(i), (l, frame) -> {
                if (frame.hasQueueEmpty() && done.compareAndSet(false, true)) {
                    long now = System.nanoTime();
                    listener.ready(now - opened, now - start);
                }
            });
            link.closed().thenAccept(status -> {
                if (done.compareAndSet(false, true)) {
                    listener.refused(status);
                }
            });
            links.add(link);
        }
    }

    /** Streams that have ended so far, refused or closed later (e.g. by the server while idle). */
    public long closedCount() {
        return links.stream().filter(link -> link.closed().isDone()).count();
    }

    @Override
    public void close() {
        links.forEach(DeviceLink::close);
    }
}
