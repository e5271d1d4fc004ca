package io.courier.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.api.v1.MessagingServiceGrpc;
import io.courier.api.v1.Ping;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The device's one Connect stream, kept open (reconnecting with jittered backoff) from {@link #connect()} until
 * {@link #close()} or revocation. Frames are read one at a time and handed to {@code frames}; none is read while
 * {@code appHasRoom} says the app's queue is full, until {@link #resume()}.
 */
final class Connection {
    /** A node that shuts down ends streams with UNAVAILABLE and {@code courier-reconnect: now} (messaging.proto). */
    private static final Metadata.Key<String> RECONNECT =
            Metadata.Key.of("courier-reconnect", Metadata.ASCII_STRING_MARSHALLER);
    /** Asks for compact down-frames (messaging.proto); a server that doesn't know it sends full ones. */
    private static final Metadata.Key<String> FRAMES =
            Metadata.Key.of("courier-frames", Metadata.ASCII_STRING_MARSHALLER);
    private static final Duration PING_INTERVAL = Duration.ofSeconds(30);

    private final Calls calls;
    private final Consumer<ConnectResponse> frames;
    private final Runnable opened;
    private final BooleanSupplier appHasRoom;
    private final Sinks.Many<ConnectionEvent> events = Sinks.many().replay().latest();
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));

    private final Object streamLock = new Object();
    /** The open stream; a stream that is no longer current has been closed or replaced by this client. */
    private Receiver current;
    private boolean running;
    private Disposable pinger;
    /** When the last up-frame was written (System.nanoTime). */
    private volatile long lastWriteNanos = System.nanoTime();

    /** {@code opened} runs once each new stream is open: what a stream forgets (subscriptions, sends) goes again. */
    Connection(Calls calls, Consumer<ConnectResponse> frames, Runnable opened, BooleanSupplier appHasRoom) {
        this.calls = calls;
        this.frames = frames;
        this.opened = opened;
        this.appHasRoom = appHasRoom;
    }

    Flux<ConnectionEvent> events() {
        return events.asFlux();
    }

    void connect() {
        synchronized (streamLock) {
            if (running) {
                return;
            }
            running = true;
        }
        openStream();
        // Only a stream with nothing else to say pings: any up-frame shows the server (and a NAT) it is alive.
        pinger = Flux.interval(PING_INTERVAL, PING_INTERVAL).filter(tick -> System.nanoTime() - lastWriteNanos
                >= PING_INTERVAL.toNanos() / 2).subscribe(tick -> write(ConnectRequest.newBuilder()
                .setPing(Ping.newBuilder().setNonce(ThreadLocalRandom.current().nextLong())).build()));
    }

    /** Reconnects at once instead of waiting out the backoffs that grew while there was no network. */
    void networkAvailable() {
        if (calls.channel() instanceof ManagedChannel managed) {
            managed.resetConnectBackoff(); // the channel's own backoff grew too; a waiting stream goes on at once
        }
        synchronized (streamLock) {
            if (!running || current != null) {
                return;
            }
        }
        backoff.reset();
        openStream();
    }

    /** The server sent everything that was queued: the connection is healthy, so the backoff starts over. */
    void drained() {
        backoff.reset();
        events.tryEmitNext(ConnectionEvent.DRAINED);
    }

    /** Sends a frame on the open stream; dropped while there is none. */
    void write(ConnectRequest frame) {
        synchronized (streamLock) {
            if (current != null) {
                current.send(frame);
                lastWriteNanos = System.nanoTime();
            }
        }
    }

    /** The app made room in its queue: a stream that paused reading reads on. */
    void resume() {
        Receiver stream;
        synchronized (streamLock) {
            stream = current;
        }
        if (stream != null) {
            stream.resume();
        }
    }

    void close() {
        Receiver stream;
        synchronized (streamLock) {
            running = false;
            stream = current;
            current = null;
        }
        if (pinger != null) {
            pinger.dispose();
        }
        if (stream != null) {
            stream.complete();
        }
    }

    private void openStream() {
        // Waits for the connection instead of failing while the channel backs off: it starts the moment the
        // channel is up (a failed one would wait out this client's backoff on top).
        Metadata compact = new Metadata();
        compact.put(FRAMES, "compact");
        var stub = MessagingServiceGrpc.newStub(calls.authenticated()).withWaitForReady()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(compact));
        synchronized (streamLock) {
            if (!running || current != null) {
                return; // closed, or already reconnected (the network came back before the backoff ran out)
            }
            // Current before the call starts: its first callback (on a gRPC thread) finds it so.
            current = new Receiver();
            stub.connect(current);
        }
        events.tryEmitNext(ConnectionEvent.CONNECTED);
        opened.run();
    }

    /**
     * Only a revoked device stops for good. A stream superseded by one this client did not open (ALREADY_EXISTS) is
     * retried like a drop: the device wants its stream, and the newest connection wins. A node that shuts down says
     * "reconnect now": the client reconnects at once, on a new connection when the channel is a
     * {@link ManagedChannel} (moved to idle, so a load balancer or the channel's address list picks a live node).
     */
    private void ended(Receiver stream, Status status, boolean reconnectNow) {
        boolean reconnect;
        synchronized (streamLock) {
            if (current != stream) {
                return; // closed or replaced by this client: nothing to do
            }
            current = null;
            if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                running = false;
            }
            reconnect = running;
        }
        events.tryEmitNext(reconnect || status.isOk() ? ConnectionEvent.DISCONNECTED : ConnectionEvent.STOPPED);
        if (reconnect) {
            if (reconnectNow && calls.channel() instanceof ManagedChannel managed) {
                managed.enterIdle(); // calls still open on the old connection go on; new ones get a new one
            }
            Duration delay = reconnectNow ? backoff.immediate() : backoff.next();
            Schedulers.parallel().schedule(this::openStream, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One Connect stream. Its frames are read one at a time, and not while the app's queue is full. */
    private final class Receiver implements ClientResponseObserver<ConnectRequest, ConnectResponse> {
        private final AtomicBoolean paused = new AtomicBoolean();
        private ClientCallStreamObserver<ConnectRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
            this.requests = requests;
            requests.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(ConnectResponse frame) {
            if (calls.closed() || !isCurrent()) {
                return; // a closed client no longer touches its store; a replaced stream is over
            }
            frames.accept(frame);
            readNext();
        }

        /** Asks for the next frame, unless the app's queue is full: then the app handling a message does. */
        private void readNext() {
            if (appHasRoom.getAsBoolean()) {
                requests.request(1);
                return;
            }
            paused.set(true);
            if (appHasRoom.getAsBoolean()) {
                resume(); // the app made room meanwhile
            }
        }

        void resume() {
            if (paused.compareAndSet(true, false)) {
                requests.request(1);
            }
        }

        private boolean isCurrent() {
            synchronized (streamLock) {
                return current == this;
            }
        }

        /** Called with the stream lock held, so frames go out one at a time. */
        void send(ConnectRequest frame) {
            requests.onNext(frame);
        }

        void complete() {
            try {
                requests.onCompleted();
            } catch (RuntimeException alreadyClosed) {
                // nothing to close
            }
        }

        @Override
        public void onError(Throwable t) {
            Metadata trailers = Status.trailersFromThrowable(t);
            ended(this, Status.fromThrowable(t), trailers != null && "now".equals(trailers.get(RECONNECT)));
        }

        @Override
        public void onCompleted() {
            ended(this, Status.OK, false);
        }
    }
}
