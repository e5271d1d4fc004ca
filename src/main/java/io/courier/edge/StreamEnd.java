package io.courier.edge;

import java.util.ArrayList;
import java.util.List;

import io.courier.api.v1.ConnectResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * How a device stream ends, exactly once: closed by the server with a status, completed after the client's half
 * close, or abandoned by the client. The stream's teardown runs first, then the call is ended. Whether the stream has
 * ended is confined to the stream's serial executor.
 */
final class StreamEnd {
    private final ServerCallStreamObserver<ConnectResponse> call;
    private final Scheduler serial;
    private final Sinks.Empty<Void> over = Sinks.empty();
    /** What the stream's parts release when it ends, in order. */
    private final List<Runnable> teardown = new ArrayList<>();
    private boolean closed;

    StreamEnd(ServerCallStreamObserver<ConnectResponse> call, Scheduler serial) {
        this.call = call;
        this.serial = serial;
    }

    /** Adds a step to the teardown; all are added before the stream starts. */
    void onEnd(Runnable step) {
        teardown.add(step);
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes the stream from the server side with a status the client can act on. */
    void close(Status status) {
        close(status.asRuntimeException());
    }

    /** As {@link #close(Status)}, with trailers. */
    void close(StatusRuntimeException status) {
        serial.schedule(() -> {
            if (!closed) {
                end();
                try {
                    call.onError(status);
                } catch (RuntimeException alreadyGone) {
                    // the transport is already closed
                }
            }
        });
    }

    /** The client went away (cancelled or failed): nothing is written to it any more. */
    void abandoned() {
        serial.schedule(this::end);
    }

    /** The client is done sending and what could go out went: the call completes. On the serial executor. */
    void complete() {
        if (!closed) {
            end();
            call.onCompleted();
        }
    }

    /** Completes when the stream has ended, however it ended. */
    Mono<Void> over() {
        return over.asMono();
    }

    /** On the serial executor. */
    void end() {
        if (!closed) {
            closed = true;
            teardown.forEach(Runnable::run);
            over.tryEmitEmpty();
        }
    }
}
