package io.courier.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import io.courier.cluster.DeviceAddress;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Completions of sends waiting for a ride on their sending device's queue entry. A completion is off the SendAck's
 * path, and the same entry is changed again moments later (its mark moves when the device acks the message's
 * receipt; its next send claims an id), so the completion goes with that operation instead of paying for a grid
 * call and a backup of its own. One that gets no ride within {@code linger} goes alone; so do a device's
 * completions once {@link #MAX_WAITING} wait, and a node's before it shuts down. Until one lands, a retry of its
 * send on another node stores its copies again under the same server id (devices see them once); {@link
 * SentMessages} answers a retry on this node itself.
 */
final class SendCompletions {
    /** Completions one device may have waiting before they go at once. */
    static final int MAX_WAITING = 64;

    /** Client ids whose completions ride one operation, and the signal that it ran. */
    record Ride(List<Long> clientIds, Sinks.Empty<Void> landed) {
        /** Settles the waiting senders once the operation carrying the ride ran (or failed). */
        void settle(Throwable failure) {
            if (failure == null) {
                landed.tryEmitEmpty();
            } else {
                landed.tryEmitError(failure);
            }
        }
    }

    private final Map<DeviceAddress, Ride> waiting = new ConcurrentHashMap<>();
    private final Duration linger;
    /** Runs a ride alone: the ride is taken, the runner settles it. */
    private final BiConsumer<DeviceAddress, Ride> alone;

    SendCompletions(Duration linger, BiConsumer<DeviceAddress, Ride> alone) {
        this.linger = linger;
        this.alone = alone;
    }

    /** Adds a completion; the result completes once the operation carrying it ran on the entry. */
    Mono<Void> add(DeviceAddress device, long clientId) {
        return join(device, List.of(clientId)).landed().asMono();
    }

    /** A ride whose carrier failed: its completions wait again, and it settles when they land. */
    void putBack(DeviceAddress device, Ride ride) {
        join(device, ride.clientIds()).landed().asMono().subscribe(null, ride::settle, () -> ride.settle(null));
    }

    /** Adds completions to the device's waiting ride (a new one, with its linger, when none waits). */
    private Ride join(DeviceAddress device, List<Long> clientIds) {
        Ride[] joined = new Ride[1];
        boolean[] first = new boolean[1];
        waiting.compute(device, (d, ride) -> {
            if (ride == null) {
                first[0] = true;
                ride = new Ride(new ArrayList<>(), Sinks.empty());
            }
            ride.clientIds().addAll(clientIds);
            joined[0] = ride;
            return ride;
        });
        Ride ride = joined[0];
        if (first[0]) {
            Mono.delay(linger).subscribe(tick -> goAlone(device, ride));
        }
        if (ride.clientIds().size() >= MAX_WAITING) {
            goAlone(device, ride);
        }
        return ride;
    }

    /** The device's waiting completions, now this caller's to carry and settle; null when none wait. */
    Ride take(DeviceAddress device) {
        return waiting.remove(device);
    }

    /** Every waiting ride, now the caller's (the node is shutting down). */
    Map<DeviceAddress, Ride> takeAll() {
        Map<DeviceAddress, Ride> all = new HashMap<>();
        for (DeviceAddress device : List.copyOf(waiting.keySet())) {
            Ride ride = take(device);
            if (ride != null) {
                all.put(device, ride);
            }
        }
        return all;
    }

    /** Runs this ride alone unless a carrier took it first. */
    private void goAlone(DeviceAddress device, Ride ride) {
        if (waiting.remove(device, ride)) {
            alone.accept(device, ride);
        }
    }
}
