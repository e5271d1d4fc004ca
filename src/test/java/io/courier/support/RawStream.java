package io.courier.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.courier.api.v1.Ack;
import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.Ping;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** A device's Connect stream driven frame by frame, for tests of the server's side of the protocol. */
public final class RawStream implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final BlockingQueue<ConnectResponse> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private volatile Metadata trailers = new Metadata();
    private final StreamObserver<ConnectRequest> up;

    /** @param authToken the device's token, or null to connect without credentials */
    public RawStream(ManagedChannel channel, String authToken) {
        var stub = authToken == null ? MessagingServiceGrpc.newStub(channel)
                : ServerTest.withToken(MessagingServiceGrpc.newStub(channel), authToken);
        up = stub.connect(new StreamObserver<>() {
            @Override
            public void onNext(ConnectResponse value) {
                frames.add(value);
            }

            @Override
            public void onError(Throwable t) {
                Metadata sent = Status.trailersFromThrowable(t);
                if (sent != null) {
                    trailers = sent;
                }
                closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                closed.complete(Status.OK);
            }
        });
    }

    public RawStream send(ConnectRequest frame) {
        synchronized (up) {
            up.onNext(frame);
        }
        return this;
    }

    /** The next down-frame; fails if none comes in time. */
    public ConnectResponse next() {
        try {
            ConnectResponse frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + WAIT.toSeconds() + " s"
                        + (closed.isDone() ? "; stream closed with " + closed.join() : ""));
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next down-frame, or empty if the stream closes before one comes. */
    public java.util.Optional<ConnectResponse> nextUnlessClosed() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                ConnectResponse frame = frames.poll(50, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    return Optional.of(frame);
                }
                if (closed.isDone() && frames.isEmpty()) {
                    return Optional.empty();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("neither a frame nor a close within " + WAIT.toSeconds() + " s");
    }

    public ConnectResponse next(ConnectResponse.FrameCase expected) {
        ConnectResponse frame = next();
        assertThat(frame.getFrameCase()).as("frame: " + frame).isEqualTo(expected);
        return frame;
    }

    /** Every frame up to the queue-empty marker (which is consumed). */
    public List<ConnectResponse> drain() {
        List<ConnectResponse> before = new ArrayList<>();
        for (ConnectResponse frame = next(); !frame.hasQueueEmpty(); frame = next()) {
            before.add(frame);
        }
        return before;
    }

    /**
     * A ping round trip: the server handles a stream's frames in order, so every frame it meant to send before
     * handling this ping has arrived once the pong does. Returns those frames.
     */
    public List<ConnectResponse> sync() {
        long nonce = ThreadLocalRandom.current().nextLong();
        send(ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(nonce)).build());
        List<ConnectResponse> before = new ArrayList<>();
        for (ConnectResponse frame = next(); !(frame.hasPong() && frame.getPong().getNonce() == nonce);
                frame = next()) {
            before.add(frame);
        }
        return before;
    }

    public void ack(long... serverIds) {
        Ack.Builder ack = Ack.newBuilder();
        for (long id : serverIds) {
            ack.addServerIds(id);
        }
        send(ConnectRequest.newBuilder().setAck(ack).build());
    }

    public Status awaitClosed() {
        return closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** The trailers the server closed the stream with (empty until it has). */
    public Metadata trailers() {
        return trailers;
    }

    @Override
    public void close() {
        synchronized (up) {
            try {
                up.onCompleted();
            } catch (IllegalStateException alreadyClosed) {
                // the server closed it first
            }
        }
    }
}
