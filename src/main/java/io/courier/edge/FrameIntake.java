package io.courier.edge;

import java.util.concurrent.atomic.AtomicInteger;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.messaging.DeviceMailbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A stream's up-frames as one Reactor pipeline: requested from gRPC one at a time, only once the previous one is
 * handled and the replies to the client are within bounds; down-frames go out as the call becomes ready. Also the
 * stream's drain when the node shuts down: the frame in hand is finished, later ones are not handled.
 */
final class FrameIntake implements StreamObserver<ConnectRequest> {
    private final ServerCallStreamObserver<ConnectResponse> call;
    private final Scheduler serial;
    /** Re-checked before every frame (cached): a device revoked or replaced since the stream opened is cut off. */
    private final Mono<Boolean> stillCurrent;
    private final UpFrames frames;
    private final Outbound outbound;
    private final DeviceMailbox mailbox;
    private final Refusals refusals;
    private final StreamEnd end;
    /** Set on the serial executor, read on gRPC's: frames only come after the pipeline's first request. */
    private volatile FluxSink<ConnectRequest> inbound;
    private Disposable pipeline;
    /** Set when the node drains: no further frame is handled, and the stream ends with this once idle. */
    private StatusRuntimeException drainedWith;
    private boolean closing;
    /**
     * Frames received whose handling is not over (counted up on gRPC's thread, down on the serial one). A count, not
     * a flag: the next frame is requested before the previous one's doFinally runs, so the two can cross.
     */
    private final AtomicInteger framesInFlight = new AtomicInteger();
    /** Liveness is about real time, not the node's (adjustable) clock. */
    private volatile long lastHeardNanos = System.nanoTime();

    FrameIntake(ServerCallStreamObserver<ConnectResponse> call, Scheduler serial, Mono<Boolean> stillCurrent,
            UpFrames frames, Outbound outbound, DeviceMailbox mailbox, Refusals refusals, StreamEnd end) {
        this.call = call;
        this.serial = serial;
        this.stillCurrent = stillCurrent;
        this.frames = frames;
        this.outbound = outbound;
        this.mailbox = mailbox;
        this.refusals = refusals;
        this.end = end;
        // Manual flow control must be set up before the service method returns.
        call.disableAutoRequest();
        call.setOnReadyHandler(() -> serial.schedule(outbound::drain));
        call.setOnCancelHandler(end::abandoned);
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** Starts taking frames; on the serial executor, once the stream is admitted and its drain has begun. */
    void start() {
        pipeline = Flux.<ConnectRequest>create(sink -> {
            inbound = sink;
            sink.onRequest(n -> call.request((int) Math.min(n, Integer.MAX_VALUE)));
        }, FluxSink.OverflowStrategy.ERROR)
                // Prefetch 0: the next frame is requested only once this one is handled and there is room.
                // A cached answer completes at once: then the frame costs one hop onto the serial executor.
                .concatMap(frame -> stillCurrent
                        .flatMap(current -> Mono.defer(() -> current ? handle(frame) : notCurrent())
                                .subscribeOn(serial))
                        .then(Mono.defer(outbound::room).subscribeOn(serial))
                        .doFinally(signal -> {
                            framesInFlight.decrementAndGet();
                            serial.schedule(this::drainIfIdle);
                        }), 0)
                .subscribe(null, error -> end.close(Status.INTERNAL.withCause(error)),
                        () -> serial.schedule(this::halfClosed));
    }

    @Override
    public void onNext(ConnectRequest frame) {
        lastHeardNanos = System.nanoTime();
        if (frame == FrameParser.UNDECODABLE) {
            refusals.undecodable();
            return;
        }
        FluxSink<ConnectRequest> sink = inbound;
        if (sink != null) {
            framesInFlight.incrementAndGet();
            sink.next(frame); // only ever as many as the pipeline requested
        }
    }

    @Override
    public void onError(Throwable t) {
        end.abandoned(); // the client went away
    }

    @Override
    public void onCompleted() {
        FluxSink<ConnectRequest> sink = inbound;
        if (sink != null) {
            sink.complete(); // frames still queued are handled first
        } else {
            serial.schedule(this::halfClosed);
        }
    }

    /**
     * The node is shutting down: the frame being handled (a send in flight) is finished, acks settle, the replies
     * queued for the client go out, then the stream ends with {@code status}. Frames that arrive meanwhile are not
     * handled (nothing was acknowledged for them; the client sends them again on its next stream).
     */
    void drain(StatusRuntimeException status) {
        serial.schedule(() -> {
            if (!end.isClosed() && drainedWith == null) {
                drainedWith = status;
                drainIfIdle();
            }
        });
    }

    /** Part of the stream's teardown. */
    void close() {
        if (pipeline != null) {
            pipeline.dispose();
        }
    }

    private Mono<Void> handle(ConnectRequest frame) {
        if (end.isClosed() || closing) {
            return Mono.empty(); // a draining stream takes no new work: the client sends it again elsewhere
        }
        return frames.handle(frame);
    }

    private Mono<Void> notCurrent() {
        end.close(Status.UNAUTHENTICATED.withDescription("this device was revoked or replaced"));
        return Mono.empty();
    }

    private void drainIfIdle() {
        if (drainedWith == null || closing || end.isClosed() || framesInFlight.get() > 0) {
            return;
        }
        closing = true;
        if (pipeline == null) {
            end.close(drainedWith); // not admitted yet: nothing of it to finish
            return;
        }
        mailbox.quiet().publishOn(serial).then(Mono.defer(outbound::flushed))
                .subscribe(null, error -> end.close(drainedWith), () -> end.close(drainedWith));
    }

    /** The client is done sending: what the transport takes of the queued replies goes out, then the call ends. */
    private void halfClosed() {
        if (!end.isClosed()) {
            outbound.drain();
            end.complete();
        }
    }
}
