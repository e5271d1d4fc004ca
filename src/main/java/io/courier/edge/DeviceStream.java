package io.courier.edge;

import java.util.concurrent.atomic.AtomicBoolean;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.cluster.DeviceAddress;
import io.courier.messaging.DeviceMailbox;
import io.courier.messaging.Queued;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One device's Connect stream, as the registry that holds it sees it: admitted first (presence registered), then the
 * inbox drain, then up-frames. Its parts do the work ({@link DeviceStreams} builds them): {@link FrameIntake} takes
 * up-frames, {@link UpFrames} and its paths answer them, the {@link DeviceMailbox} delivers through
 * {@link StreamOutlet} and {@link Outbound}, {@link BusIntake} takes what other nodes send, {@link StreamEnd} ends it.
 * All state is confined to the stream's serial executor.
 */
final class DeviceStream {
    private final DeviceAddress device;
    private final long epoch;
    private final Scheduler serial;
    private final StreamLifecycle lifecycle;
    private final StreamMetrics metrics;
    private final StreamEnd end;
    private final DeviceMailbox mailbox;
    private final FrameIntake intake;
    private final BusIntake bus;
    /** Counted in the open-streams gauge: set when admitted, cleared once when it ends. */
    private final AtomicBoolean counted = new AtomicBoolean();

    /** What the stream needs from the registry that holds it. */
    interface StreamLifecycle {
        /** Takes the device over and registers presence; completes false if the stream must not go on. */
        Mono<Boolean> admit(DeviceStream stream);

        void ended(DeviceStream stream);
    }

    /** The last of the stream's teardown is telling its registry (the parts' teardown is registered before). */
    DeviceStream(DeviceAddress device, long epoch, Scheduler serial, StreamLifecycle lifecycle, StreamMetrics metrics,
            StreamEnd end, DeviceMailbox mailbox, FrameIntake intake, BusIntake bus) {
        this.device = device;
        this.epoch = epoch;
        this.serial = serial;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        this.end = end;
        this.mailbox = mailbox;
        this.intake = intake;
        this.bus = bus;
        end.onEnd(() -> lifecycle.ended(this));
    }

    DeviceAddress device() {
        return device;
    }

    long epoch() {
        return epoch;
    }

    long lastHeardNanos() {
        return intake.lastHeardNanos();
    }

    /** Marks the stream counted as open; false if it already was. */
    boolean countOpen() {
        return counted.compareAndSet(false, true);
    }

    /** Unmarks it; true only the first time after {@link #countOpen}. */
    boolean countClosed() {
        return counted.compareAndSet(true, false);
    }

    /** Admission and presence first, then the drain, then up-frames; returns what gRPC hands the up-frames to. */
    StreamObserver<ConnectRequest> start() {
        lifecycle.admit(this).publishOn(serial).subscribe(admitted -> {
            if (end.isClosed() && admitted) {
                lifecycle.ended(this); // the client left while it was being admitted
            }
            if (!admitted || end.isClosed()) {
                return;
            }
            metrics.drainStarted();
            mailbox.start();
            intake.start();
        }, error -> serial.schedule(() -> {
            if (end.isClosed()) {
                lifecycle.ended(this); // admission may have registered it before failing
            } else {
                end.close(Status.INTERNAL.withCause(error));
            }
        }));
        return intake;
    }

    /** An ephemeral frame (typing) from the node bus: written now or dropped. */
    void signal(ConnectResponse frame) {
        bus.signal(frame);
    }

    /** A presence notice from the node bus. */
    void notice(ConnectResponse frame) {
        bus.notice(frame);
    }

    /** This account's privacy changed. */
    void refreshPresence() {
        bus.refreshPresence();
    }

    /** A push from the node bus. */
    void push(Queued item) {
        serial.schedule(() -> {
            if (!end.isClosed()) {
                mailbox.push(item);
            }
        });
    }

    /** Closes the stream from the server side with a status the client can act on. */
    void close(Status status) {
        end.close(status);
    }

    /** As {@link #close(Status)}, with trailers. */
    void close(StatusRuntimeException status) {
        end.close(status);
    }

    /** Graceful end for a node shutdown (see {@link FrameIntake#drain}); completes when the stream has ended. */
    Mono<Void> drain(StatusRuntimeException status) {
        intake.drain(status);
        return end.over();
    }
}
