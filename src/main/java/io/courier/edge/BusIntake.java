package io.courier.edge;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.courier.api.v1.ConnectResponse;
import io.courier.cluster.DeviceAddress;
import io.courier.common.BoundedLog;
import reactor.core.scheduler.Scheduler;

/**
 * What the node bus hands one stream besides pushes: ephemeral frames (typing), presence notices and presence
 * refreshes. Each is moved onto the stream's serial executor, within bounds, so peers can't pile work up behind a
 * busy stream.
 */
final class BusIntake {
    /** Ephemeral frames (typing) waiting for the serial executor at most; more are dropped at once. */
    static final int EPHEMERALS_QUEUED = 8;
    /** Presence notices waiting for the serial executor at most; more are dropped (a resubscribe refreshes). */
    static final int NOTICES_QUEUED = 256;

    private final DeviceAddress device;
    private final Outbound outbound;
    private final PresenceFeed presence;
    private final StreamEnd end;
    private final StreamMetrics metrics;
    private final BoundedLog faults;
    private final Scheduler serial;
    /** Ephemeral frames handed to the serial executor and not yet run there. */
    private final AtomicInteger ephemeralsQueued = new AtomicInteger();
    /** Presence notices handed to the serial executor and not yet run there. */
    private final AtomicInteger noticesQueued = new AtomicInteger();

    BusIntake(DeviceAddress device, Outbound outbound, PresenceFeed presence, StreamEnd end, StreamMetrics metrics,
            BoundedLog faults, Scheduler serial) {
        this.device = device;
        this.outbound = outbound;
        this.presence = presence;
        this.end = end;
        this.metrics = metrics;
        this.faults = faults;
        this.serial = serial;
    }

    /**
     * An ephemeral frame: written now or dropped. Dropped at once when {@value #EPHEMERALS_QUEUED} are already
     * waiting for the stream's executor.
     */
    void signal(ConnectResponse frame) {
        hand(frame, ephemeralsQueued, EPHEMERALS_QUEUED, outbound::offer);
    }

    /** A presence notice: queued behind what the stream is writing, within bounds. */
    void notice(ConnectResponse frame) {
        hand(frame, noticesQueued, NOTICES_QUEUED, presence::notice);
    }

    /** This account's privacy changed: the states of the accounts this stream watches, as it may see them now. */
    void refreshPresence() {
        serial.schedule(() -> {
            if (end.isClosed()) {
                return;
            }
            presence.refresh().subscribe(null, error -> faults.log(Logger.Level.DEBUG, device,
                    () -> "Presence of " + device + " not refreshed: " + error));
        });
    }

    private void hand(ConnectResponse frame, AtomicInteger queued, int max, Predicate<ConnectResponse> write) {
        if (queued.incrementAndGet() > max) {
            queued.decrementAndGet();
            metrics.refused(StreamMetrics.EPHEMERAL_DROPPED);
            return;
        }
        serial.schedule(() -> {
            queued.decrementAndGet();
            if (!end.isClosed() && !write.test(frame)) {
                metrics.refused(StreamMetrics.EPHEMERAL_DROPPED);
            }
        });
    }
}
